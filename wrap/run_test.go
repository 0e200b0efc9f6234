package wrap

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// fakeProbe is a machine whose boot, shutdown witness and pending sources
// the test sets.
type fakeProbe struct {
	mu        sync.Mutex
	boot      string
	confirmed bool
	pending   []detect.PendingSource
	// after, when set, is what PendingReboot answers from its second call
	// on: the sources as the child left them.
	after []detect.PendingSource
	calls int
	// onAsk, when set, is called (under the lock) after each time the
	// shutdown witnesses are asked (a notice without a signal).
	onAsk func(p *fakeProbe)
}

func (p *fakeProbe) BootID(context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.boot, nil
}

func (p *fakeProbe) ShutdownNotice(_ context.Context, sig os.Signal) detect.Notice {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := detect.Notice{Signal: detect.SignalName(sig), Confirmed: p.confirmed}
	if p.confirmed {
		n.Witness = "test-witness"
	}
	if sig == nil && p.onAsk != nil {
		p.onAsk(p)
	}
	return n
}

func (p *fakeProbe) PendingReboot(context.Context) []detect.PendingSource {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.calls > 1 && p.after != nil {
		return p.after
	}
	return p.pending
}

func (p *fakeProbe) set(f func(p *fakeProbe)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func testOptions(t *testing.T, argv ...string) Options {
	return Options{
		Job: "job", StateDir: filepath.Join(t.TempDir(), "state"), Argv: argv,
		SuccessCodes: []int64{0}, RebootCodes: []int64{3}, RestartCodes: []int64{4}, WaitTree: true,
	}
}

// counter is a child command that counts its runs in a file and exits with
// code.
func counter(t *testing.T, code string) (argv []string, runs func() int) {
	f := filepath.Join(t.TempDir(), "runs")
	argv = []string{"sh", "-c", `echo x >>"$0"; exit ` + code, f}
	return argv, func() int {
		b, _ := os.ReadFile(f)
		return strings.Count(string(b), "x")
	}
}

type got struct {
	Outcome  Outcome
	State    marker.State
	Source   string
	Failure  string
	Attempts int
	Runs     int
}

func summarize(res *Result, runs int) got {
	g := got{Outcome: res.Outcome, Runs: runs}
	if res.Record != nil {
		g.State, g.Source, g.Failure, g.Attempts = res.Record.State, res.Record.Source, res.Record.Failure, res.Record.Attempts
	}
	return g
}

func TestRunOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		code    string
		pending []detect.PendingSource
		after   []detect.PendingSource
		want    got
	}{
		{"success", "0", nil, nil, got{Succeeded, marker.Succeeded, "exit-code", "", 1, 1}},
		{"failure passes through", "7", nil, nil, got{ChildFailed, marker.Failed, "exit-code", "exit-code", 1, 1}},
		{"reboot code", "3", nil, nil, got{RebootRequired, marker.RebootRequired, "exit-code", "", 1, 1}},
		{"restart code", "4", nil, nil, got{Restarting, marker.Rebooting, "exit-code", "", 1, 1}},
		{"pending introduced by the run", "0", nil, []detect.PendingSource{{Name: "reboot-required", Pending: true, Checked: true}},
			got{RebootRequired, marker.RebootRequired, "pending:reboot-required", "", 1, 1}},
		{"pending before the run is not ours", "0", []detect.PendingSource{{Name: "reboot-required", Pending: true, Checked: true}},
			[]detect.PendingSource{{Name: "reboot-required", Pending: true, Checked: true}}, got{Succeeded, marker.Succeeded, "exit-code", "", 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			argv, runs := counter(t, tt.code)
			p := &fakeProbe{boot: "b1", pending: tt.pending, after: tt.after}
			res, err := Run(context.Background(), testOptions(t, argv...), p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summarize(res, runs())); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecondRunDoesNotStartTheChild(t *testing.T) {
	argv, runs := counter(t, "0")
	p := &fakeProbe{boot: "b1"}
	opts := testOptions(t, argv...)
	for i := 0; i < 3; i++ {
		res, err := Run(context.Background(), opts, p)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != Succeeded {
			t.Fatalf("run %d: outcome %v", i, res.Outcome)
		}
	}
	p.set(func(p *fakeProbe) { p.boot = "b2" })
	if res, _ := Run(context.Background(), opts, p); res.Outcome != Succeeded {
		t.Fatalf("after a restart: outcome %v", res.Outcome)
	}
	if n := runs(); n != 1 {
		t.Errorf("child ran %d times, want 1", n)
	}
}

func TestLoopBreaker(t *testing.T) {
	argv, runs := counter(t, "9")
	p := &fakeProbe{boot: "b1"}
	opts := testOptions(t, argv...)
	opts.MaxAttempts = 2
	var outcomes []Outcome
	for i := 0; i < 4; i++ {
		res, err := Run(context.Background(), opts, p)
		if err != nil {
			t.Fatal(err)
		}
		outcomes = append(outcomes, res.Outcome)
	}
	if diff := cmp.Diff([]Outcome{ChildFailed, ChildFailed, GaveUp, GaveUp}, outcomes); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}
	if n := runs(); n != 2 {
		t.Errorf("child ran %d times, want 2", n)
	}
}

func TestRebootRequiredCompletesAfterRestart(t *testing.T) {
	for _, tc := range []struct {
		name   string
		verify string
		want   got
	}{
		{"no verify", "", got{Succeeded, marker.Succeeded, "boot-change", "", 1, 1}},
		{"verify passes", "true", got{Succeeded, marker.Succeeded, "verify", "", 1, 1}},
		{"verify fails", "false", got{VerifyFailed, marker.Failed, "verify", "verify", 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			argv, runs := counter(t, "3")
			p := &fakeProbe{boot: "b1"}
			opts := testOptions(t, argv...)
			res, err := Run(context.Background(), opts, p)
			if err != nil || res.Outcome != RebootRequired {
				t.Fatalf("first run: %v, %v", res, err)
			}
			again, _ := Run(context.Background(), opts, p)
			if again.Outcome != RebootRequired {
				t.Errorf("same boot: outcome %v, want reboot required", again.Outcome)
			}
			p.set(func(p *fakeProbe) { p.boot = "b2" })
			// The verify command is recorded by the run that started the
			// child; here it is given to the run after the restart.
			opts.Verify = tc.verify
			st, err := Status(context.Background(), Query{StateDir: opts.StateDir, Job: "job"}, p)
			if err != nil {
				t.Fatal(err)
			}
			res, err = Run(context.Background(), opts, p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summarize(res, runs())); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if tc.verify == "" && st[0].Outcome != Succeeded {
				t.Errorf("status before resume: %v, want succeeded", st[0].Outcome)
			}
		})
	}
}

// TestResumeStampsItsVersion: a record says which upwrap wrote it last.
func TestResumeStampsItsVersion(t *testing.T) {
	argv, _ := counter(t, "3")
	p := &fakeProbe{boot: "b1"}
	opts := testOptions(t, argv...)
	opts.Version = "1.0.0"
	if res, err := Run(context.Background(), opts, p); err != nil || res.Record.Version != "1.0.0" {
		t.Fatalf("run: %+v, %v", res, err)
	}
	p.set(func(p *fakeProbe) { p.boot = "b2" })
	res, err := Resume(context.Background(), Query{StateDir: opts.StateDir, Job: "job", Version: "1.1.0"}, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := res[0].Record; got.State != marker.Succeeded || got.Version != "1.1.0" {
		t.Errorf("after resume: state %q version %q, want succeeded by 1.1.0", got.State, got.Version)
	}
}
