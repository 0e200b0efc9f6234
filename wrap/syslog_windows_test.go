package wrap

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/windows/registry"
)

// fakeEventWriter keeps the entries it is given as "type id text".
type fakeEventWriter struct{ got []string }

func (f *fakeEventWriter) add(typ string, eid uint32, msg string) error {
	f.got = append(f.got, fmt.Sprintf("%s %d %s", typ, eid, msg))
	return nil
}
func (f *fakeEventWriter) Info(eid uint32, msg string) error    { return f.add("info", eid, msg) }
func (f *fakeEventWriter) Warning(eid uint32, msg string) error { return f.add("warning", eid, msg) }
func (f *fakeEventWriter) Error(eid uint32, msg string) error   { return f.add("error", eid, msg) }
func (f *fakeEventWriter) Close() error                         { return nil }

// TestWindowsEventLogEntries: each event becomes an entry of its level's
// type under its stable id, its text without NULs (ReportEvent would cut
// it there) and cut to what ReportEvent takes.
func TestWindowsEventLogEntries(t *testing.T) {
	f := &fakeEventWriter{}
	l := &eventLog{l: f}
	long := strings.Repeat("x", maxEventText+10)
	for _, ev := range []SystemEvent{
		{ID: EventStarted, Level: slog.LevelInfo, Message: "started"},
		{ID: EventShutdownNotice, Level: slog.LevelWarn, Message: "notice"},
		{ID: EventFailed, Level: slog.LevelError, Message: "failed\x00with a NUL"},
		{ID: EventSucceeded, Level: slog.LevelInfo, Message: long},
	} {
		l.Report(ev)
	}
	want := []string{"info 101 started", "warning 106 notice", "error 105 failedwith a NUL", "info 102 " + long[:maxEventText] + "..."}
	if diff := cmp.Diff(want, f.got); diff != "" {
		t.Errorf("event log entries (-want +got):\n%s", diff)
	}
}

// TestWindowsEventLogWrites opens the real "upwrap" event source and writes
// one event of each level: opening registers the source (upwrap may write
// HKLM here, as under SYSTEM, an administrator, or Wine), and every write
// succeeds. Under Wine the event log accepts the entries without keeping
// them; on Windows they appear in the Application log.
func TestWindowsEventLogWrites(t *testing.T) {
	if k, err := registry.OpenKey(registry.LOCAL_MACHINE, eventSourceKey, registry.QUERY_VALUE); err == nil {
		k.Close()
	} else if k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Services\EventLog\Application`, registry.CREATE_SUB_KEY); err != nil {
		t.Skipf("the event source is not registered and this user may not register it: %v", err)
	} else {
		k.Close()
	}
	sys := openPlatformSystemLog()
	if sys == nil {
		t.Fatal("the event source cannot be opened")
	}
	defer sys.Close()
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, eventSourceKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatalf("the event source is not registered: %v", err)
	}
	defer k.Close()
	if v, _, err := k.GetStringValue("EventMessageFile"); err != nil || !strings.Contains(strings.ToLower(v), "eventcreate.exe") {
		t.Errorf("the event source's message file is %q (%v), want EventCreate.exe", v, err)
	}
	l := sys.(*eventLog)
	for _, ev := range []SystemEvent{
		{ID: EventStarted, Level: slog.LevelInfo, Message: "upwrap: test event (information)"},
		{ID: EventShutdownNotice, Level: slog.LevelWarn, Message: "upwrap: test event (warning)"},
		{ID: EventFailed, Level: slog.LevelError, Message: "upwrap: test event (error)\x00with a NUL"},
	} {
		if err := l.write(ev); err != nil {
			t.Errorf("writing event %d: %v", ev.ID, err)
		}
	}
}
