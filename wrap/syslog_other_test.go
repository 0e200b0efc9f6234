//go:build !windows

package wrap

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRecordFailureReachesSyslog: an outcome that could not be recorded is
// sent to syslog (as an error), and no other event is.
func TestRecordFailureReachesSyslog(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("cannot listen on a unix datagram socket: %v", err)
	}
	defer conn.Close()
	old := syslogSocket
	syslogSocket = sock
	defer func() { syslogSocket = old }()

	sys := openPlatformSystemLog()
	ok, _ := systemEventOf("j", "b", evRecordedSucceeded, []any{"state", "succeeded", "reason", "child exited with 0"})
	sys.Report(ok)
	bad, found := systemEventOf("j", "b", evRecordFailed, []any{"state", "succeeded", "error", "no space left on device"})
	if !found {
		t.Fatal("the record failure is no system event")
	}
	sys.Report(bad)
	sys.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	got := string(buf[:n])
	// <27> = daemon (3) * 8 + err (3).
	for _, want := range []string{"<27>upwrap[", "upwrap: job j ended succeeded, but its record could not be written", "error: no space left on device"} {
		if !strings.Contains(got, want) {
			t.Errorf("syslog message %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "\r") || strings.Count(got, "\n") > 1 {
		t.Errorf("syslog message is not one line: %q", got)
	}
	conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := conn.Read(buf); err == nil {
		t.Errorf("a second message reached syslog: %q", buf[:n])
	}
}
