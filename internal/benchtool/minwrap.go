//go:build linux

package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// cmdMinwrap is the P2 floor, timed the same way as "upwrap run -- true":
// the least a wrapper that keeps a durable record must do. It replaces a
// record-sized file durably ("running"), runs the command and waits for it,
// and replaces the file durably again ("finished"). It appends the two
// replace durations, in nanoseconds, to -times, so the fsync floor is taken
// under the very conditions (same directory, same pace, same load) that
// upwrap meets in the same hyperfine run.
func cmdMinwrap(args []string) error {
	fs := flag.NewFlagSet("minwrap", flag.ExitOnError)
	dir := fs.String("dir", "", "directory of the record")
	name := fs.String("name", "min.json", "record file name")
	times := fs.String("times", "", "file to append \"w1_ns w2_ns\" to")
	fs.Parse(args)
	argv := fs.Args()
	if *dir == "" || len(argv) == 0 {
		return fmt.Errorf("usage: minwrap -dir DIR [-times FILE] -- COMMAND [ARG...]")
	}
	t0 := time.Now()
	if err := bareReplace(*dir, *name, payload(recordSize, 1)); err != nil {
		return err
	}
	w1 := time.Since(t0)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	runErr := cmd.Run()
	t1 := time.Now()
	if err := bareReplace(*dir, *name, payload(recordSize, 2)); err != nil {
		return err
	}
	w2 := time.Since(t1)
	if *times != "" {
		f, err := os.OpenFile(*times, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return err
		}
		fmt.Fprintf(f, "%d %d\n", w1.Nanoseconds(), w2.Nanoseconds())
		if err := f.Close(); err != nil {
			return err
		}
	}
	return runErr
}
