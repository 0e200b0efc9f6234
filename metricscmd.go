package main

import (
	"context"
	"fmt"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/wrap"
)

// statusFormat answers status --format: prometheus prints the metrics that
// --textfile writes (docs/design.md §9), the same bytes.
func (c *cliState) statusFormat(format string, q wrap.Query, other bool) error {
	switch {
	case format != "prometheus":
		return usageError{fmt.Sprintf("--format %q: use prometheus (or --json for JSON)", format)}
	case !q.All:
		return usageError{"--format prometheus goes with --all: the metrics cover every job"}
	case other:
		return usageError{"--format prometheus goes with neither --json nor --detection"}
	}
	b, err := wrap.Metrics(context.Background(), q.StateDir, detect.System())
	if err != nil {
		return err
	}
	_, err = c.stdout.Write(b)
	return err
}
