package wrap

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/marker"
)

// TestAwaitMark covers --await-mark (docs/design.md §13) over the rows of
// the table that a restart finalizes, and the rows it leaves alone.
func TestAwaitMark(t *testing.T) {
	const boot = "boot-2"
	rec := func(st marker.State, await string, mod func(*marker.Record)) *marker.Record {
		r := &marker.Record{Job: "j", State: st, Attempts: 1, BootStart: "boot-1", ExpectReboot: true}
		if st != marker.Running {
			r.BootEnd = "boot-1"
		} else {
			// The command started (docs/design.md §5): not a record of
			// a child that never ran.
			r.Child = &marker.Child{PID: 4242, StartTime: 1}
		}
		if await != "" {
			r.Extra = map[string]json.RawMessage{awaitMarkKey: json.RawMessage(await)}
		}
		if mod != nil {
			mod(r)
		}
		return r
	}
	at := func(d time.Duration) facts {
		return facts{boot: boot, maxAttempts: 3, sinceBoot: d, sinceBootKnown: true}
	}
	busy := decision{act: actKeep, outcome: Busy}
	finalize := func(reason string) decision {
		return decision{act: actFinalize, source: "boot-change", reason: reason}
	}
	tests := []struct {
		name string
		rec  *marker.Record
		f    facts
		want decision
	}{
		{"rebooting, restart 1 min ago, await 1h: busy", rec(marker.Rebooting, "3600", nil), at(time.Minute), busy},
		{"reboot-required, restart 1 min ago, await 1h: busy", rec(marker.RebootRequired, "3600", nil), at(time.Minute), busy},
		{"running, restart 1 min ago, await 1h: busy", rec(marker.Running, "3600", nil), at(time.Minute), busy},
		{"rebooting, await over: finalize, the reason says no mark came", rec(marker.Rebooting, "3600", nil), at(time.Hour),
			finalize("completed after restart; no upwrap mark within 1h0m0s of the restart")},
		{"running, await over", rec(marker.Running, "60", nil), at(2 * time.Minute),
			finalize("restart observed while the job ran; no upwrap mark within 1m0s of the restart")},
		{"time since the restart unknown: finalize, never wait forever", rec(marker.Rebooting, "3600", nil), facts{boot: boot, maxAttempts: 3},
			finalize("completed after restart; no upwrap mark (the time since the restart is unknown, so the 1h0m0s wait cannot be kept)")},
		{"no await_mark: finalize at once", rec(marker.Rebooting, "", nil), at(time.Second), finalize("completed after restart")},
		{"a bad await_mark is ignored", rec(marker.Rebooting, `"2h"`, nil), at(time.Second), finalize("completed after restart")},
		{"marked succeeded: kept", rec(marker.Succeeded, "3600", func(r *marker.Record) { r.Source = sourceMark }), at(time.Second),
			decision{act: actKeep, outcome: Succeeded}},
		{"marked failed: may run again, as any failure", rec(marker.Failed, "3600", func(r *marker.Record) { r.Source = sourceMark }), at(time.Second),
			decision{act: actRun}},
		{"same boot: restart in progress, as without the flag", rec(marker.Rebooting, "3600", func(r *marker.Record) { r.BootEnd = boot; r.ShutdownConfirmed = true }), at(time.Second),
			decision{act: actKeep, outcome: Restarting}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decideJob(tt.rec, tt.f)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(decision{})); diff != "" {
				t.Errorf("decideJob mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWithAwaitMark: the record key is whole seconds, and a run without the
// flag drops the key an earlier run recorded.
func TestWithAwaitMark(t *testing.T) {
	e := withAwaitMark(nil, 90*time.Minute)
	if got := string(e[awaitMarkKey]); got != "5400" {
		t.Errorf("await_mark = %s, want 5400", got)
	}
	if _, ok := withAwaitMark(e, 0)[awaitMarkKey]; ok {
		t.Error("a run without --await-mark kept the key")
	}
	if string(e[awaitMarkKey]) != "5400" {
		t.Error("withAwaitMark changed the map it was given")
	}
}
