//go:build linux || darwin

package wrap

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/detect"
)

// steadyProbe is a machine that never restarts, never shuts down and never
// has a reboot pending.
type steadyProbe struct{}

func (steadyProbe) BootID(context.Context) (string, error) { return "boot-1", nil }
func (steadyProbe) ShutdownNotice(_ context.Context, sig os.Signal) detect.Notice {
	return detect.Notice{Signal: detect.SignalName(sig)}
}
func (steadyProbe) PendingReboot(context.Context) []detect.PendingSource { return nil }

// TestProgress checks what a run reports through Options.Progress and the
// heartbeat lines its log gets while it waits.
func TestProgress(t *testing.T) {
	tests := []struct {
		name      string
		argv      []string
		verify    string
		waitTree  bool
		heartbeat time.Duration
		want      []Progress
		// wantBeats lists, per phase, whether the log must have heartbeat
		// lines for it.
		wantBeats map[string]bool
		// releaseAfter, when set, is the phase whose heartbeats the
		// command (or what it left running) waits for: the file given as
		// "$0" appears once the log has two of them.
		releaseAfter string
	}{
		{
			name: "child", argv: []string{"sh", "-c", awaitRelease}, waitTree: true, heartbeat: 50 * time.Millisecond,
			want:      []Progress{{Job: "j", Phase: WaitChild, Attempt: 1}},
			wantBeats: map[string]bool{"the command": true, "the process tree": false}, releaseAfter: "the command",
		},
		{
			name: "tree after the child exited", argv: []string{"sh", "-c", "(" + awaitRelease + ") & exit 0"}, waitTree: true, heartbeat: 50 * time.Millisecond,
			want:      []Progress{{Job: "j", Phase: WaitChild, Attempt: 1}, {Job: "j", Phase: WaitTree, Attempt: 1}},
			wantBeats: map[string]bool{"the process tree": true}, releaseAfter: "the process tree",
		},
		{
			// What the child leaves running models a real program's
			// timing: upwrap must not wait for it, whenever it ends.
			name: "no tree phase with --wait-tree=false", argv: []string{"sh", "-c", "sleep 0.3 & exit 0"}, heartbeat: -1,
			want:      []Progress{{Job: "j", Phase: WaitChild, Attempt: 1}},
			wantBeats: map[string]bool{"the command": false, "the process tree": false},
		},
		{
			name: "verify first", argv: []string{"true"}, verify: "exit 1", waitTree: true, heartbeat: -1,
			want: []Progress{{Job: "j", Phase: WaitVerify}, {Job: "j", Phase: WaitChild, Attempt: 1}},
		},
		{
			name: "verify passes: the child is not started", argv: []string{"true"}, verify: "exit 0", waitTree: true,
			want: []Progress{{Job: "j", Phase: WaitVerify}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var got []Progress
			argv := tt.argv
			if tt.releaseAfter != "" {
				release := filepath.Join(dir, "release")
				argv = append(slices.Clone(argv), release)
				stop := make(chan struct{})
				defer close(stop)
				go releaseAfterBeats(filepath.Join(dir, "state", "j.log"), tt.releaseAfter, release, stop)
			}
			opts := Options{
				Job: "j", StateDir: filepath.Join(dir, "state"), Argv: argv, Verify: tt.verify,
				SuccessCodes: []int64{0}, WaitTree: tt.waitTree, Heartbeat: tt.heartbeat,
				Progress: func(p Progress) { got = append(got, p) },
			}
			if _, err := Run(context.Background(), opts, steadyProbe{}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("progress mismatch (-want +got):\n%s", diff)
			}
			log, err := os.ReadFile(filepath.Join(dir, "state", "j.log"))
			if err != nil {
				t.Fatal(err)
			}
			for phase, want := range tt.wantBeats {
				re := heartbeatsOf(phase)
				if got := len(re.FindAll(log, -1)); (got >= 2) != want {
					t.Errorf("%d heartbeat lines for %q, want at least 2: %v; log:\n%s", got, phase, want, log)
				}
			}
		})
	}
}

// awaitRelease is a command that runs until the file "$0" exists.
const awaitRelease = `while [ ! -e "$0" ]; do sleep 0.01; done`

// heartbeatsOf matches the heartbeat lines of a phase in a text log.
func heartbeatsOf(phase string) *regexp.Regexp {
	return regexp.MustCompile(`msg=heartbeat .*waiting_for="` + phase + `" elapsed=\d`)
}

// releaseAfterBeats creates release once log has two heartbeat lines of
// phase, or after 20 s (the test then fails on the count); it gives up when
// stop is closed.
func releaseAfterBeats(log, phase, release string, stop <-chan struct{}) {
	re := heartbeatsOf(phase)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		if b, _ := os.ReadFile(log); len(re.FindAll(b, -1)) >= 2 {
			break
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
	os.WriteFile(release, nil, 0o600)
}

// TestHeartbeatInterval: the zero value means every five minutes.
func TestHeartbeatInterval(t *testing.T) {
	for _, tt := range []struct{ in, want time.Duration }{{0, 5 * time.Minute}, {time.Second, time.Second}, {-1, -1}} {
		o := Options{Heartbeat: tt.in}
		if got := o.heartbeat(); got != tt.want {
			t.Errorf("heartbeat(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
