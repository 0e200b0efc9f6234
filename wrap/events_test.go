package wrap

import (
	"log/slog"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/upwrap/upwrap/internal/journal"
	"github.com/upwrap/upwrap/marker"
)

// TestEventTableComplete: every event has a message, a level and a
// journald priority that agrees with it (a reboot is a notice, not
// information), so a new event cannot be left half-described.
func TestEventTableComplete(t *testing.T) {
	for e := event(1); e < evCount; e++ {
		s := e.spec()
		if s.msg == "" {
			t.Errorf("event %d has no message", e)
			continue
		}
		want := map[slog.Level][]journal.Priority{
			slog.LevelInfo:  {journal.Info, journal.Notice},
			slog.LevelWarn:  {journal.Warning},
			slog.LevelError: {journal.Err},
		}[s.level]
		ok := false
		for _, p := range want {
			ok = ok || s.prio == p
		}
		if !ok {
			t.Errorf("event %q: level %v with journald priority %d", s.msg, s.level, s.prio)
		}
	}
}

// TestRecordedEvents: each recorded state has the system-log id the README
// documents; running (and a state this version does not know) has none.
func TestRecordedEvents(t *testing.T) {
	got := map[marker.State]EventID{}
	for _, s := range []marker.State{marker.Running, marker.Succeeded, marker.RebootRequired, marker.Rebooting, marker.Failed, "from-the-future"} {
		e := recordedEvent(s)
		if e.spec().msg != "state recorded" {
			t.Errorf("recordedEvent(%s) = %q", s, e.spec().msg)
		}
		got[s] = e.spec().id
	}
	want := map[marker.State]EventID{
		marker.Running: 0, marker.Succeeded: EventSucceeded, marker.RebootRequired: EventRebootRequired,
		marker.Rebooting: EventRestarting, marker.Failed: EventFailed, "from-the-future": 0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recorded states' event ids (-want +got):\n%s", diff)
	}
}

// TestReadmeEventIDs checks the README's table of Windows event ids against
// eventTable: the same ids, each with the levels of its events ("Warning /
// Error" where two events share an id). The ids are public interface.
func TestReadmeEventIDs(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`^\| (1\d\d) \| ([A-Za-z /]+) \| .* \|$`)
	got := map[EventID]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			id, _ := strconv.Atoi(m[1])
			got[EventID(id)] = m[2]
		}
	}
	name := map[slog.Level]string{slog.LevelInfo: "Information", slog.LevelWarn: "Warning", slog.LevelError: "Error"}
	levels := map[EventID][]slog.Level{}
	for e := event(1); e < evCount; e++ {
		s := e.spec()
		if s.id == 0 {
			continue
		}
		if !slices.Contains(levels[s.id], s.level) {
			levels[s.id] = append(levels[s.id], s.level)
		}
	}
	want := map[EventID]string{}
	for id, ls := range levels {
		sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
		var names []string
		for _, l := range ls {
			names = append(names, name[l])
		}
		want[id] = strings.Join(names, " / ")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("README's event ids against the event table (-table +README):\n%s", diff)
	}
	// The documented ids never move.
	for id, e := range map[EventID]event{101: evChildStarted, 102: evRecordedSucceeded, 103: evRecordedRebootRequired,
		104: evRecordedRebooting, 105: evRecordedFailed, 106: evTerminationNotice, 107: evRecordFailed} {
		if e.spec().id != id {
			t.Errorf("%q has id %d, documented as %d", e.spec().msg, e.spec().id, id)
		}
	}
}
