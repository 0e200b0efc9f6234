//go:build !windows

package wrap

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// windowsLikeProbe is a fakeProbe that also watches notices the way the
// Windows probe does (a console handler, the sentinel's window) and
// explains its boot identity with witnesses.
type windowsLikeProbe struct {
	*fakeProbe
	handles   chan func(detect.Notice)
	witnesses detect.BootWitnesses
}

func (p *windowsLikeProbe) WatchNotices(ctx context.Context, handle func(detect.Notice), log *slog.Logger) (func(), error) {
	p.handles <- handle
	return func() {}, nil
}

func (p *windowsLikeProbe) BootWitnesses(context.Context) (detect.BootWitnesses, error) {
	return p.witnesses, nil
}

func (p *windowsLikeProbe) BootID(ctx context.Context) (string, error) {
	return p.witnesses.Identity, nil
}

// TestWatcherNotices: a notice from the watcher is on disk when the
// watcher's handler returns — the handler answers Windows only then, and
// Windows may end upwrap right after. The upgrade is never signalled.
func TestWatcherNotices(t *testing.T) {
	// killedCode: a shell's report of its death by SIGTERM, which counts as
	// killed by a signal (signalCodes), as STATUS_CONTROL_C_EXIT does on
	// Windows.
	const killedCode = "143"
	var (
		query    = detect.Notice{Signal: "WM_QUERYENDSESSION"}
		end      = detect.Notice{Signal: "WM_ENDSESSION", Confirmed: true, Witness: "WM_ENDSESSION"}
		shutdown = detect.Notice{Signal: "CTRL_SHUTDOWN_EVENT", Confirmed: true, Witness: "CTRL_SHUTDOWN_EVENT"}
	)
	type step struct {
		State     marker.State
		Confirmed bool
		Source    string
	}
	tests := []struct {
		name         string
		expectReboot bool
		notices      []detect.Notice
		childCode    string
		after        []step // the record after each notice's handler returned
		final        got
	}{
		// The child ends as a console process does at shutdown
		// (STATUS_CONTROL_C_EXIT; 143 on this OS): killed by the shutdown.
		{"expect reboot: query, then end session", true, []detect.Notice{query, end}, killedCode,
			[]step{{marker.Rebooting, false, "signal:WM_QUERYENDSESSION"}, {marker.Rebooting, true, "signal:WM_ENDSESSION"}},
			got{Restarting, marker.Rebooting, "signal:WM_ENDSESSION", "", 1, 1}},
		{"expect reboot: console shutdown", true, []detect.Notice{shutdown}, killedCode,
			[]step{{marker.Rebooting, true, "signal:CTRL_SHUTDOWN_EVENT"}},
			got{Restarting, marker.Rebooting, "signal:CTRL_SHUTDOWN_EVENT", "", 1, 1}},
		// The child's own failure code after a confirmed shutdown: failed
		// with that code, never rebooting.
		{"expect reboot: console shutdown, then the child's own failure code", true, []detect.Notice{shutdown}, "1",
			[]step{{marker.Rebooting, true, "signal:CTRL_SHUTDOWN_EVENT"}},
			got{ChildFailed, marker.Failed, "exit-code", "exit-code", 1, 1}},
		{"no expect reboot: console shutdown is an interruption", false, []detect.Notice{shutdown}, killedCode,
			[]step{{marker.Failed, true, "signal:CTRL_SHUTDOWN_EVENT"}},
			got{Interrupted, marker.Failed, "signal:CTRL_SHUTDOWN_EVENT", "shutdown", 1, 1}},
		{"no expect reboot: console shutdown, then the child's own failure code", false, []detect.Notice{shutdown}, "1",
			[]step{{marker.Failed, true, "signal:CTRL_SHUTDOWN_EVENT"}},
			got{ChildFailed, marker.Failed, "exit-code", "exit-code", 1, 1}},
		{"no expect reboot: an unconfirmed query is no operator's stop", false, []detect.Notice{query}, "0",
			[]step{{marker.Running, false, ""}},
			got{Succeeded, marker.Succeeded, "exit-code", "", 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			started, release := filepath.Join(dir, "started"), filepath.Join(dir, "release")
			runsFile := filepath.Join(dir, "runs")
			// The child ignores SIGTERM: had upwrap forwarded anything, it
			// would still finish; a killed child would not reach exit.
			script := `trap '' TERM; echo x >>"$0"; touch "$1"; while [ ! -e "$2" ]; do sleep 0.01; done; exit ` + tt.childCode
			p := &windowsLikeProbe{fakeProbe: &fakeProbe{}, handles: make(chan func(detect.Notice), 1),
				witnesses: detect.BootWitnesses{Identity: "windows:t=1700000040,c=7,k=ab", VolatileKey: "created"}}
			opts := testOptions(t, "sh", "-c", script, runsFile, started, release)
			opts.ExpectReboot = tt.expectReboot
			type out struct {
				res *Result
				err error
			}
			done := make(chan out, 1)
			go func() {
				res, err := Run(context.Background(), opts, p)
				done <- out{res, err}
			}()
			handle := <-p.handles
			waitFor(t, started)
			st, err := marker.Open(opts.StateDir, false)
			if err != nil {
				t.Fatal(err)
			}
			var steps []step
			for _, n := range tt.notices {
				handle(n) // returns once recorded
				r, err := st.Read("job")
				if err != nil {
					t.Fatal(err)
				}
				src := r.Source
				if r.State == marker.Running {
					src = ""
				}
				steps = append(steps, step{r.State, r.ShutdownConfirmed, src})
			}
			if diff := cmp.Diff(tt.after, steps); diff != "" {
				t.Errorf("record after each notice (-want +got):\n%s", diff)
			}
			os.WriteFile(release, nil, 0o600)
			var o out
			select {
			case o = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("run did not end")
			}
			if o.err != nil {
				t.Fatal(o.err)
			}
			b, _ := os.ReadFile(runsFile)
			if diff := cmp.Diff(tt.final, summarize(o.res, len(b)/2)); diff != "" {
				t.Errorf("outcome mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBootWitnessesRecorded: the witnesses of the boot go into the record,
// and a disagreement with the record's boot is recorded next to them.
func TestBootWitnessesRecorded(t *testing.T) {
	argv, _ := counter(t, "0")
	p := &windowsLikeProbe{fakeProbe: &fakeProbe{}, handles: make(chan func(detect.Notice), 4)}
	c := uint64(7)
	p.witnesses = detect.BootWitnesses{Identity: "windows:t=1700000040,c=7,k=ab", BootTime: "2023-11-14T22:14:00Z", BootCounter: &c, VolatileKey: "created"}
	opts := testOptions(t, argv...)
	opts.ExpectReboot = true
	// A first run left the job running (upwrap was killed) ...
	st, err := marker.Open(opts.StateDir, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write("job", &marker.Record{Job: "job", State: marker.Running, Argv: argv, ArgvSHA256: marker.ArgvHash(argv),
		Attempts: 1, BootStart: "windows:t=1700000040,c=6,k=aa", ExpectReboot: true, Child: &marker.Child{PID: 1, StartTime: 1}}); err != nil {
		t.Fatal(err)
	}
	// ... and the machine restarted: counter and key changed, the boot time
	// (Fast Startup-like) did not.
	res, err := Run(context.Background(), opts, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Succeeded || res.Record.Source != "boot-change" {
		t.Fatalf("outcome %v, source %q; want succeeded by boot-change", res.Outcome, res.Record.Source)
	}
	var w detect.BootWitnesses
	if err := json.Unmarshal(res.Record.Extra["boot_witnesses"], &w); err != nil {
		t.Fatalf("boot_witnesses: %v (extra %v)", err, res.Record.Extra)
	}
	if w.Identity != p.witnesses.Identity || w.BootCounter == nil || *w.BootCounter != 7 || w.VolatileKey != "created" {
		t.Errorf("recorded witnesses %+v", w)
	}
	if want := "against the record's boot: boot time says same boot"; !strings.Contains(w.Disagreement, want) {
		t.Errorf("disagreement %q, want it to contain %q", w.Disagreement, want)
	}
	log, _ := os.ReadFile(filepath.Join(opts.StateDir, "job.log"))
	if !strings.Contains(string(log), "boot witnesses disagree") {
		t.Errorf("the disagreement was not logged:\n%s", log)
	}
}
