//go:build linux || darwin

package wrap

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
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
// heartbeat lines its log gets while it waits (issue 9).
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
	}{
		{
			name: "child", argv: []string{"sh", "-c", "sleep 0.6"}, waitTree: true, heartbeat: 50 * time.Millisecond,
			want:      []Progress{{Job: "j", Phase: WaitChild, Attempt: 1}},
			wantBeats: map[string]bool{"the command": true, "the process tree": false},
		},
		{
			name: "tree after the child exited", argv: []string{"sh", "-c", "sleep 0.6 & exit 0"}, waitTree: true, heartbeat: 50 * time.Millisecond,
			want:      []Progress{{Job: "j", Phase: WaitChild, Attempt: 1}, {Job: "j", Phase: WaitTree, Attempt: 1}},
			wantBeats: map[string]bool{"the process tree": true},
		},
		{
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
			opts := Options{
				Job: "j", StateDir: filepath.Join(dir, "state"), Argv: tt.argv, Verify: tt.verify,
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
				re := regexp.MustCompile(`msg=heartbeat .*waiting_for="` + phase + `" elapsed=\d`)
				if got := len(re.FindAll(log, -1)); (got >= 2) != want {
					t.Errorf("%d heartbeat lines for %q, want at least 2: %v; log:\n%s", got, phase, want, log)
				}
			}
		})
	}
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
