package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/upwrap/upwrap/internal/tui"
	"github.com/upwrap/upwrap/marker"
	"github.com/upwrap/upwrap/wrap"
)

// lineOpts is what a summary line tells beyond the result.
type lineOpts struct {
	// exit is the exit code upwrap returns for this result; nil when the
	// invocation covers several jobs.
	exit *int
	// maxAttempts is the loop breaker's bound, for the next step.
	maxAttempts int
	// color paints the state.
	color bool
	// run is set for "upwrap run": a result whose child was not started
	// says so.
	run bool
}

// summary is the one-line account of a result on stderr: the job, its
// state and reason, the exit code and what it means, the record's path, and
// the next step when there is one.
func summary(r *wrap.Result, o lineOpts) string {
	head := "upwrap: " + string(r.Job) + ": "
	switch {
	case r.Outcome == wrap.BadRecord:
		head += tui.Paint(o.color, tui.Red, badState(r.Err)) + " (" + r.Err.Error() + ")"
	case r.Outcome == wrap.Conflict:
		// Never the other command line's state as if it were this one's.
		head += tui.Paint(o.color, tui.Red, "conflict") + " (" + conflictReason(r) + ")"
	case r.Record == nil:
		head += tui.Paint(o.color, outcomeStyle(r.Outcome), r.Outcome.String())
	default:
		head += tui.Paint(o.color, outcomeStyle(r.Outcome), string(r.Record.State))
		if r.Record.Reason != "" {
			head += " (" + r.Record.Reason + ")"
		}
		if o.run && !r.Started && (r.Outcome == wrap.Succeeded || r.Outcome == wrap.RebootRequired || r.Outcome == wrap.Restarting) {
			head += "; not started again"
		}
	}
	parts := []string{head}
	if o.exit != nil {
		parts = append(parts, fmt.Sprintf("exit %d (%s)", *o.exit, exitMeaning(r, *o.exit)))
	}
	if r.Record != nil || r.Outcome == wrap.BadRecord {
		parts = append(parts, "record "+r.RecordPath)
	}
	if next := nextStep(r, o.maxAttempts); next != "" {
		parts = append(parts, "next: "+next)
	}
	return strings.Join(parts, "; ")
}

// exitMeaning says what code means for result r.
func exitMeaning(r *wrap.Result, code int) string {
	if r.Outcome == wrap.BadRecord {
		return badState(r.Err) + " record"
	}
	if r.Outcome == wrap.ChildFailed {
		if int64(code) == r.ExitCode {
			return "the command's own failure code, passed through"
		}
		return fmt.Sprintf("the command failed with %d, a code a caller would misread; the record holds it", r.ExitCode)
	}
	if r.Outcome == wrap.GaveUp && r.Record != nil {
		return fmt.Sprintf("gave up after %d attempts", r.Record.Attempts)
	}
	return outcomeKind(r.Outcome).row().summary
}

// nextStep is what the operator does next, or "" when nothing is needed:
// the next step of the outcome's row of exitTable.
func nextStep(r *wrap.Result, maxAttempts int) string {
	job := string(r.Job)
	next := outcomeKind(r.Outcome).row().next
	if r.Outcome == wrap.BadRecord {
		next = "inspect the record, then {clear} to forget it"
	}
	retry := "run the same command again to retry"
	if rec := r.Record; rec != nil && maxAttempts > 0 && rec.Attempts >= maxAttempts {
		retry = fmt.Sprintf("it has failed %d of %d allowed attempts, so upwrap will not start it again: 'upwrap clear --job %s' first to retry", rec.Attempts, maxAttempts, job)
	}
	return nextStepText(next, job, r.LogPath, retry)
}

// outcomeStyle is the colour of an outcome's state on a terminal.
func outcomeStyle(o wrap.Outcome) tui.Style {
	switch o {
	case wrap.Succeeded:
		return tui.Green
	case wrap.RebootRequired, wrap.Restarting, wrap.Busy, wrap.NoJob:
		return tui.Yellow
	}
	return tui.Red
}

// badState is the state status --all shows for a record it cannot use.
func badState(err error) string {
	switch {
	case errors.Is(err, marker.ErrNewerSchema):
		return "newer-schema"
	case errors.Is(err, marker.ErrUntrusted):
		return "untrusted"
	case errors.Is(err, marker.ErrCorrupt):
		return "corrupt"
	}
	return "unreadable"
}

// conflictReason says whose record a conflicting job holds.
func conflictReason(r *wrap.Result) string {
	why := "the record is of another command line"
	if rec := r.Record; rec != nil {
		why += ", which " + map[bool]string{true: "succeeded", false: "is " + string(rec.State)}[rec.State == marker.Succeeded]
		if rec.State == marker.Failed {
			why = "the record is of another command line, which failed"
		}
		if len(rec.Argv) > 0 {
			why += ": " + truncateArgv(rec.Argv)
		}
	}
	return why
}

// truncateArgv shows a recorded command line in at most 80 characters.
func truncateArgv(argv []string) string {
	s := strings.Join(argv, " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
