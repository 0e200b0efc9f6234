//go:build unix

package wrap

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/upwrap/upwrap/marker"
)

// TestTextfileNeverDelaysTheNoticeRecord: with the textfile's writer stuck
// (the test holds its lock, as a slow or hung writer would), a shutdown
// notice still gets its rebooting record at once; the textfile catches up
// when the writer can go on. A run that wrote the textfile before the record,
// or waited for it, would show the record only after the writer gave up on
// the lock (10 s).
func TestTextfileNeverDelaysTheNoticeRecord(t *testing.T) {
	dir := t.TempDir()
	tf := filepath.Join(dir, "textfile")
	if err := os.Mkdir(tf, 0o755); err != nil {
		t.Fatal(err)
	}
	lf, err := os.OpenFile(filepath.Join(tf, ".upwrap.prom.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if err := unix.Flock(int(lf.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	started, release, runs := filepath.Join(dir, "started"), filepath.Join(dir, "release"), filepath.Join(dir, "runs")
	opts := testOptions(t, "sh", "-c", `echo x >>"$0"; touch "$1"; while [ ! -e "$2" ]; do sleep 0.01; done`, runs, started, release)
	opts.ExpectReboot, opts.Textfile = true, tf
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), opts, &fakeProbe{boot: "b1", confirmed: true})
		done <- err
	}()
	waitFor(t, started)
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	st, err := marker.Open(opts.StateDir, false)
	if err != nil {
		t.Fatal(err)
	}
	// Well under the writer's 10 s lock wait.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if r, _ := st.Read("job"); r != nil && r.State == marker.Rebooting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no rebooting record while the textfile's writer was stuck")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(tf, "upwrap.prom")); err == nil {
		t.Fatal("the textfile was written while its lock was held")
	}

	// The restart's SIGTERM ends the child; the writer goes on.
	syscall.Kill(-childGroup(t, runs), syscall.SIGTERM)
	unix.Flock(int(lf.Fd()), unix.LOCK_UN)
	os.WriteFile(release, nil, 0o600)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(tf, "upwrap.prom"))
	if err != nil {
		t.Fatal(err)
	}
	if got := statesIn(string(b))["job"]; got != "rebooting" {
		t.Errorf("at the end the textfile says %q, want rebooting:\n%s", got, b)
	}
}
