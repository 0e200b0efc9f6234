//go:build linux

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
