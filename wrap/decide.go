package wrap

import (
	"time"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// action is what the decision table tells the caller to do.
type action int

const (
	// actRun: start the child (after --verify, when given, says no).
	actRun action = iota
	// actKeep: leave the record as it is; report decision.outcome.
	actKeep
	// actFinalize: the machine restarted since the record was written;
	// run --verify if any, then record succeeded or failed.
	actFinalize
	// actFail: record failed with decision.failure and decision.reason.
	actFail
)

// facts are what the table looks at besides the record.
type facts struct {
	// boot is the current boot identity.
	boot string
	// lockedByOther: another upwrap holds the job's lock. Run always holds
	// the lock itself, so this is only ever true for status.
	lockedByOther bool
	// argvHash is the hash of the command line asked for; "" when unknown
	// (status, resume).
	argvHash string
	// maxAttempts bounds the runs of a failed job.
	maxAttempts int
	// sinceBoot is the time since the current boot began, when
	// sinceBootKnown (only asked for a record that awaits a mark).
	sinceBoot      time.Duration
	sinceBootKnown bool
	// treeAlive: the record is running or rebooting in this boot and the
	// process tree of its child still lives (liveTree), even though no
	// upwrap may hold the lock any more.
	treeAlive bool
}

// decision is one row of the table.
type decision struct {
	act     action
	outcome Outcome
	// for actFail and actFinalize
	failure, reason, source string
	// uncount: the recorded attempt never started the child, so it is
	// taken back (actFail).
	uncount bool
}

// recordedBoot is the boot a record's state was written in.
func recordedBoot(r *marker.Record) string {
	if r.BootEnd != "" {
		return r.BootEnd
	}
	return r.BootStart
}

// otherArgv reports whether r records another command line than the one
// whose hash is given: a record written by "upwrap mark" has none, and
// status and resume ask about no command line ("").
func otherArgv(r *marker.Record, hash string) bool {
	return r != nil && hash != "" && r.ArgvSHA256 != "" && r.ArgvSHA256 != hash
}

// decide is the table of docs/design.md §3. It is pure: every effect is the
// caller's.
func decide(r *marker.Record, f facts) decision {
	if r == nil {
		return decision{act: actRun}
	}
	if otherArgv(r, f.argvHash) {
		// The command line is part of every state: a record of another
		// command line is never finalized, continued, counted or
		// reported as this one's.
		return decision{act: actKeep, outcome: Conflict}
	}
	sameBoot := detect.SameBoot(recordedBoot(r), f.boot)
	switch r.State {
	case marker.Failed:
		if r.Attempts < f.maxAttempts {
			return decision{act: actRun}
		}
		return decision{act: actKeep, outcome: GaveUp}

	case marker.Succeeded:
		return decision{act: actKeep, outcome: Succeeded}

	case marker.RebootRequired:
		if sameBoot {
			return decision{act: actKeep, outcome: RebootRequired}
		}
		return decision{act: actFinalize, reason: "completed after restart", source: "boot-change"}

	case marker.Rebooting:
		if !sameBoot {
			return decision{act: actFinalize, reason: "completed after restart", source: "boot-change"}
		}
		if r.ShutdownConfirmed || r.Source == sourceExitCode {
			return decision{act: actKeep, outcome: Restarting}
		}
		if f.lockedByOther || f.treeAlive {
			return decision{act: actKeep, outcome: Busy}
		}
		return decision{act: actFail, outcome: Cancelled, failure: failCancelled, source: "same-boot",
			reason: "cancelled: the shutdown notice was not followed by a restart and no upwrap is waiting for the job"}

	case marker.Running:
		if f.lockedByOther || f.treeAlive {
			return decision{act: actKeep, outcome: Busy}
		}
		if r.Child == nil {
			// The running record is written before the child starts and
			// its identity right after: without one, the child never
			// started (docs/design.md §5). Not a success, even after a
			// restart, and not an attempt.
			return decision{act: actFail, outcome: Interrupted, failure: failInterrupted, source: "not-started", uncount: true,
				reason: "interrupted before the command started; not counted as an attempt"}
		}
		if !sameBoot && r.ExpectReboot {
			return decision{act: actFinalize, reason: "restart observed while the job ran", source: "boot-change"}
		}
		if !sameBoot {
			return decision{act: actFail, outcome: Interrupted, failure: failInterrupted, source: "boot-change",
				reason: "interrupted: the machine restarted while the job ran and --expect-reboot was not given"}
		}
		return decision{act: actFail, outcome: Interrupted, failure: failInterrupted, source: "lock-free",
			reason: "interrupted: the upwrap running the job stopped before recording an outcome"}
	}
	// marker.Parse accepts only the five states.
	panic("wrap: unknown state " + string(r.State))
}
