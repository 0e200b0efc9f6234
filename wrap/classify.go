package wrap

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/upwrap/upwrap/marker"
)

// Exit codes that mean "ended by a signal or a shutdown" rather than the
// child's own word (docs/design.md §12).
var (
	// posixSignalCodes: a shell or a JVM reports its own death by a signal
	// a shutdown sends as 128+N: SIGHUP (129), SIGKILL (137), SIGTERM (143).
	posixSignalCodes = []int64{129, 137, 143}
	// windowsSignalCodes: STATUS_CONTROL_C_EXIT (0xC000013A) is the code
	// of the default console control handler, which calls ExitProcess for
	// CTRL_C, CTRL_CLOSE, CTRL_LOGOFF and CTRL_SHUTDOWN events
	// (https://learn.microsoft.com/en-us/windows/console/handlerroutine,
	// https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-erref/596a1078-e883-4972-9bbc-49e60bebca55);
	// DBG_TERMINATE_PROCESS (0x40010004) is the code a process gets when
	// the system terminates it because it did not end in time at shutdown
	// (same NTSTATUS list: "Debugger terminated the process", used by the
	// session manager's end-task at shutdown).
	windowsSignalCodes = []int64{0xC000013A, 0x40010004}
)

// signalCodes returns the exit codes that count as "killed by a signal" on
// goos.
func signalCodes(goos string) []int64 {
	if goos == "windows" {
		return windowsSignalCodes
	}
	return posixSignalCodes
}

// noticeKind is what upwrap heard of a shutdown while the child ran or in
// the shutdown window.
type noticeKind int

const (
	// noticeNone: no notice.
	noticeNone noticeKind = iota
	// noticeUnconfirmed: a notice no witness confirmed (an operator's stop,
	// or a shutdown nothing could confirm, e.g. busybox).
	noticeUnconfirmed
	// noticeConfirmed: a notice a witness confirmed; its record is written.
	noticeConfirmed
)

// exitFacts are what the classification of a child's end looks at. They are
// plain values: every effect (asking witnesses, waiting, writing) is the
// caller's.
type exitFacts struct {
	// timedOut: --timeout expired and the tree was killed.
	timedOut bool
	// code is the child's exit code; sig names the signal that killed it
	// ("" when it exited).
	code int64
	sig  string
	// notice is the shutdown notice heard, and noticeSignal its name.
	notice       noticeKind
	noticeSignal string
	// witness names the shutdown witness that confirmed that the system is
	// going down: the notice's, or one asked in the window; "" when none
	// did.
	witness string
	// graceOver: the shutdown grace has passed and the machine is still up.
	graceOver bool
	// grace is the length of the shutdown grace (for the reason).
	grace time.Duration
	// cancelled is the source of an operator's stop that upwrap forwarded
	// to the tree ("signal:SIGINT"), or "".
	cancelled    string
	expectReboot bool
	// timeout is --timeout (for the reason).
	timeout time.Duration
	// The code sets of the run, and the codes that mean "killed by a
	// signal" on this OS.
	successCodes, rebootCodes, restartCodes, signalCodes []int64
}

// exitAction is what the classification tells the caller to do.
type exitAction int

const (
	// exitRecord: write a final record from the exitDecision.
	exitRecord exitAction = iota
	// exitSucceeded: a success code; the caller checks the reboot-pending
	// sources this run introduced (reboot-required) or records succeeded.
	exitSucceeded
	// exitRebootRequired: a reboot code; the caller records which pending
	// sources this run introduced.
	exitRebootRequired
	// exitKeepNotice: the record written at the notice stands; report
	// exitDecision.outcome.
	exitKeepNotice
	// exitWaitGrace: wait the shutdown grace for a notice (the record still
	// as it is), ask the witnesses again, then classify again with
	// graceOver.
	exitWaitGrace
)

// exitDecision is one row of the classification.
type exitDecision struct {
	act     exitAction
	outcome Outcome
	// For exitRecord: the record's state, source, reason and failure kind;
	// keepCode records the child's exit code (false when a signal killed
	// it); confirmed sets shutdown_confirmed; unfinished leaves finished_at
	// unset (rebooting: the job finishes after the restart).
	state                           marker.State
	source, reason, failure         string
	keepCode, confirmed, unfinished bool
}

// killed reports whether the child ended by a signal: killed by one, or
// reporting it with one of the signal codes.
func (f exitFacts) killed() bool {
	return f.sig != "" || slices.Contains(f.signalCodes, f.code)
}

// how names how the child ended, for reasons.
func (f exitFacts) how() string {
	if f.sig != "" {
		return "was killed by " + f.sig
	}
	return fmt.Sprintf("exited with %d", f.code)
}

// abnormal reports whether the child's end opens the shutdown window: killed
// by a signal, or a code that is not a success, reboot or restart code.
func (f exitFacts) abnormal() bool {
	if f.timedOut {
		return false
	}
	if f.killed() {
		return true
	}
	return !slices.Contains(f.successCodes, f.code) && !slices.Contains(f.rebootCodes, f.code) && !slices.Contains(f.restartCodes, f.code)
}

// classifyExit decides what a child's end means (docs/design.md §4 and §12).
// It is pure: the caller gathers the facts (draining queued notices, asking
// the witnesses, waiting the grace when told to) and does every effect.
func classifyExit(f exitFacts) exitDecision {
	killed := f.killed()
	exited := f.sig == ""
	switch {
	case f.timedOut:
		return exitDecision{act: exitRecord, outcome: TimedOut, state: marker.Failed, source: sourceTimeout, failure: failTimeout,
			reason: fmt.Sprintf("timed out after %s; the process tree was killed", f.timeout), keepCode: exited}
	case !killed && slices.Contains(f.successCodes, f.code):
		return exitDecision{act: exitSucceeded, outcome: Succeeded}
	case !killed && slices.Contains(f.rebootCodes, f.code):
		return exitDecision{act: exitRebootRequired, outcome: RebootRequired}
	case !killed && slices.Contains(f.restartCodes, f.code):
		return exitDecision{act: exitRecord, outcome: Restarting, state: marker.Rebooting, source: sourceExitCode, keepCode: true, unfinished: true,
			reason: fmt.Sprintf("succeeded; child exited with %d: it started the restart", f.code)}
	}

	shutdown := f.notice == noticeConfirmed || f.witness != ""
	// The child's own word: a failure code of its own is never discarded
	// and never turned into a restart, whatever the shutdown.
	if !killed && f.cancelled == "" {
		d := exitDecision{act: exitRecord, outcome: ChildFailed, state: marker.Failed, source: sourceExitCode, failure: failExitCode, keepCode: true,
			reason: fmt.Sprintf("child exited with %d", f.code)}
		switch {
		case shutdown:
			d.reason += " during a shutdown (confirmed by " + f.witness + ")"
			d.confirmed = true
		case f.notice == noticeUnconfirmed:
			d.reason += " after a shutdown notice " + f.noticeSignal + " (not confirmed by the system)"
		}
		return d
	}

	switch {
	case f.notice == noticeConfirmed && f.expectReboot:
		return exitDecision{act: exitKeepNotice, outcome: Restarting}
	case f.notice == noticeConfirmed:
		return exitDecision{act: exitKeepNotice, outcome: Interrupted}
	case f.cancelled != "" || f.sig == "SIGINT":
		src := f.cancelled
		if src == "" {
			src = "signal:SIGINT"
		}
		return exitDecision{act: exitRecord, outcome: Cancelled, state: marker.Failed, source: src, failure: failCancelled, keepCode: exited,
			reason: "cancelled by the operator (" + strings.TrimPrefix(src, "signal:") + ")"}
	case f.witness != "" && f.expectReboot:
		// The child died first, and the system says it is going down.
		return exitDecision{act: exitRecord, outcome: Restarting, state: marker.Rebooting, source: "witness:" + f.witness, confirmed: true, unfinished: true,
			reason: "restarting: the child " + f.how() + " while the system is going down (confirmed by " + f.witness + ")"}
	case f.witness != "":
		return exitDecision{act: exitRecord, outcome: Interrupted, state: marker.Failed, source: "witness:" + f.witness, failure: failShutdown, confirmed: true,
			reason: "interrupted by shutdown (" + f.witness + "); may run again after the restart"}
	case f.expectReboot && !f.graceOver:
		return exitDecision{act: exitWaitGrace}
	case f.notice == noticeUnconfirmed && f.expectReboot:
		// The operator's stop, settled by the upwrap that saw it: the
		// machine is still up after the grace. (Without --expect-reboot an
		// unconfirmed signal was forwarded as an operator's stop: cancelled
		// above.)
		return exitDecision{act: exitRecord, outcome: Cancelled, state: marker.Failed, source: "signal:" + f.noticeSignal, failure: failCancelled,
			reason: fmt.Sprintf("cancelled: the shutdown notice %s was not followed by a shutdown within %s after the child ended (an operator's stop)", f.noticeSignal, f.grace)}
	case f.sig != "":
		return exitDecision{act: exitRecord, outcome: Interrupted, state: marker.Failed, source: "signal:" + f.sig, failure: failInterrupted,
			reason: "child was killed by " + f.sig}
	}
	// A signal code (143) with no shutdown heard: the child's own code, as
	// for any failure.
	return exitDecision{act: exitRecord, outcome: ChildFailed, state: marker.Failed, source: sourceExitCode, failure: failExitCode, keepCode: true,
		reason: fmt.Sprintf("child exited with %d", f.code)}
}
