package wrap

import (
	"context"
	"os"
	"time"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// nowFunc is the clock of records written outside Run.
var nowFunc = time.Now

// MarkOptions record an outcome decided outside upwrap, e.g. by Windows
// Setup's /PostOOBE or /PostRollback scripts.
type MarkOptions struct {
	// StateDir is the state directory; it is created when missing.
	StateDir string
	// Job is the job id.
	Job string
	// State is "succeeded" or "failed".
	State string
	// Reason is one human line; "" gives a default.
	Reason string
	// Version is stamped into the record.
	Version string
}

// Mark records a job as succeeded or failed. Marking the state that is
// already recorded changes nothing on disk. A job another upwrap holds is
// reported Busy and left alone.
func Mark(ctx context.Context, o MarkOptions, probe detect.Probe) (*Result, error) {
	var st marker.State
	switch o.State {
	case "succeeded":
		st = marker.Succeeded
	case "failed":
		st = marker.Failed
	default:
		return nil, &OptionError{Option: OptMarkState, Value: o.State, Text: "{option} {value_q}: use succeeded or failed"}
	}
	if o.Job == "" {
		return nil, &OptionError{Option: OptJob, Text: "mark needs {option} ID"}
	}
	j, err := openJob(o.StateDir, o.Job, nil, true, probe)
	if err != nil {
		return nil, err
	}
	lock, busy, err := j.lockOrBusy()
	if lock == nil {
		return busy, err
	}
	defer lock.Unlock()
	r, err := j.read()
	if err != nil {
		return nil, err
	}
	outcome := Succeeded
	failure := ""
	if st == marker.Failed {
		outcome, failure = MarkedFailed, failMark
	}
	reason := o.Reason
	if reason == "" {
		reason = "marked " + o.State + " by upwrap mark"
	}
	if r != nil && r.State == st && r.Source == sourceMark && r.Reason == reason {
		return j.result(outcome, r), nil
	}
	boot, err := probe.BootID(ctx)
	if err != nil {
		return nil, err
	}
	if r == nil {
		r = &marker.Record{Job: j.id, Host: hostname()}
	}
	j.version = o.Version
	// The job log (in the format it already has) and the system log learn
	// of the outcome too: a mark from Windows Setup's scripts is the
	// upgrade's verdict. A log that no longer works never stops the mark.
	log, err := openJobLog(j, Options{LogPath: r.Log}, boot)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	n := j.finish(r, st, boot, sourceMark, reason, failure)
	if err := j.write(n); err != nil {
		return nil, err
	}
	// Room an upwrap that died left for this job is of no use now.
	j.store.Release(j.id)
	log.event(recordedEvent(n.State), "state", string(n.State), "reason", n.Reason, "source", n.Source)
	return j.result(outcome, n), nil
}

// Clear forgets a job so that it may run again. It is refused (Busy) while
// another upwrap holds the job. Errors wrap marker.ErrNotFound when there is
// nothing to clear.
func Clear(ctx context.Context, q Query, probe detect.Probe) (*Result, error) {
	if q.Job == "" {
		return nil, &OptionError{Option: OptJob, Text: "clear needs {option} ID"}
	}
	j, err := openJob(q.StateDir, q.Job, nil, false, probe)
	if err != nil {
		return nil, err
	}
	lock, busy, err := j.lockOrBusy()
	if lock == nil {
		return busy, err
	}
	defer lock.Unlock()
	if err := j.store.Remove(j.id); err != nil {
		return nil, err
	}
	return j.result(Succeeded, nil), nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
