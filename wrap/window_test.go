//go:build linux || darwin

package wrap

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/marker"
)

// TestShutdownWindow: the child ends before upwrap hears any notice (it is
// killed, or reports its death by SIGTERM as 143, or exits with a code of
// its own); the witnesses and the grace decide, through Run.
func TestShutdownWindow(t *testing.T) {
	tests := []struct {
		name         string
		script       string
		expectReboot bool
		witness      bool
		// witnessLate: the witness confirms only during the grace.
		witnessLate bool
		want        got
		wantCode    *int64
	}{
		{"killed, witness, expect reboot: rebooting", `kill -TERM $$`, true, true, false,
			got{Restarting, marker.Rebooting, "witness:test-witness", "", 1, 1}, nil},
		{"143, witness, expect reboot: rebooting", `exit 143`, true, true, false,
			got{Restarting, marker.Rebooting, "witness:test-witness", "", 1, 1}, nil},
		{"killed, the witness confirms by the end of the grace", `kill -TERM $$`, true, false, true,
			got{Restarting, marker.Rebooting, "witness:test-witness", "", 1, 1}, nil},
		{"killed, witness, no expect reboot: interrupted by shutdown", `kill -TERM $$`, false, true, false,
			got{Interrupted, marker.Failed, "witness:test-witness", "shutdown", 1, 1}, nil},
		{"killed, no witness, grace over: killed by the signal", `kill -TERM $$`, true, false, false,
			got{Interrupted, marker.Failed, "signal:SIGTERM", "interrupted", 1, 1}, nil},
		{"own code, witness: failed with the code", `exit 100`, true, true, false,
			got{ChildFailed, marker.Failed, "exit-code", "exit-code", 1, 1}, ptr(int64(100))},
		{"143, no witness, grace over: the code kept", `exit 143`, true, false, false,
			got{ChildFailed, marker.Failed, "exit-code", "exit-code", 1, 1}, ptr(int64(143))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			argv, runs := counter(t, "0")
			argv[2] = `echo x >>"$0"; ` + tt.script
			p := &fakeProbe{boot: "b1", confirmed: tt.witness}
			opts := testOptions(t, argv...)
			opts.ExpectReboot = tt.expectReboot
			opts.ShutdownGrace = 400 * time.Millisecond
			if tt.witnessLate {
				// The witnesses say nothing when first asked, at the
				// child's end, and confirm when asked again, at the end
				// of the grace.
				opts.ShutdownGrace = 2 * time.Second
				p.onAsk = func(p *fakeProbe) { p.confirmed = true }
			}
			res, err := Run(context.Background(), opts, p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summarize(res, runs())); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCode, res.Record.ExitCode); diff != "" {
				t.Errorf("exit_code (-want +got):\n%s", diff)
			}
			if tt.want.State == marker.Rebooting && (!res.Record.ShutdownConfirmed || res.Record.FinishedAt != nil) {
				t.Errorf("rebooting record: shutdown_confirmed %v, finished_at %v; want true, null", res.Record.ShutdownConfirmed, res.Record.FinishedAt)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
