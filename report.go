package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/upwrap/upwrap/internal/journal"
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

// reportJSON prints a result as one line of JSON on stdout: the job's
// record, or, when there is none to show (no record, a record upwrap cannot
// read, a record of another command line), a small object saying so
// (noRecord). A job with no record is said on stderr too.
func (c *cliState) reportJSON(r *wrap.Result) {
	if r.Record != nil && r.Outcome != wrap.Conflict {
		writeRecordJSON(c.stdout, r.Record)
	} else {
		b, _ := json.Marshal(noRecordOf(r))
		c.stdout.Write(append(b, '\n'))
	}
	if r.Outcome == wrap.NoJob {
		fmt.Fprintf(c.stderr, "upwrap: %s: no record\n", r.Job)
	}
}

// noRecord is the JSON object printed for a job whose record is not shown
// (README.md, "JSON output"): its id, the outcome, one line saying why, and
// for a record upwrap cannot read the state status --all shows for it.
type noRecord struct {
	Job     string `json:"job"`
	State   string `json:"state,omitempty"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason"`
}

func noRecordOf(r *wrap.Result) noRecord {
	k := resultKind(r)
	n := noRecord{Job: string(r.Job), Outcome: k.String(), Reason: k.row().summary}
	switch r.Outcome {
	case wrap.BadRecord:
		n.State, n.Reason = badState(r.Err), r.Err.Error()
	case wrap.Busy:
		n.Reason = "another upwrap holds the job, or the machine is busy with another installation; retry later"
	case wrap.Conflict:
		n.Reason = conflictReason(r) + "; 'upwrap clear --job " + string(r.Job) + "' forgets it so that this one can run"
	case wrap.NoJob:
		n.Reason = "the job has no record"
	}
	return n
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

// warnings says a result's warnings on stderr.
func (c *cliState) warnings(r *wrap.Result) {
	for _, w := range r.Warnings {
		c.say(journal.Warning, "upwrap: warning: "+w)
	}
}

// writeRecordJSON writes the record as one line of JSON.
func writeRecordJSON(w io.Writer, r *marker.Record) {
	b, err := r.EncodeCompact()
	if err != nil {
		return
	}
	w.Write(append(b, '\n'))
}

// writeTable prints jobs as an aligned table: job, state, attempts,
// finished (local time), reason. With width > 0 (a terminal) each row is
// cut to fit; with color the state is painted.
func writeTable(w io.Writer, results []*wrap.Result, width int, color bool) {
	rows := [][]string{{"JOB", "STATE", "ATTEMPTS", "FINISHED", "REASON"}}
	for _, r := range results {
		row := []string{string(r.Job), r.Outcome.String(), "-", "-", ""}
		if r.Outcome == wrap.BadRecord {
			row[1], row[4] = badState(r.Err), r.Err.Error()
		} else if rec := r.Record; rec != nil {
			row[1], row[2], row[4] = string(rec.State), strconv.Itoa(rec.Attempts), rec.Reason
			if rec.FinishedAt != nil {
				row[3] = rec.FinishedAt.Local().Format("2006-01-02 15:04")
			}
		}
		rows = append(rows, row)
	}
	widths := make([]int, 4)
	for _, row := range rows {
		for i := range widths {
			widths[i] = max(widths[i], len(row[i]))
		}
	}
	for n, row := range rows {
		var b strings.Builder
		for i := range widths {
			cell := row[i] + strings.Repeat(" ", widths[i]-len(row[i])+2)
			if n > 0 && i == 1 {
				cell = tui.Paint(color, outcomeStyle(results[n-1].Outcome), row[i]) + cell[len(row[i]):]
			}
			b.WriteString(cell)
		}
		used := 0
		for _, wd := range widths {
			used += wd + 2
		}
		reason := row[4]
		if width > 0 {
			reason = tui.Fit(reason, width-1-used)
		}
		b.WriteString(reason)
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// statusLine starts run's live status line when upwrap's stderr is a
// terminal that can show it and --quiet was not given; nil otherwise (a nil
// *tui.Line does nothing).
func (c *cliState) statusLine(quiet bool) *tui.Line {
	f, ok := c.stderr.(*os.File)
	if quiet || !ok || !tui.Terminal(f, os.Getenv) {
		return nil
	}
	return tui.Start(f, tui.Color(f, os.Getenv))
}

// onTerminal reports whether w shows on the terminal of upwrap's stderr:
// it is that stderr, or a terminal too (taken to be the same one).
func (c *cliState) onTerminal(w io.Writer) bool {
	if w == c.stderr {
		return true
	}
	f, ok := w.(*os.File)
	return ok && tui.Terminal(f, os.Getenv)
}

// colorOn reports whether w may be coloured.
func colorOn(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && tui.Color(f, os.Getenv)
}

// phaseText is what the status line says upwrap waits for.
func phaseText(p wrap.Progress) string {
	switch p.Phase {
	case wrap.WaitChild:
		if p.Attempt > 1 {
			return fmt.Sprintf("waiting for the command (attempt %d)", p.Attempt)
		}
		return "waiting for the command"
	case wrap.WaitTree:
		return "the command exited; waiting for its process tree"
	}
	return "waiting for " + p.Phase.String()
}
