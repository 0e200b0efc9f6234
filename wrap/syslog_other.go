//go:build !windows

package wrap

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// openPlatformSystemLog: upwrap's events stay in the job log here; on Linux
// under systemd its stderr is the journal (see internal/journal). One event
// goes to syslog all the same: an outcome that cannot be recorded
// (EventRecordFailed), which an administrator must hear of even when
// upwrap's stderr went to an agent that dropped it (docs/design.md §6).
func openPlatformSystemLog() systemLog { return &recordFailureSyslog{} }

// syslogSocket is the system's syslog socket (journald serves /dev/log
// too). Tests replace it.
var syslogSocket = map[bool]string{true: "/var/run/syslog", false: "/dev/log"}[runtime.GOOS == "darwin"]

// syslogDaemon is the facility daemon (RFC 3164), shifted to be or-ed with
// an event's priority.
const syslogDaemon = 3 << 3

// recordFailureSyslog sends EventRecordFailed to syslog, one datagram in
// the local format ("<PRI>upwrap[PID]: message"); every other event, and a
// syslog that cannot be reached, is skipped. (log/syslog would bring the
// net package, and with it cgo.)
type recordFailureSyslog struct{}

// Report implements systemLog.
func (recordFailureSyslog) Report(ev SystemEvent) {
	if ev.ID != EventRecordFailed {
		return
	}
	pri := syslogDaemon | int(ev.Priority)
	msg := strings.ReplaceAll(strings.ReplaceAll(ev.Message, "\r\n\r\n", "; "), "\r\n", "; ")
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	unix.Sendto(fd, []byte(fmt.Sprintf("<%d>upwrap[%d]: %s", pri, os.Getpid(), msg)), 0, &unix.SockaddrUnix{Name: syslogSocket})
}

// Close implements systemLog.
func (recordFailureSyslog) Close() {}
