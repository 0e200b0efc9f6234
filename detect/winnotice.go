package detect

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The decisions about Windows shutdown notices, kept free of Windows calls
// so that they are tested on every OS. The _windows files only register the
// handler, run the window and move bytes.

// Console control events (wincon.h).
const (
	ctrlCEvent        = 0
	ctrlBreakEvent    = 1
	ctrlCloseEvent    = 2
	ctrlLogoffEvent   = 5
	ctrlShutdownEvent = 6
)

// Window messages and WM_ENDSESSION / WM_QUERYENDSESSION lParam flags
// (winuser.h).
const (
	wmQueryEndSession = 0x0011
	wmEndSession      = 0x0016
	endSessionClose   = 0x00000001 // ENDSESSION_CLOSEAPP: Restart Manager closes the app
	endSessionLogoff  = 0x80000000 // ENDSESSION_LOGOFF
)

// noticeBudget bounds how long a handler waits for the record to be written
// before it answers the OS anyway. Windows ends a console process 5 s after
// CTRL_SHUTDOWN_EVENT (20 s in a service process) and counts an application
// that does not answer WM_QUERYENDSESSION within 5 s as hung.
const noticeBudget = 4 * time.Second

// NoticeBudget is how long a shutdown notice's handler may take to record
// it before the OS is answered anyway (see noticeBudget): a record write
// made for a notice must not retry past it.
const NoticeBudget = noticeBudget

// ctrlAction is what the console control handler does with an event.
type ctrlAction int

const (
	// ctrlPass returns FALSE: the next handler (Go's runtime) turns the
	// event into os.Interrupt (Ctrl-C, Ctrl-Break) or SIGTERM (the console
	// window closed), which package wrap treats as an operator's action.
	ctrlPass ctrlAction = iota
	// ctrlIgnore returns TRUE without telling anyone: CTRL_LOGOFF_EVENT,
	// which a process in a service context receives whenever any user logs
	// off. Passed on, Go would make it a SIGTERM.
	ctrlIgnore
	// ctrlNotice hands a confirmed notice to the handler, waits until it is
	// recorded, then returns TRUE.
	ctrlNotice
)

// classifyCtrl decides what a console control event means.
func classifyCtrl(ctrlType uint32) (ctrlAction, Notice) {
	switch ctrlType {
	case ctrlShutdownEvent:
		return ctrlNotice, Notice{Signal: "CTRL_SHUTDOWN_EVENT", Confirmed: true, Witness: "CTRL_SHUTDOWN_EVENT"}
	case ctrlLogoffEvent:
		return ctrlIgnore, Notice{Signal: "CTRL_LOGOFF_EVENT"}
	}
	return ctrlPass, Notice{}
}

// newCtrlHandler returns the HandlerRoutine body: it records a shutdown
// before it returns, because Windows may end the process as soon as it
// does. logf reports events that are ignored.
func newCtrlHandler(handle func(Notice), logf func(msg string, args ...any)) func(ctrlType uint32) uintptr {
	return func(ctrlType uint32) uintptr {
		act, n := classifyCtrl(ctrlType)
		switch act {
		case ctrlIgnore:
			logf("console event ignored: a user logged off; not a shutdown", "event", n.Signal)
			return 1
		case ctrlNotice:
			callBounded(handle, n, noticeBudget)
			return 1
		}
		return 0
	}
}

// callBounded calls handle(n) and waits for it at most budget.
func callBounded(handle func(Notice), n Notice, budget time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		handle(n)
	}()
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// The sentinel process (hidden subcommand "__sentinel") owns the window and
// the user32 calls, and reports to upwrap over its stdout, one line each:
//
//	ready <pid> <session>
//	msg <seq> QUERYENDSESSION|ENDSESSION <wParam> <lParam>
//	metric <seq> SM_SHUTTINGDOWN <value>
//	answer <seq> SM_SHUTTINGDOWN <value>
//
// upwrap answers "ack <seq>" on the sentinel's stdin once the notice is
// recorded; the sentinel answers Windows only then. upwrap may also ask
// "query <seq>" at any time: the sentinel answers with a fresh reading of
// SM_SHUTTINGDOWN ("answer", never acknowledged), a witness for upwrap's
// shutdown window. When upwrap's end of the pipe closes, the sentinel exits.

// sentinelReport is one parsed line of the sentinel.
type sentinelReport struct {
	kind    string // "ready", "msg", "metric", "answer"
	seq     uint64
	name    string
	wParam  uint64
	lParam  uint64
	pid     int
	session uint32
}

// parseSentinelLine reads one line of the sentinel protocol.
func parseSentinelLine(line string) (sentinelReport, error) {
	f := strings.Fields(line)
	bad := fmt.Errorf("sentinel: malformed line %q", line)
	if len(f) == 0 {
		return sentinelReport{}, bad
	}
	var r sentinelReport
	r.kind = f[0]
	var err error
	switch {
	case r.kind == "ready" && len(f) == 3:
		if r.pid, err = strconv.Atoi(f[1]); err != nil {
			return r, bad
		}
		s, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			return r, bad
		}
		r.session = uint32(s)
	case r.kind == "msg" && len(f) == 5:
		r.name = f[2]
		if r.name != "QUERYENDSESSION" && r.name != "ENDSESSION" {
			return r, bad
		}
		if r.wParam, err = strconv.ParseUint(f[3], 0, 64); err != nil {
			return r, bad
		}
		if r.lParam, err = strconv.ParseUint(f[4], 0, 64); err != nil {
			return r, bad
		}
	case (r.kind == "metric" || r.kind == "answer") && len(f) == 4 && f[2] == "SM_SHUTTINGDOWN":
		r.name = f[2]
		if r.wParam, err = strconv.ParseUint(f[3], 0, 64); err != nil {
			return r, bad
		}
	default:
		return r, bad
	}
	if r.kind != "ready" {
		if r.seq, err = strconv.ParseUint(f[1], 10, 64); err != nil {
			return r, bad
		}
	}
	return r, nil
}

// classifyShuttingDown decides what a nonzero GetSystemMetrics
// (SM_SHUTTINGDOWN) means. Microsoft documents it as "Nonzero if the current
// session is shutting down"
// (https://learn.microsoft.com/en-us/windows/win32/api/winuser/nf-winuser-getsystemmetrics):
// a session, not the system. That session 0 only ends with the machine is
// true of every Windows since Vista but written nowhere, so it is never a
// confirmation: in session 0 it is an unconfirmed notice (with
// --expect-reboot it records rebooting; the boot identity decides later);
// in a user's session it is not even that (the user may be logging off).
func classifyShuttingDown(value uint64, session uint32) (n Notice, ok bool, why string) {
	if value == 0 {
		return Notice{}, false, "SM_SHUTTINGDOWN is 0"
	}
	if session == 0 {
		return Notice{Signal: "SM_SHUTTINGDOWN", Detail: "session 0 is ending; Microsoft documents SM_SHUTTINGDOWN for the session, not the system"}, true, ""
	}
	return Notice{Signal: "SM_SHUTTINGDOWN"}, false, fmt.Sprintf("session %d is ending (a log-off or a shutdown)", session)
}

// classifySentinel decides what a sentinel report means. ok is false for a
// report that is not a shutdown notice (a log-off, Restart Manager closing
// applications, a shutdown that was cancelled); why then says what it was.
// session is the sentinel's session (see classifyShuttingDown).
func classifySentinel(r sentinelReport, session uint32) (n Notice, ok bool, why string) {
	switch r.kind {
	case "msg":
		sig := "WM_" + r.name
		switch {
		case r.lParam&endSessionLogoff != 0:
			return Notice{Signal: sig}, false, "a user is logging off; not a shutdown"
		case r.lParam&endSessionClose != 0:
			return Notice{Signal: sig}, false, "Restart Manager is closing applications; not a shutdown"
		case r.name == "QUERYENDSESSION":
			// A query: another application may still veto it.
			return Notice{Signal: sig}, true, ""
		case r.wParam == 0:
			return Notice{Signal: sig}, false, "the shutdown was cancelled"
		}
		return Notice{Signal: sig, Confirmed: true, Witness: "WM_ENDSESSION"}, true, ""
	case "metric", "answer":
		return classifyShuttingDown(r.wParam, session)
	}
	return Notice{}, false, "not a notice"
}
