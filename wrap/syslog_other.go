//go:build !windows

package wrap

import (
	"log/slog"
	"log/syslog"
	"strings"
)

// openPlatformSystemLog: upwrap's events stay in the job log here; on Linux
// under systemd its stderr is the journal (see internal/journal). One event
// goes to syslog all the same: an outcome that cannot be recorded
// (EventRecordFailed), which an administrator must hear of even when
// upwrap's stderr went to an agent that dropped it (docs/design.md §6).
func openPlatformSystemLog() systemLog { return &recordFailureSyslog{} }

// syslogDial connects to the system's syslog socket (/dev/log, which
// journald serves too). Tests replace it.
var syslogDial = func() (*syslog.Writer, error) {
	return syslog.New(syslog.LOG_DAEMON|syslog.LOG_WARNING, "upwrap")
}

// recordFailureSyslog sends EventRecordFailed to syslog, connecting on the
// first one; every other event, and a syslog that cannot be reached, is
// skipped.
type recordFailureSyslog struct{ w *syslog.Writer }

// Report implements systemLog.
func (s *recordFailureSyslog) Report(ev SystemEvent) {
	if ev.ID != EventRecordFailed {
		return
	}
	if s.w == nil {
		w, err := syslogDial()
		if err != nil {
			return
		}
		s.w = w
	}
	msg := strings.ReplaceAll(strings.ReplaceAll(ev.Message, "\r\n\r\n", "; "), "\r\n", "; ")
	if ev.Level >= slog.LevelError {
		s.w.Err(msg)
	} else {
		s.w.Warning(msg)
	}
}

// Close implements systemLog.
func (s *recordFailureSyslog) Close() {
	if s.w != nil {
		s.w.Close()
		s.w = nil
	}
}
