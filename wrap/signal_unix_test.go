//go:build linux || darwin

package wrap

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/marker"
)

// TestShutdownNotice sends upwrap's own process a SIGTERM while the child
// runs, under each combination of --expect-reboot and a confirming witness.
func TestShutdownNotice(t *testing.T) {
	tests := []struct {
		name         string
		expectReboot bool
		confirmed    bool
		// the child's reaction to SIGTERM: "ignore" keeps running to exit 0;
		// "die" exits by the signal
		child string
		want  got
		// wantRecordedFirst: the record said this before the child ended
		// ("" when upwrap itself ends the child)
		wantRecordedFirst marker.State
	}{
		{"expect reboot, confirmed, child killed by the shutdown", true, true, "die", got{Restarting, marker.Rebooting, "signal:SIGTERM", "", 1, 1}, marker.Rebooting},
		// Nothing confirmed the notice and the machine is still up after the
		// grace: the operator's stop, settled by this upwrap.
		{"expect reboot, unconfirmed, child killed, still up after the grace", true, false, "die", got{Cancelled, marker.Failed, "signal:SIGTERM", "cancelled", 1, 1}, marker.Rebooting},
		{"expect reboot, child finishes after all", true, true, "ignore", got{Succeeded, marker.Succeeded, "exit-code", "", 1, 1}, marker.Rebooting},
		{"no expect reboot, confirmed shutdown", false, true, "die", got{Interrupted, marker.Failed, "signal:SIGTERM", "shutdown", 1, 1}, marker.Failed},
		{"no expect reboot, operator's stop is forwarded", false, false, "die", got{Cancelled, marker.Failed, "signal:SIGTERM", "cancelled", 1, 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			started, release := filepath.Join(dir, "started"), filepath.Join(dir, "release")
			trap := ""
			if tt.child == "ignore" {
				trap = "trap '' TERM;"
			}
			script := trap + `echo x >>"$0"; touch "$1"; while [ ! -e "$2" ]; do sleep 0.01; done; exit 0`
			runsFile := filepath.Join(dir, "runs")
			p := &fakeProbe{boot: "b1", confirmed: tt.confirmed}
			opts := testOptions(t, "sh", "-c", script, runsFile, started, release)
			opts.ExpectReboot = tt.expectReboot
			opts.ShutdownGrace = 200 * time.Millisecond
			type out struct {
				res *Result
				err error
			}
			done := make(chan out, 1)
			go func() {
				res, err := Run(context.Background(), opts, p)
				done <- out{res, err}
			}()
			waitFor(t, started)
			syscall.Kill(os.Getpid(), syscall.SIGTERM)
			if tt.wantRecordedFirst != "" {
				st, _ := marker.Open(opts.StateDir, false)
				deadline := time.Now().Add(5 * time.Second)
				var r *marker.Record
				for time.Now().Before(deadline) {
					if r, _ = st.Read("job"); r != nil && r.State != marker.Running {
						break
					}
					time.Sleep(time.Millisecond)
				}
				if r == nil || r.State != tt.wantRecordedFirst {
					t.Errorf("while the child ran the record said %+v, want %v", r, tt.wantRecordedFirst)
				}
			}
			// The system's SIGTERM to every process at shutdown (or systemd
			// stopping the agent's cgroup) ends the child too; upwrap itself
			// never kills it when a reboot is expected.
			if tt.child == "die" && tt.wantRecordedFirst != "" {
				syscall.Kill(-childGroup(t, runsFile), syscall.SIGTERM)
			}
			// An operator's stop must end the child through upwrap's
			// forwarding alone: releasing it here would race the forward.
			if tt.child == "ignore" || tt.wantRecordedFirst != "" {
				os.WriteFile(release, nil, 0o600)
			}
			var o out
			select {
			case o = <-done:
			case <-time.After(30 * time.Second):
				os.WriteFile(release, nil, 0o600)
				t.Fatal("run did not end: the stop was not forwarded to the child")
			}
			if o.err != nil {
				t.Fatal(o.err)
			}
			b, _ := os.ReadFile(runsFile)
			if diff := cmp.Diff(tt.want, summarize(o.res, strings.Count(string(b), "x"))); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// childGroup finds the process group of the sh child (its leader's pid).
func childGroup(t *testing.T, arg string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(b), arg) {
			pg, err := syscall.Getpgid(atoi(e.Name()))
			if err == nil {
				return pg
			}
		}
	}
	t.Fatal("child not found")
	return 0
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func waitFor(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
}
