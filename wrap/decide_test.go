package wrap

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/marker"
)

// TestDecide covers every row of the table in docs/design.md §3.
func TestDecide(t *testing.T) {
	const boot, otherBoot, hash, otherHash = "boot-1", "boot-0", "h1", "h2"
	rec := func(st marker.State, mod func(*marker.Record)) *marker.Record {
		r := &marker.Record{Job: "j", State: st, ArgvSHA256: hash, Attempts: 1, BootStart: boot, BootEnd: boot}
		if mod != nil {
			mod(r)
		}
		return r
	}
	oldBoot := func(r *marker.Record) { r.BootStart, r.BootEnd = otherBoot, otherBoot }
	// started: the record names the started child (every running record
	// past the child's start).
	started := func(mod func(*marker.Record)) func(*marker.Record) {
		return func(r *marker.Record) {
			r.Child = &marker.Child{PID: 42, StartTime: 7}
			if mod != nil {
				mod(r)
			}
		}
	}
	tests := []struct {
		name  string
		rec   *marker.Record
		facts facts
		want  decision
	}{
		{"nothing: run", nil, facts{}, decision{act: actRun}},
		{"failed, attempts left: run", rec(marker.Failed, nil), facts{}, decision{act: actRun}},
		{"failed, attempts used up: gave up", rec(marker.Failed, func(r *marker.Record) { r.Attempts = 3 }), facts{}, decision{act: actKeep, outcome: GaveUp}},
		{"succeeded, same argv: success", rec(marker.Succeeded, nil), facts{}, decision{act: actKeep, outcome: Succeeded}},
		{"succeeded, other boot: still success", rec(marker.Succeeded, oldBoot), facts{}, decision{act: actKeep, outcome: Succeeded}},
		{"succeeded, different argv: conflict", rec(marker.Succeeded, nil), facts{argvHash: otherHash}, decision{act: actKeep, outcome: Conflict}},
		{"succeeded by mark, no argv: success", rec(marker.Succeeded, func(r *marker.Record) { r.ArgvSHA256 = "" }), facts{argvHash: otherHash}, decision{act: actKeep, outcome: Succeeded}},
		{"failed by mark, no argv, attempts left: run", rec(marker.Failed, func(r *marker.Record) { r.ArgvSHA256 = "" }), facts{argvHash: otherHash}, decision{act: actRun}},
		{"reboot-required, same boot", rec(marker.RebootRequired, nil), facts{}, decision{act: actKeep, outcome: RebootRequired}},
		{"reboot-required, boot changed: finalize", rec(marker.RebootRequired, oldBoot), facts{}, decision{act: actFinalize, reason: "completed after restart", source: "boot-change"}},
		{"rebooting, same boot, confirmed", rec(marker.Rebooting, func(r *marker.Record) { r.ShutdownConfirmed = true }), facts{}, decision{act: actKeep, outcome: Restarting}},
		{"rebooting, same boot, child started it", rec(marker.Rebooting, func(r *marker.Record) { r.Source = "exit-code" }), facts{}, decision{act: actKeep, outcome: Restarting}},
		{"rebooting, same boot, unconfirmed, lock free: cancelled", rec(marker.Rebooting, func(r *marker.Record) { r.Source = "signal:SIGTERM" }), facts{},
			decision{act: actFail, outcome: Cancelled, failure: failCancelled, source: "same-boot",
				reason: "cancelled: the shutdown notice was not followed by a restart and no upwrap is waiting for the job"}},
		{"rebooting, same boot, unconfirmed, upwrap still waiting: busy", rec(marker.Rebooting, nil), facts{lockedByOther: true}, decision{act: actKeep, outcome: Busy}},
		{"rebooting, boot changed: finalize", rec(marker.Rebooting, oldBoot), facts{}, decision{act: actFinalize, reason: "completed after restart", source: "boot-change"}},
		{"running, locked by another upwrap: busy", rec(marker.Running, nil), facts{lockedByOther: true}, decision{act: actKeep, outcome: Busy}},
		{"running, locked by another upwrap, old boot: busy", rec(marker.Running, oldBoot), facts{lockedByOther: true}, decision{act: actKeep, outcome: Busy}},
		{"running, lock free, boot changed, expect reboot: finalize", rec(marker.Running, started(func(r *marker.Record) { oldBoot(r); r.BootEnd = ""; r.ExpectReboot = true })), facts{},
			decision{act: actFinalize, reason: "restart observed while the job ran", source: "boot-change"}},
		{"running, lock free, boot changed, no expect reboot: interrupted", rec(marker.Running, started(func(r *marker.Record) { oldBoot(r); r.BootEnd = "" })), facts{},
			decision{act: actFail, outcome: Interrupted, failure: failInterrupted, source: "boot-change",
				reason: "interrupted: the machine restarted while the job ran and --expect-reboot was not given"}},
		{"running, lock free, same boot: interrupted", rec(marker.Running, started(func(r *marker.Record) { r.BootEnd = ""; r.ExpectReboot = true })), facts{},
			decision{act: actFail, outcome: Interrupted, failure: failInterrupted, source: "lock-free",
				reason: "interrupted: the upwrap running the job stopped before recording an outcome"}},
		{"running, lock free, tree alive: busy", rec(marker.Running, started(nil)), facts{treeAlive: true}, decision{act: actKeep, outcome: Busy}},
		{"rebooting, same boot, unconfirmed, lock free, tree alive: busy", rec(marker.Rebooting, started(nil)), facts{treeAlive: true}, decision{act: actKeep, outcome: Busy}},
		{"running, no child identity, same boot: never started, not an attempt", rec(marker.Running, func(r *marker.Record) { r.BootEnd = "" }), facts{},
			decision{act: actFail, outcome: Interrupted, failure: failInterrupted, source: "not-started", uncount: true,
				reason: "interrupted before the command started; not counted as an attempt"}},
		{"running, no child identity, boot changed, expect reboot: never started, not a success", rec(marker.Running, func(r *marker.Record) { oldBoot(r); r.BootEnd = ""; r.ExpectReboot = true }), facts{},
			decision{act: actFail, outcome: Interrupted, failure: failInterrupted, source: "not-started", uncount: true,
				reason: "interrupted before the command started; not counted as an attempt"}},
	}
	// The command line is part of every state: each row's record, written
	// by another command line, is a conflict, whatever the state, the boot
	// or the attempts (status and resume, which ask about no command line,
	// are the rows above).
	for _, tt := range tests[:len(tests):len(tests)] {
		if tt.rec == nil || tt.facts.argvHash != "" || tt.facts.lockedByOther {
			continue
		}
		tests = append(tests, struct {
			name  string
			rec   *marker.Record
			facts facts
			want  decision
		}{"other command line: " + tt.name, tt.rec, facts{argvHash: otherHash}, decision{act: actKeep, outcome: Conflict}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.facts
			f.boot = boot
			if f.argvHash == "" {
				f.argvHash = hash
			}
			f.maxAttempts = 3
			got := decide(tt.rec, f)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(decision{})); diff != "" {
				t.Errorf("decide mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
