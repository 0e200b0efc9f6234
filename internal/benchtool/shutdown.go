//go:build linux

package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// P3 measures how long upwrap takes, from the shutdown notice, to make the
// "rebooting" record durable.
//
// What is timed, and why it is honest: t0 is taken just before the harness
// calls kill(upwrap, SIGTERM). The end is the first write to the job's log
// after the record's rename (inotify IN_MODIFY on NAME.log): on the
// shutdown path upwrap writes the record durably first — temporary file,
// fsync, rename, fsync of the state directory through the handle it holds
// — and logs the notice only then (docs/design.md §6, state first, log
// second). The interval therefore covers the signal delivery, Go's signal
// handling, the shutdown-notice check of detect (systemd over D-Bus where
// systemd is init, else the witness files), the record's encoding,
// temporary file, fsync, rename and the directory's fsync, one log line,
// plus the harness's own inotify wake-up. Nothing is subtracted.
// The record is then read back and must say "rebooting". The moment the
// renamed record became visible (IN_MOVED_TO) is reported too: it tells the
// directory fsync apart from the rest.
//
// Beside it, in the same loop and the same directory, the harness times the
// bare fsync'd replace of a record-sized file (the floor, in-process, no
// signal) and a control program that does only that replace on SIGTERM,
// timed exactly like upwrap (the floor of the measuring method itself).
// The three run interleaved, in rotating order, so that drifting load on a
// shared machine hits them alike.

// target is one program under the kill → durable measurement.
type target struct {
	key    string
	name   string // file base name: <name>.json, <name>.log
	cmd    *exec.Cmd
	ready  func(log []byte) bool
	record func(rec []byte) error
	stop   func(log []byte) // ends what is left running after a trial
}

func cmdShutdown(args []string) error {
	fs := flag.NewFlagSet("shutdown", flag.ExitOnError)
	upwrap := fs.String("upwrap", "", "upwrap binary under test")
	dir := fs.String("dir", "", "state directory (created 0700; must be on the disk under test)")
	n := fs.Int("n", 200, "trials of each kind")
	settle := fs.Duration("settle", 50*time.Millisecond, "idle time between a program being ready and the notice")
	fs.Parse(args)
	if *upwrap == "" || *dir == "" {
		return fmt.Errorf("-upwrap and -dir are required")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(*dir, 0o700); err != nil {
		return err
	}
	w, err := newWatcher(*dir)
	if err != nil {
		return err
	}
	defer w.close()
	if _, err := timeReplace(*dir, "floor.json", -1); err != nil {
		return err
	}

	var floor, upDurable, upRename, ctlDurable, ctlRename []time.Duration
	for i := 0; i < *n; i++ {
		steps := []func() error{
			func() error {
				d, err := timeReplace(*dir, "floor.json", i)
				floor = append(floor, d)
				return err
			},
			func() error {
				dur, ren, err := trial(w, *dir, upwrapTarget(*upwrap, *dir, fmt.Sprintf("p3-%04d", i)), *settle)
				upDurable, upRename = append(upDurable, dur), append(upRename, ren)
				return err
			},
			func() error {
				dur, ren, err := trial(w, *dir, controlTarget(self, *dir, fmt.Sprintf("ctl-%04d", i)), *settle)
				ctlDurable, ctlRename = append(ctlDurable, dur), append(ctlRename, ren)
				return err
			},
		}
		for k := range steps {
			if err := steps[(k+i)%len(steps)](); err != nil {
				return fmt.Errorf("trial %d: %w", i, err)
			}
		}
	}
	printStats("p3_floor", floor)
	printStats("p3_upwrap_durable", upDurable)
	printStats("p3_upwrap_rename", upRename)
	printStats("p3_control_durable", ctlDurable)
	printStats("p3_control_rename", ctlRename)
	return nil
}

var childPid = regexp.MustCompile(`child_pid=(\d+)`)

func upwrapTarget(bin, dir, job string) *target {
	// --shutdown-grace 0: the harness kills the stand-in once the record is
	// timed, and upwrap need not wait for a shutdown that never comes.
	cmd := exec.Command(bin, "run", "--state-dir", dir, "--job", job, "--expect-reboot", "--shutdown-grace", "0s", "--", "sleep", "600")
	return &target{
		key: "upwrap", name: job, cmd: cmd,
		ready: func(log []byte) bool { return bytes.Contains(log, []byte(`msg="child started"`)) },
		record: func(rec []byte) error {
			if !bytes.Contains(rec, []byte(`"state": "rebooting"`)) {
				return fmt.Errorf("record of %s does not say rebooting:\n%s", job, rec)
			}
			return nil
		},
		stop: func(log []byte) {
			// The upgrade stand-in: upwrap never kills it, so the harness
			// does, and upwrap then exits with the record left rebooting.
			if m := childPid.FindSubmatch(log); m != nil {
				if pid, err := strconv.Atoi(string(m[1])); err == nil {
					unix.Kill(-pid, unix.SIGKILL)
				}
			}
		},
	}
}

func controlTarget(self, dir, name string) *target {
	return &target{
		key: "control", name: name, cmd: exec.Command(self, "onterm", "-dir", dir, "-name", name),
		ready:  func(log []byte) bool { return bytes.Contains(log, []byte("ready\n")) },
		record: func([]byte) error { return nil },
		stop:   func([]byte) {},
	}
}

// trial starts t, waits until it is ready and idle, sends SIGTERM, and
// returns the time until the record is durable (the first log line after
// the rename) and the time until the renamed record became visible.
func trial(w *watcher, dir string, t *target, settle time.Duration) (durable, renamed time.Duration, err error) {
	logName := t.name + ".log"
	logPath := filepath.Join(dir, logName)
	recName := t.name + ".json"
	w.drain()
	if err := t.cmd.Start(); err != nil {
		return 0, 0, fmt.Errorf("start %s: %w", t.key, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- t.cmd.Wait() }()
	defer func() {
		log, _ := os.ReadFile(logPath)
		t.stop(log)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.cmd.Process.Kill()
			<-exited
			if err == nil {
				err = fmt.Errorf("%s %s did not exit after the trial", t.key, t.name)
			}
		}
	}()

	deadline := time.Now().Add(10 * time.Second)
	for {
		if log, _ := os.ReadFile(logPath); t.ready(log) {
			break
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("%s %s not ready after 10s", t.key, t.name)
		}
		if _, err := w.wait(100 * time.Millisecond); err != nil {
			return 0, 0, err
		}
	}
	time.Sleep(settle)
	w.drain()

	t0 := time.Now()
	if err := t.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, 0, fmt.Errorf("SIGTERM %s: %w", t.key, err)
	}
	deadline = t0.Add(10 * time.Second)
	for durable == 0 {
		evs, err := w.wait(time.Until(deadline))
		if err != nil {
			return 0, 0, err
		}
		if len(evs) == 0 {
			return 0, 0, fmt.Errorf("%s %s: no durable record 10s after SIGTERM", t.key, t.name)
		}
		for _, e := range evs {
			switch {
			case e.name == recName && e.mask&unix.IN_MOVED_TO != 0 && renamed == 0:
				renamed = e.at.Sub(t0)
			case e.name == logName && e.mask&unix.IN_MODIFY != 0 && renamed != 0 && durable == 0:
				durable = e.at.Sub(t0)
			}
		}
	}
	if renamed == 0 {
		return 0, 0, fmt.Errorf("%s %s: the log was written but no rename was seen", t.key, t.name)
	}
	rec, err := os.ReadFile(filepath.Join(dir, recName))
	if err != nil {
		return 0, 0, err
	}
	return durable, renamed, t.record(rec)
}

// cmdOnTerm is the control program: on SIGTERM it does the bare replace of
// a record-sized file and then, as upwrap does, writes one log line, which
// marks the end for the harness.
func cmdOnTerm(args []string) error {
	fs := flag.NewFlagSet("onterm", flag.ExitOnError)
	dir := fs.String("dir", "", "directory")
	name := fs.String("name", "", "file base name")
	fs.Parse(args)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	log, err := os.OpenFile(filepath.Join(*dir, *name+".log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	b := payload(recordSize, 1)
	if _, err := log.WriteString("ready\n"); err != nil {
		return err
	}
	<-sigs
	if err := bareReplace(*dir, *name+".json", b); err != nil {
		return err
	}
	_, err = log.WriteString("durable\n")
	return err
}
