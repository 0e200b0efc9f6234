package wrap

import (
	"log/slog"
	"strings"

	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc/eventlog"
)

// eventSource is upwrap's source in the Application event log.
const eventSource = "upwrap"

// eventSourceKey is where Windows keeps the source's registration.
const eventSourceKey = `SYSTEM\CurrentControlSet\Services\EventLog\Application\` + eventSource

// maxEventText bounds one event's text (ReportEvent takes at most 31,839
// characters per string).
const maxEventText = 31000

// eventWriter is the part of *eventlog.Log that eventLog uses: one call
// per event type. Tests replace it.
type eventWriter interface {
	Info(eid uint32, msg string) error
	Warning(eid uint32, msg string) error
	Error(eid uint32, msg string) error
	Close() error
}

// eventLog writes to the Windows Application event log.
type eventLog struct{ l eventWriter }

// openPlatformSystemLog opens the "upwrap" event source, registering it
// first (with EventCreate.exe as its message file, so that the Event Viewer
// shows the text) when it is not registered yet and upwrap may write
// HKLM — as it may under SYSTEM or an administrator. Unregistered, events
// are still written; the Event Viewer then prefixes them with a note that
// the description was not found. Nothing here ever fails a job.
func openPlatformSystemLog() systemLog {
	if k, err := registry.OpenKey(registry.LOCAL_MACHINE, eventSourceKey, registry.QUERY_VALUE); err == nil {
		k.Close()
	} else {
		eventlog.InstallAsEventCreate(eventSource, eventlog.Error|eventlog.Warning|eventlog.Info)
	}
	l, err := eventlog.Open(eventSource)
	if err != nil {
		return nil
	}
	return &eventLog{l: l}
}

// Report implements systemLog: an error is dropped (a job never fails
// for its event log).
func (e *eventLog) Report(ev SystemEvent) { e.write(ev) }

// write writes ev as an entry of its level's type, its text without NULs
// and cut to what ReportEvent takes.
func (e *eventLog) write(ev SystemEvent) error {
	msg := strings.ReplaceAll(ev.Message, "\x00", "")
	if len(msg) > maxEventText {
		msg = msg[:maxEventText] + "..."
	}
	switch {
	case ev.Level >= slog.LevelError:
		return e.l.Error(uint32(ev.ID), msg)
	case ev.Level >= slog.LevelWarn:
		return e.l.Warning(uint32(ev.ID), msg)
	}
	return e.l.Info(uint32(ev.ID), msg)
}

// Close implements systemLog.
func (e *eventLog) Close() { e.l.Close() }
