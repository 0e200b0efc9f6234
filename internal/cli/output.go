package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/internal/journal"
	"github.com/upwrap/upwrap/marker"
	"github.com/upwrap/upwrap/wrap"
)

// writeTextfile rewrites --textfile's upwrap.prom after a command that
// wrote records (the caller defers it); a failure is a warning: the
// records, the truth, are written.
func (c *cliState) writeTextfile(f recordFlags) {
	if f.textfile == "" {
		return
	}
	if err := wrap.WriteTextfile(context.Background(), f.textfile, f.stateDir, detect.System()); err != nil {
		c.say(journal.Warning, fmt.Sprintf("upwrap: warning: %v", err))
	}
}

// bufferStdout runs f with stdout buffered: one write per 64 KiB instead of
// one per line (status --all over 10 000 jobs made 10 000 writes).
func (c *cliState) bufferStdout(f func()) {
	w := c.stdout
	b := bufio.NewWriterSize(w, 64<<10)
	c.stdout = b
	defer func() {
		c.stdout = w
		b.Flush()
	}()
	f()
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

// say prints one line on stderr; in the journal it carries priority p.
func (c *cliState) say(p journal.Priority, line string) {
	journal.Say(c.stderr, p, line)
}

// outcomePriority is the journal priority of a result's summary line.
func outcomePriority(o wrap.Outcome) journal.Priority {
	switch o {
	case wrap.Succeeded, wrap.NoJob:
		return journal.Info
	case wrap.RebootRequired, wrap.Restarting, wrap.Busy:
		return journal.Notice
	}
	return journal.Err
}
