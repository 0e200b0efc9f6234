package main

import (
	"fmt"

	"github.com/upwrap/upwrap/internal/journal"
	"github.com/upwrap/upwrap/wrap"
)

// say prints one line on stderr; in the journal it carries priority p.
func (c *cliState) say(p journal.Priority, line string) {
	if c.journal {
		line = journal.Prefix(p, line)
	}
	fmt.Fprintln(c.stderr, line)
}

// outcomePriority is the journal priority of a result's summary line.
func outcomePriority(o wrap.Outcome) journal.Priority {
	switch o {
	case wrap.Succeeded, wrap.NoJob:
		return journal.Info
	case wrap.RebootRequired, wrap.Restarting, wrap.Busy:
		return journal.Notice
	}
	return journal.Err
}
