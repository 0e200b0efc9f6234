package wrap

import (
	"log/slog"
	"testing"
)

// TestEventLogWrites opens the "upwrap" event source (registering it when
// allowed) and writes one event of each level. Under Wine the event log is
// a stub that accepts everything; on Windows the events appear in the
// Application log.
func TestEventLogWrites(t *testing.T) {
	l := openPlatformSystemLog()
	if l == nil {
		t.Skip("the event log cannot be opened here")
	}
	defer l.Close()
	for _, ev := range []SystemEvent{
		{ID: EventStarted, Level: slog.LevelInfo, Message: "upwrap: test event (information)"},
		{ID: EventShutdownNotice, Level: slog.LevelWarn, Message: "upwrap: test event (warning)"},
		{ID: EventFailed, Level: slog.LevelError, Message: "upwrap: test event (error)\x00with a NUL"},
	} {
		l.Report(ev)
	}
}
