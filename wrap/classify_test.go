package wrap

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/marker"
)

// TestClassifyExit covers every rule of docs/design.md §4 and §12 for the
// end of a child, one row each; the Windows exit codes go through the same
// table as the POSIX ones.
func TestClassifyExit(t *testing.T) {
	posix := func(mod func(*exitFacts)) exitFacts {
		f := exitFacts{successCodes: []int64{0}, rebootCodes: []int64{3010}, restartCodes: []int64{1641},
			signalCodes: signalCodes("linux"), grace: 15 * time.Second, timeout: time.Hour}
		if mod != nil {
			mod(&f)
		}
		return f
	}
	windows := func(mod func(*exitFacts)) exitFacts {
		f := posix(mod)
		f.signalCodes = signalCodes("windows")
		return f
	}
	expect := func(f *exitFacts) { f.expectReboot = true }
	term := func(f *exitFacts) { f.sig = "SIGTERM" }
	code := func(c int64) func(*exitFacts) { return func(f *exitFacts) { f.code = c } }
	all := func(mods ...func(*exitFacts)) func(*exitFacts) {
		return func(f *exitFacts) {
			for _, m := range mods {
				m(f)
			}
		}
	}
	unconfirmed := func(f *exitFacts) { f.notice, f.noticeSignal = noticeUnconfirmed, "SIGTERM" }
	confirmed := func(f *exitFacts) {
		f.notice, f.noticeSignal, f.witness = noticeConfirmed, "SIGTERM", "systemd-state=stopping"
	}
	witness := func(f *exitFacts) { f.witness = "systemd-state=stopping" }
	graceOver := func(f *exitFacts) { f.graceOver = true }

	childFailed := func(reason string, confirmed bool) exitDecision {
		return exitDecision{act: exitRecord, outcome: ChildFailed, state: marker.Failed, source: sourceExitCode, failure: failExitCode,
			keepCode: true, confirmed: confirmed, reason: reason}
	}
	keepRestarting := exitDecision{act: exitKeepNotice, outcome: Restarting}
	waitGrace := exitDecision{act: exitWaitGrace}
	witnessRebooting := func(how string) exitDecision {
		return exitDecision{act: exitRecord, outcome: Restarting, state: marker.Rebooting, source: "witness:systemd-state=stopping",
			confirmed: true, unfinished: true,
			reason: "restarting: the child " + how + " while the system is going down (confirmed by systemd-state=stopping)"}
	}
	cancelledAfterGrace := exitDecision{act: exitRecord, outcome: Cancelled, state: marker.Failed, source: "signal:SIGTERM", failure: failCancelled,
		reason: "cancelled: the shutdown notice SIGTERM was not followed by a shutdown within 15s after the child ended (an operator's stop)"}
	killedBy := func(sig string) exitDecision {
		return exitDecision{act: exitRecord, outcome: Interrupted, state: marker.Failed, source: "signal:" + sig, failure: failInterrupted,
			reason: "child was killed by " + sig}
	}

	tests := []struct {
		name string
		f    exitFacts
		want exitDecision
	}{
		// Codes that say what happened, whatever was heard.
		{"timeout", posix(func(f *exitFacts) { f.timedOut = true; f.sig = "SIGKILL" }),
			exitDecision{act: exitRecord, outcome: TimedOut, state: marker.Failed, source: sourceTimeout, failure: failTimeout,
				reason: "timed out after 1h0m0s; the process tree was killed"}},
		{"timeout, the child exited: its code kept", posix(func(f *exitFacts) { f.timedOut = true; f.code = 1 }),
			exitDecision{act: exitRecord, outcome: TimedOut, state: marker.Failed, source: sourceTimeout, failure: failTimeout,
				reason: "timed out after 1h0m0s; the process tree was killed", keepCode: true}},
		{"success code", posix(nil), exitDecision{act: exitSucceeded, outcome: Succeeded}},
		{"success code after a confirmed notice", posix(all(expect, confirmed)), exitDecision{act: exitSucceeded, outcome: Succeeded}},
		{"reboot code", posix(code(3010)), exitDecision{act: exitRebootRequired, outcome: RebootRequired}},
		{"restart code", posix(code(1641)), exitDecision{act: exitRecord, outcome: Restarting, state: marker.Rebooting, source: sourceExitCode,
			keepCode: true, unfinished: true, reason: "succeeded; child exited with 1641: it started the restart"}},

		// The child's own word: its failure code, never a restart.
		{"own code, nothing heard", posix(code(3)), childFailed("child exited with 3", false)},
		{"own code, expect reboot, confirmed notice", posix(all(code(3), expect, confirmed)),
			childFailed("child exited with 3 during a shutdown (confirmed by systemd-state=stopping)", true)},
		{"own code, expect reboot, witness in the window", posix(all(code(100), expect, witness)),
			childFailed("child exited with 100 during a shutdown (confirmed by systemd-state=stopping)", true)},
		{"own code, expect reboot, unconfirmed notice", posix(all(code(100), expect, unconfirmed)),
			childFailed("child exited with 100 after a shutdown notice SIGTERM (not confirmed by the system)", false)},
		{"own code, expect reboot, nothing heard: no grace", posix(all(code(100), expect)), childFailed("child exited with 100", false)},
		{"own code, no expect reboot, confirmed shutdown keeps the code", posix(all(code(3), confirmed)),
			childFailed("child exited with 3 during a shutdown (confirmed by systemd-state=stopping)", true)},
		{"windows: an ordinary failure code is the child's own", windows(all(code(3221225786-1), expect, confirmed)),
			childFailed("child exited with 3221225785 during a shutdown (confirmed by systemd-state=stopping)", true)},
		{"windows: 143 is no signal code there", windows(all(code(143), expect, confirmed)),
			childFailed("child exited with 143 during a shutdown (confirmed by systemd-state=stopping)", true)},

		// Killed after a confirmed notice.
		{"killed, expect reboot, confirmed notice: rebooting stands", posix(all(term, expect, confirmed)), keepRestarting},
		{"143, expect reboot, confirmed notice: killed too", posix(all(code(143), expect, confirmed)), keepRestarting},
		{"129 (SIGHUP) and a confirmed notice", posix(all(code(129), expect, confirmed)), keepRestarting},
		{"137 (SIGKILL) and a confirmed notice", posix(all(code(137), expect, confirmed)), keepRestarting},
		{"windows: STATUS_CONTROL_C_EXIT, confirmed notice", windows(all(code(0xC000013A), expect, confirmed)), keepRestarting},
		{"windows: DBG_TERMINATE_PROCESS, confirmed notice", windows(all(code(0x40010004), expect, confirmed)), keepRestarting},
		{"killed, no expect reboot, confirmed notice: interrupted stands", posix(all(term, confirmed)),
			exitDecision{act: exitKeepNotice, outcome: Interrupted}},

		// The window: killed, nothing confirmed yet.
		{"killed, expect reboot, nothing heard: wait the grace", posix(all(term, expect)), waitGrace},
		{"windows: STATUS_CONTROL_C_EXIT, nothing heard: wait the grace", windows(all(code(0xC000013A), expect)), waitGrace},
		{"killed, expect reboot, unconfirmed notice: wait the grace", posix(all(term, expect, unconfirmed)), waitGrace},
		{"killed, expect reboot, witness: rebooting, confirmed", posix(all(term, expect, witness)), witnessRebooting("was killed by SIGTERM")},
		{"143, expect reboot, witness: rebooting", posix(all(code(143), expect, witness)), witnessRebooting("exited with 143")},
		{"windows: STATUS_CONTROL_C_EXIT, witness: rebooting", windows(all(code(0xC000013A), expect, witness)), witnessRebooting("exited with 3221225786")},
		{"killed, expect reboot, unconfirmed notice, then a witness in the grace", posix(all(term, expect, unconfirmed, witness, graceOver)),
			witnessRebooting("was killed by SIGTERM")},
		{"killed, no expect reboot, witness: interrupted by shutdown", posix(all(term, witness)),
			exitDecision{act: exitRecord, outcome: Interrupted, state: marker.Failed, source: "witness:systemd-state=stopping", failure: failShutdown,
				confirmed: true, reason: "interrupted by shutdown (systemd-state=stopping); may run again after the restart"}},

		// The grace is over, the machine still up.
		{"killed, unconfirmed notice, grace over: the operator's stop, cancelled", posix(all(term, expect, unconfirmed, graceOver)), cancelledAfterGrace},
		{"143, unconfirmed notice, grace over: cancelled", posix(all(code(143), expect, unconfirmed, graceOver)), cancelledAfterGrace},
		{"killed, nothing heard, grace over: as before the window", posix(all(term, expect, graceOver)), killedBy("SIGTERM")},
		{"143, nothing heard, grace over: the child's code", posix(all(code(143), expect, graceOver)), childFailed("child exited with 143", false)},
		{"windows: STATUS_CONTROL_C_EXIT, nothing heard, grace over: the code kept", windows(all(code(0xC000013A), expect, graceOver)),
			childFailed("child exited with 3221225786", false)},

		// Without --expect-reboot there is no grace.
		{"killed, no expect reboot, nothing heard", posix(term), killedBy("SIGTERM")},
		{"killed by SIGKILL, no expect reboot", posix(func(f *exitFacts) { f.sig = "SIGKILL" }), killedBy("SIGKILL")},
		{"killed, no expect reboot, unconfirmed window notice: not a cancel", posix(all(term, unconfirmed)), killedBy("SIGTERM")},

		// The operator's stops.
		{"operator's SIGTERM forwarded, no expect reboot", posix(all(term, func(f *exitFacts) { f.cancelled = "signal:SIGTERM" })),
			exitDecision{act: exitRecord, outcome: Cancelled, state: marker.Failed, source: "signal:SIGTERM", failure: failCancelled,
				reason: "cancelled by the operator (SIGTERM)"}},
		{"Ctrl-C forwarded, the child exited 1: code kept", posix(all(code(1), expect, func(f *exitFacts) { f.cancelled = "signal:SIGINT" })),
			exitDecision{act: exitRecord, outcome: Cancelled, state: marker.Failed, source: "signal:SIGINT", failure: failCancelled,
				reason: "cancelled by the operator (SIGINT)", keepCode: true}},
		{"child killed by SIGINT (a terminal's Ctrl-C)", posix(func(f *exitFacts) { f.sig = "SIGINT" }),
			exitDecision{act: exitRecord, outcome: Cancelled, state: marker.Failed, source: "signal:SIGINT", failure: failCancelled,
				reason: "cancelled by the operator (SIGINT)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classifyExit(tt.f)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(exitDecision{})); diff != "" {
				t.Errorf("classifyExit mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAbnormal: which ends open the shutdown window.
func TestAbnormal(t *testing.T) {
	base := exitFacts{successCodes: []int64{0}, rebootCodes: []int64{3010}, restartCodes: []int64{1641}, signalCodes: signalCodes("linux")}
	for _, tt := range []struct {
		code int64
		sig  string
		want bool
	}{{0, "", false}, {3010, "", false}, {1641, "", false}, {1, "", true}, {143, "", true}, {0, "SIGTERM", true}, {-1, "SIGKILL", true}} {
		f := base
		f.code, f.sig = tt.code, tt.sig
		if got := f.abnormal(); got != tt.want {
			t.Errorf("abnormal(code %d, signal %q) = %v, want %v", tt.code, tt.sig, got, tt.want)
		}
	}
}
