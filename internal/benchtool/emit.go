//go:build linux

package main

import (
	"flag"
	"fmt"
	"os"
)

// lineLen is the length of each emitted line, newline included: installer
// logs are lines of about this size.
const lineLen = 100

// cmdEmit writes -bytes bytes of numbered text lines to stdout, in 64 KiB
// writes, as fast as it can: the child of P4 and P5. It costs little CPU of
// its own, so a copier's overhead is not hidden behind a slow child.
func cmdEmit(args []string) error {
	fs := flag.NewFlagSet("emit", flag.ExitOnError)
	total := fs.Int64("bytes", 1<<30, "bytes to write")
	fs.Parse(args)
	const perChunk = (64 << 10) / lineLen
	chunk := make([]byte, 0, perChunk*lineLen)
	for i := 0; i < perChunk; i++ {
		line := fmt.Sprintf("upwrap bench output line %06d: the installer reports progress on a line of its own", i)
		for len(line) < lineLen-1 {
			line += "."
		}
		chunk = append(chunk, line[:lineLen-1]...)
		chunk = append(chunk, '\n')
	}
	for left := *total; left > 0; {
		b := chunk
		if int64(len(b)) > left {
			b = b[:left]
		}
		n, err := os.Stdout.Write(b)
		if err != nil {
			return err
		}
		left -= int64(n)
	}
	return nil
}
