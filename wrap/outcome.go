package wrap

import "github.com/upwrap/upwrap/marker"

// Outcome is what an invocation means for its caller. The command line
// (internal/cli) maps it to an exit code of the chosen profile
// (docs/design.md §7).
type Outcome int

// Outcomes.
const (
	// Succeeded: the upgrade is done.
	Succeeded Outcome = iota
	// RebootRequired: done, a restart is needed.
	RebootRequired
	// Restarting: done or nearly, the machine is restarting.
	Restarting
	// Busy: another upwrap runs this job, or the machine is busy with
	// another installation; retry later.
	Busy
	// ChildFailed: the child exited with a failure code (Result.ExitCode).
	ChildFailed
	// Conflict: the job succeeded before with a different command line.
	Conflict
	// Interrupted: the run was cut short (upwrap died, or the machine shut
	// down without --expect-reboot).
	Interrupted
	// Cancelled: an operator stopped the run.
	Cancelled
	// GaveUp: the job failed MaxAttempts times; upwrap will not start it
	// again until it is cleared.
	GaveUp
	// TimedOut: the child ran longer than the timeout and was killed.
	TimedOut
	// NotFound: the command does not exist.
	NotFound
	// CannotExecute: the command exists but cannot be started.
	CannotExecute
	// VerifyFailed: after a restart the verify command said the upgrade is
	// not in place.
	VerifyFailed
	// NoJob: status of a job that has no record.
	NoJob
	// MarkedFailed: "upwrap mark --state failed" recorded the failure (for
	// example Windows Setup's rollback script).
	MarkedFailed
	// BadRecord: status --all or resume --all could not read (or write)
	// this job's record; Result.Err says why. The other jobs are still
	// reported.
	BadRecord
)

var outcomeNames = [...]string{
	Succeeded: "succeeded", RebootRequired: "reboot required", Restarting: "restart in progress",
	Busy: "busy", ChildFailed: "child failed", Conflict: "conflict", Interrupted: "interrupted",
	Cancelled: "cancelled", GaveUp: "gave up", TimedOut: "timeout", NotFound: "command not found",
	CannotExecute: "cannot execute", VerifyFailed: "verify failed", NoJob: "no such job", MarkedFailed: "marked failed",
	BadRecord: "bad record",
}

// String returns a short human name.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Result is what an invocation did and found.
type Result struct {
	// Job is the job id.
	Job marker.ID
	// Outcome is the meaning for the caller.
	Outcome Outcome
	// Record is the job's (effective) record; nil for NoJob.
	Record *marker.Record
	// RecordPath is where the record lives.
	RecordPath string
	// LogPath is where the job's log lives (or would, for a job that never
	// ran).
	LogPath string
	// ExitCode is the child's exit code for ChildFailed.
	ExitCode int64
	// Started is true when this invocation started the child; false when
	// it reported or finalized what an earlier run recorded.
	Started bool
	// Recorded is true when this invocation wrote the job's record (resume
	// finalized it, mark recorded it, run recorded its outcome).
	Recorded bool
	// Warnings are what went wrong without stopping the job (a log that
	// could not be used), for the caller to show; Run says them on
	// Options.Stderr as they happen instead.
	Warnings []string
	// Err, for a job of status --all or resume --all, says why its record
	// could not be read or written (it wraps the marker error); Outcome is
	// then BadRecord. Nil otherwise.
	Err error
}

// Failure kinds stored in the record's "failure" key: why a job is failed.
const (
	failExitCode      = "exit-code"
	failTimeout       = "timeout"
	failCancelled     = "cancelled"
	failInterrupted   = "interrupted"
	failShutdown      = "shutdown"
	failNotFound      = "not-found"
	failCannotExecute = "cannot-execute"
	failVerify        = "verify"
	failMark          = "mark"
)

// failedOutcome maps a failed record to the outcome it reported. For
// ChildFailed the exit code is the record's (job.result fills it in).
func failedOutcome(r *marker.Record) Outcome {
	switch r.Failure {
	case failTimeout:
		return TimedOut
	case failCancelled:
		return Cancelled
	case failInterrupted, failShutdown:
		return Interrupted
	case failNotFound:
		return NotFound
	case failCannotExecute:
		return CannotExecute
	case failVerify:
		return VerifyFailed
	case failMark:
		return MarkedFailed
	}
	if r.ExitCode != nil {
		return ChildFailed
	}
	return Interrupted
}
