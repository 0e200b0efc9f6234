package detect

import (
	"bufio"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCtrlHandler: CTRL_SHUTDOWN_EVENT is recorded before the handler
// returns (Windows may end the process right after), CTRL_LOGOFF_EVENT is
// swallowed so that Go's runtime does not make it a SIGTERM, and the rest
// go on to Go's handler.
func TestCtrlHandler(t *testing.T) {
	tests := []struct {
		ctrl     uint32
		ret      uintptr
		recorded []Notice
	}{
		{ctrlShutdownEvent, 1, []Notice{{Signal: "CTRL_SHUTDOWN_EVENT", Confirmed: true, Witness: "CTRL_SHUTDOWN_EVENT"}}},
		{ctrlLogoffEvent, 1, nil},
		{ctrlCEvent, 0, nil},
		{ctrlBreakEvent, 0, nil},
		{ctrlCloseEvent, 0, nil},
		{99, 0, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.ctrl), func(t *testing.T) {
			var mu sync.Mutex
			var recorded []Notice
			handle := func(n Notice) {
				time.Sleep(20 * time.Millisecond) // a durable write takes a while
				mu.Lock()
				recorded = append(recorded, n)
				mu.Unlock()
			}
			var logged []string
			h := newCtrlHandler(handle, func(msg string, args ...any) { logged = append(logged, msg) })
			ret := h(tt.ctrl)
			mu.Lock()
			got := recorded
			mu.Unlock()
			if ret != tt.ret {
				t.Errorf("handler returned %d, want %d", ret, tt.ret)
			}
			if diff := cmp.Diff(tt.recorded, got); diff != "" {
				t.Errorf("recorded before return mismatch (-want +got):\n%s", diff)
			}
			if tt.ctrl == ctrlLogoffEvent && len(logged) != 1 {
				t.Errorf("log-off not logged: %q", logged)
			}
		})
	}
}

// TestCtrlHandlerBounded: a record write that hangs does not keep the
// handler from answering Windows within its budget.
func TestCtrlHandlerBounded(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	start := time.Now()
	callBounded(func(Notice) { <-block }, Notice{}, 50*time.Millisecond)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("callBounded waited %v", d)
	}
}

func TestParseSentinelLine(t *testing.T) {
	good := map[string]sentinelReport{
		"ready 1234 0":                    {kind: "ready", pid: 1234, session: 0},
		"msg 3 QUERYENDSESSION 0x0 0x0":   {kind: "msg", seq: 3, name: "QUERYENDSESSION"},
		"msg 4 ENDSESSION 0x1 0x80000000": {kind: "msg", seq: 4, name: "ENDSESSION", wParam: 1, lParam: 0x80000000},
		"metric 5 SM_SHUTTINGDOWN 0x1":    {kind: "metric", seq: 5, name: "SM_SHUTTINGDOWN", wParam: 1},
		"answer 6 SM_SHUTTINGDOWN 0x0":    {kind: "answer", seq: 6, name: "SM_SHUTTINGDOWN"},
	}
	for line, want := range good {
		got, err := parseSentinelLine(line)
		if err != nil {
			t.Errorf("parseSentinelLine(%q): %v", line, err)
			continue
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(sentinelReport{})); diff != "" {
			t.Errorf("parseSentinelLine(%q) mismatch (-want +got):\n%s", line, diff)
		}
	}
	for _, line := range []string{"", "ready", "ready x 1", "msg 1 PAINT 0 0", "msg x ENDSESSION 0 0", "metric 1 SM_OTHER 1", "ack 1", "msg 1 ENDSESSION 0"} {
		if _, err := parseSentinelLine(line); err == nil {
			t.Errorf("parseSentinelLine(%q) accepted it", line)
		}
	}
}

// TestClassifySentinel: which window messages and metrics are shutdown
// notices, and which of those are confirmed.
func TestClassifySentinel(t *testing.T) {
	type want struct {
		N  Notice
		OK bool
	}
	tests := []struct {
		name    string
		rep     sentinelReport
		session uint32
		want    want
	}{
		{"query: shutdown may still be vetoed", sentinelReport{kind: "msg", name: "QUERYENDSESSION"}, 0, want{Notice{Signal: "WM_QUERYENDSESSION"}, true}},
		{"end session: confirmed", sentinelReport{kind: "msg", name: "ENDSESSION", wParam: 1}, 0, want{Notice{Signal: "WM_ENDSESSION", Confirmed: true, Witness: "WM_ENDSESSION"}, true}},
		{"end session in a user's session: confirmed too", sentinelReport{kind: "msg", name: "ENDSESSION", wParam: 1}, 2, want{Notice{Signal: "WM_ENDSESSION", Confirmed: true, Witness: "WM_ENDSESSION"}, true}},
		{"end session cancelled", sentinelReport{kind: "msg", name: "ENDSESSION", wParam: 0}, 0, want{Notice{Signal: "WM_ENDSESSION"}, false}},
		{"log-off query ignored", sentinelReport{kind: "msg", name: "QUERYENDSESSION", lParam: endSessionLogoff}, 1, want{Notice{Signal: "WM_QUERYENDSESSION"}, false}},
		{"log-off end ignored", sentinelReport{kind: "msg", name: "ENDSESSION", wParam: 1, lParam: endSessionLogoff}, 1, want{Notice{Signal: "WM_ENDSESSION"}, false}},
		{"Restart Manager closing apps ignored", sentinelReport{kind: "msg", name: "QUERYENDSESSION", lParam: endSessionClose}, 0, want{Notice{Signal: "WM_QUERYENDSESSION"}, false}},
		{"SM_SHUTTINGDOWN in session 0: a notice, never a confirmation (documented for the session only)", sentinelReport{kind: "metric", name: "SM_SHUTTINGDOWN", wParam: 1}, 0, want{Notice{Signal: "SM_SHUTTINGDOWN", Detail: "session 0 is ending; Microsoft documents SM_SHUTTINGDOWN for the session, not the system"}, true}},
		{"a fresh reading asked for, session 0", sentinelReport{kind: "answer", name: "SM_SHUTTINGDOWN", wParam: 1}, 0, want{Notice{Signal: "SM_SHUTTINGDOWN", Detail: "session 0 is ending; Microsoft documents SM_SHUTTINGDOWN for the session, not the system"}, true}},
		{"a fresh reading asked for: 0", sentinelReport{kind: "answer", name: "SM_SHUTTINGDOWN"}, 0, want{Notice{}, false}},
		{"SM_SHUTTINGDOWN in a user's session: could be a log-off", sentinelReport{kind: "metric", name: "SM_SHUTTINGDOWN", wParam: 1}, 1, want{Notice{Signal: "SM_SHUTTINGDOWN"}, false}},
		{"SM_SHUTTINGDOWN 0", sentinelReport{kind: "metric", name: "SM_SHUTTINGDOWN"}, 0, want{Notice{}, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok, why := classifySentinel(tt.rep, tt.session)
			if diff := cmp.Diff(tt.want, want{n, ok}); diff != "" {
				t.Errorf("classifySentinel mismatch (-want +got):\n%s", diff)
			}
			if !ok && why == "" {
				t.Errorf("an ignored report must say why")
			}
		})
	}
}

// TestSentinelLink runs both ends of the sentinel pipe: the sentinel's
// report returns only after upwrap's handler has recorded the notice; a
// log-off is acknowledged without a record; the sentinel learns that
// upwrap is gone when the pipe closes.
func TestSentinelLink(t *testing.T) {
	toParentR, toParentW := io.Pipe()
	toSentinelR, toSentinelW := io.Pipe()
	link := newSentinelLink(toParentW)
	acksDone := make(chan struct{})
	go func() {
		link.readControl(toSentinelR, func() uint64 { return 0x1 })
		close(acksDone)
	}()

	var mu sync.Mutex
	var recorded []string
	handle := func(n Notice) {
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		recorded = append(recorded, n.Signal)
		mu.Unlock()
	}
	readyCh := make(chan string, 1)
	served := make(chan struct{})
	conn := newSentinelConn(toSentinelW)
	if _, _, ok := conn.ask(time.Second); ok {
		t.Error("a query answered before the sentinel was ready")
	}
	go func() {
		serveSentinel(toParentR, conn, handle, func(pid int, session uint32) {
			readyCh <- fmt.Sprint(pid, " ", session)
		}, func(string, ...any) {})
		close(served)
	}()

	if err := link.ready(77, 0); err != nil {
		t.Fatal(err)
	}
	if got := <-readyCh; got != "77 0" {
		t.Errorf("ready reported %q", got)
	}
	if !link.report("msg", "ENDSESSION", []uint64{1, 0}, 5*time.Second) {
		t.Fatal("ENDSESSION not acknowledged")
	}
	mu.Lock()
	got := append([]string(nil), recorded...)
	mu.Unlock()
	if diff := cmp.Diff([]string{"WM_ENDSESSION"}, got); diff != "" {
		t.Errorf("recorded before the acknowledgement (-want +got):\n%s", diff)
	}
	if !link.report("msg", "QUERYENDSESSION", []uint64{0, endSessionLogoff}, 5*time.Second) {
		t.Fatal("log-off not acknowledged")
	}
	mu.Lock()
	if len(recorded) != 1 {
		t.Errorf("a log-off was recorded: %q", recorded)
	}
	mu.Unlock()

	// The shutdown window asks for a fresh reading.
	v, session, ok := conn.ask(5 * time.Second)
	if !ok || v != 1 || session != 0 {
		t.Errorf("ask = %#x in session %d, %v; want 0x1 in session 0", v, session, ok)
	}

	// upwrap goes away: its end of the pipe closes.
	toSentinelW.Close()
	select {
	case <-acksDone:
	case <-time.After(5 * time.Second):
		t.Fatal("the sentinel did not notice that upwrap is gone")
	}
	toParentW.Close()
	<-served
}

// TestSentinelReportUnanswered: if upwrap never answers, the sentinel still
// answers Windows after its budget.
func TestSentinelReportUnanswered(t *testing.T) {
	r, w := io.Pipe()
	go bufio.NewReader(r).ReadString('\n')
	link := newSentinelLink(w)
	if link.report("msg", "ENDSESSION", []uint64{1, 0}, 30*time.Millisecond) {
		t.Error("report claims an acknowledgement that never came")
	}
}
