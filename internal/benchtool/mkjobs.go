//go:build linux

package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/upwrap/upwrap/marker"
)

// cmdMkjobs fills a state directory with n jobs as upwrap leaves them: a
// record, a lock file and a log per job, with a realistic mix of states
// (mostly succeeded; some failed, reboot-required, rebooting in this boot,
// and rebooting in an earlier boot, which status resolves to succeeded).
// The records come from marker's own encoder; they are written without
// fsync, since only reading them is measured.
func cmdMkjobs(args []string) error {
	fs := flag.NewFlagSet("mkjobs", flag.ExitOnError)
	dir := fs.String("dir", "", "state directory (created 0700; must not exist)")
	n := fs.Int("n", 10000, "number of jobs")
	fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	if err := os.Mkdir(*dir, 0o700); err != nil {
		return err
	}
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return err
	}
	boot := strings.TrimSpace(string(b))
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < *n; i++ {
		id := marker.ID(fmt.Sprintf("job-%05d", i))
		argv := []string{"/usr/bin/apt-get", "-y", "install", fmt.Sprintf("pkg%05d", i)}
		started := start.Add(time.Duration(i) * time.Minute)
		finished := started.Add(42 * time.Second)
		zero := int64(0)
		r := &marker.Record{
			Schema: marker.Schema, Job: id, State: marker.Succeeded, Argv: argv, ArgvSHA256: marker.ArgvHash(argv),
			Attempts: 1, StartedAt: &started, FinishedAt: &finished, BootStart: boot, BootEnd: boot,
			ExitCode: &zero, Reason: "child exited with 0", Source: "exit-code", Host: "bench", Version: "bench",
		}
		switch i % 20 {
		case 1, 2:
			code := int64(100)
			r.State, r.ExitCode, r.Reason, r.Failure = marker.Failed, &code, "child exited with 100", "exit-code"
		case 3:
			r.State, r.Reason = marker.RebootRequired, "succeeded; child exited with 3010: a reboot is required"
		case 4:
			r.State, r.FinishedAt, r.ExitCode, r.ExpectReboot, r.ShutdownConfirmed = marker.Rebooting, nil, nil, true, true
			r.Source, r.Reason = "signal:SIGTERM", "restarting: shutdown notice SIGTERM confirmed"
		case 5:
			r.State, r.FinishedAt, r.ExitCode, r.ExpectReboot = marker.Rebooting, nil, nil, true
			r.BootStart, r.BootEnd = "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"
			r.Source, r.Reason = "signal:SIGTERM", "restarting: shutdown notice SIGTERM"
		}
		b, err := r.Encode()
		if err != nil {
			return err
		}
		for name, content := range map[string][]byte{".json": b, ".lock": nil, ".log": []byte("time=... msg=\"child started\"\n")} {
			if err := os.WriteFile(filepath.Join(*dir, string(id)+name), content, 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}
