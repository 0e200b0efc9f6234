//go:build linux

// Command benchtool is the measuring half of scripts/bench. It is not part of
// upwrap and is never shipped; scripts/bench builds it next to upwrap.
//
// Each subcommand measures or prepares one thing and prints plain
// "key=value" lines (durations in nanoseconds, sizes in bytes) that the
// report subcommand turns into the README's Performance table:
//
//	replace   time the bare fsync'd small-file replace (the durability floor)
//	shutdown  P3: SIGTERM to "upwrap run --expect-reboot" until the rebooting
//	          record is durable, interleaved with bare replaces
//	emit      write N bytes of text lines to stdout (the P4/P5 child)
//	mkjobs    fill a state directory with N job records (P5 status --all)
//	report    assemble the results directory into one Markdown table and
//	          write it into README.md
//
// It makes no claim of its own about upwrap: every figure it prints is taken
// in the same run as the anchor it is compared with.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmds := map[string]func([]string) error{
		"replace":  cmdReplace,
		"shutdown": cmdShutdown,
		"emit":     cmdEmit,
		"mkjobs":   cmdMkjobs,
		"report":   cmdReport,
		"onterm":   cmdOnTerm,
		"minwrap":  cmdMinwrap,
	}
	f, ok := cmds[os.Args[1]]
	if !ok {
		usage()
	}
	if err := f(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "benchtool %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchtool replace|shutdown|emit|mkjobs|report|onterm [flags]")
	os.Exit(2)
}
