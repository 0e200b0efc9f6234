package detect

import (
	"context"
	"os"
	"testing"
	"time"
)

// The test binary doubles as the sentinel: startSentinel runs
// os.Executable() with SentinelCommand, as upwrap.exe does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == SentinelCommand {
		if err := RunSentinel(os.Stdin, os.Stdout); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestWindowsSentinelAnswers: the watcher starts the sentinel (detached),
// which says it is ready and answers a fresh SM_SHUTTINGDOWN reading on
// request; AskShutdown turns a 0 into no notice. Stopping the watch ends
// the sentinel.
func TestWindowsSentinelAnswers(t *testing.T) {
	p := &windowsProbe{}
	stop, err := p.WatchNotices(context.Background(), func(Notice) {}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	p.mu.Lock()
	conn := p.sentinel
	p.mu.Unlock()
	var (
		v       uint64
		session uint32
		ok      bool
	)
	for deadline := time.Now().Add(20 * time.Second); !ok && time.Now().Before(deadline); {
		v, session, ok = conn.ask(time.Second)
		if !ok {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ok {
		t.Fatal("the sentinel never answered a query")
	}
	t.Logf("SM_SHUTTINGDOWN = %#x in session %d", v, session)
	if v != 0 {
		t.Errorf("SM_SHUTTINGDOWN = %#x while nothing shuts down", v)
	}
	if n, ok := p.AskShutdown(context.Background()); ok {
		t.Errorf("AskShutdown = %+v while nothing shuts down", n)
	}
	stop()
	if n, ok := p.AskShutdown(context.Background()); ok {
		t.Errorf("AskShutdown after stop = %+v", n)
	}
}
