package wrap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// Source names stored in records.
const (
	sourceExitCode = "exit-code"
	sourceVerify   = "verify"
	sourceMark     = "mark"
	sourceTimeout  = "timeout"
	sourceExec     = "exec"
)

// ErrUsage marks an error in what the caller asked for (a bad flag value,
// no command); main maps it to the usage exit code.
var ErrUsage = errors.New("usage")

// ErrLog marks a job log that cannot be opened (its directory is missing,
// it is a directory); the child was not started.
var ErrLog = errors.New("log")

// job is one job's store, id and lock-holding state during an invocation.
type job struct {
	store *marker.Store
	id    marker.ID
	probe detect.Probe
	now   func() time.Time
	// progress is Options.Progress of Run; nil elsewhere.
	progress func(Progress)
	// logPath is the job log once opened; "" means the default beside the
	// record.
	logPath string
	// witnesses, when the probe explains the boot identity, go into every
	// record this invocation writes.
	witnesses *detect.BootWitnesses
	// warn reports a record that was written but whose registry mirror
	// was not; nil drops it.
	warn func(error)
	// verifyTimeout bounds a --verify this invocation runs (runVerify).
	verifyTimeout time.Duration
	// version is the upwrap version stamped into the records this
	// invocation writes; "" keeps the record's.
	version string
}

// openJob opens the state directory and validates the job id (derived from
// argv when id is "").
func openJob(stateDir, id string, argv []string, create bool, probe detect.Probe) (*job, error) {
	var jid marker.ID
	if id == "" {
		if len(argv) == 0 {
			return nil, fmt.Errorf("%w: give --job ID or a command after --", ErrUsage)
		}
		jid = marker.DeriveID(argv)
	} else {
		var err error
		if jid, err = marker.ParseID(id); err != nil {
			return nil, fmt.Errorf("job %q: %w", truncate(id, 80), err)
		}
	}
	st, err := marker.Open(stateDir, create)
	if err != nil {
		return nil, err
	}
	return &job{store: st, id: jid, probe: probe, now: nowFunc}, nil
}

// read returns the job's record, nil when it has none.
func (j *job) read() (*marker.Record, error) {
	r, err := j.store.Read(j.id)
	if errors.Is(err, marker.ErrNotFound) {
		return nil, nil
	}
	return r, err
}

func (j *job) write(r *marker.Record) error {
	if j.witnesses != nil {
		r.Extra = withWitnesses(r.Extra, j.witnesses)
	}
	err := j.store.Write(j.id, r)
	if errors.Is(err, marker.ErrMirror) {
		// The record, the truth, is on disk; the mirror lags.
		if j.warn != nil {
			j.warn(err)
		}
		return nil
	}
	return err
}

func (j *job) result(o Outcome, r *marker.Record) *Result {
	res := &Result{Job: j.id, Outcome: o, Record: r, RecordPath: j.store.RecordPath(j.id), LogPath: j.logPath}
	if res.LogPath == "" {
		res.LogPath = j.store.LogPath(j.id)
	}
	if o == ChildFailed && r != nil && r.ExitCode != nil {
		res.ExitCode = *r.ExitCode
	}
	return res
}

// keptOutcome is the outcome of a record the table leaves alone.
func keptOutcome(d decision, r *marker.Record) Outcome {
	if r != nil && r.State == marker.Failed && d.outcome != GaveUp {
		return failedOutcome(r)
	}
	return d.outcome
}

// finish returns a copy of r in the final state st.
func (j *job) finish(r *marker.Record, st marker.State, boot, source, reason, failure string) *marker.Record {
	n := *r
	now := j.now().UTC()
	n.State, n.Source, n.Reason, n.Failure = st, source, reason, failure
	n.FinishedAt = &now
	n.BootEnd = boot
	if j.version != "" {
		n.Version = j.version
	}
	return &n
}

// finalize applies a decision that changes the record without running the
// child: actFail, or actFinalize (running verify first when there is one).
// With write false (status) the new record is computed but not written.
func (j *job) finalize(ctx context.Context, r *marker.Record, d decision, boot, verify string, write bool, sink *jobLog) (*Result, error) {
	var n *marker.Record
	outcome := Succeeded
	switch d.act {
	case actFail:
		n = j.finish(r, marker.Failed, boot, d.source, d.reason, d.failure)
		if d.uncount && n.Attempts > 0 {
			n.Attempts--
		}
		outcome = d.outcome
	case actFinalize:
		if verify == "" {
			verify = r.Verify
		}
		n = j.finish(r, marker.Succeeded, boot, d.source, d.reason, "")
		if verify != "" {
			j.report(WaitVerify, 0)
			ok, detail := runVerify(ctx, verify, j.verifyTimeout, sink)
			if ok {
				n.Source, n.Reason = sourceVerify, d.reason+"; verify passed"
			} else {
				n = j.finish(r, marker.Failed, boot, sourceVerify, "after restart the verify command failed: "+detail, failVerify)
				outcome = VerifyFailed
			}
		}
	default:
		panic("wrap: finalize called for a decision that needs no change")
	}
	if write {
		if err := j.write(n); err != nil {
			return nil, err
		}
		sink.event("state recorded", "state", string(n.State), "reason", n.Reason, "source", n.Source)
	}
	return j.result(outcome, n), nil
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// lockOrBusy takes the job's lock. When another upwrap holds it, the lock
// is nil and the result reports the job Busy; on any other error both are
// nil.
func (j *job) lockOrBusy() (*marker.Lock, *Result, error) {
	lock, err := j.store.TryLock(j.id)
	if errors.Is(err, marker.ErrLocked) {
		r, _ := j.read()
		return nil, j.result(Busy, r), nil
	}
	if err != nil {
		return nil, nil, err
	}
	// The lock is free, but the upgrade of an upwrap that died may live.
	if r, _ := j.read(); r != nil && r.Child != nil && (r.State == marker.Running || r.State == marker.Rebooting) {
		if boot, err := j.probe.BootID(context.Background()); err == nil && liveTree(r, boot) {
			lock.Unlock()
			return nil, j.result(Busy, r), nil
		}
	}
	return lock, nil, nil
}

// liveTree reports whether r is a running or rebooting record of this boot
// whose child's process tree still lives (docs/design.md §5, "A job stays
// busy while its upgrade lives").
func liveTree(r *marker.Record, boot string) bool {
	return r != nil && r.Child != nil && (r.State == marker.Running || r.State == marker.Rebooting) &&
		detect.SameBoot(recordedBoot(r), boot) && treeAlive(r.Child)
}
