package wrap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
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
// no command); the command line maps it to the usage exit code.
var ErrUsage = errors.New("usage")

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
	// verifyTimeout bounds a --verify this invocation runs (runVerify).
	verifyTimeout time.Duration
	// version is the upwrap version stamped into the records this
	// invocation writes; "" keeps the record's.
	version string
	// spare is the room reserved for the record while the child runs
	// (docs/design.md §6); 0 when none is.
	spare int64
	// recordRetry bounds the retries of the final record's write.
	recordRetry time.Duration
	// say, when set, tells the operator at once (stderr); otherwise what
	// warnf says is kept in warnings for the result.
	say func(string)
	// mu guards warnings: the log's writers (the child's streams, on
	// goroutines of their own) may warn too.
	mu       sync.Mutex
	warnings []string
	// textfile is told of every record written; nil without --textfile.
	textfile *textfile
	// writeBy, when set, is the latest moment a record write may retry
	// until: what is left of a shutdown notice's budget.
	writeBy time.Time
}

// warnf tells the operator something went wrong that does not stop the job
// (a log that cannot be used).
func (j *job) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	j.mu.Lock()
	say := j.say
	if say == nil {
		j.warnings = append(j.warnings, msg)
	}
	j.mu.Unlock()
	// Not under the mutex: saying it logs it, and a log that stops on
	// that write warns again.
	if say != nil {
		say(msg)
	}
}

// openJob opens the state directory and validates the job id (derived from
// argv when id is "").
func openJob(stateDir, id string, argv []string, create bool, probe detect.Probe) (*job, error) {
	var jid marker.ID
	if id == "" {
		if len(argv) == 0 {
			return nil, &OptionError{Option: OptJob, Text: "give {option} ID or a command after --"}
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

// write writes a record that is not the run's last. When the state
// directory refuses it and room is reserved, the reserved room takes it and
// is then reserved again, as far as the file system allows.
func (j *job) write(r *marker.Record) error {
	if j.witnesses != nil {
		r.Extra = withWitnesses(r.Extra, j.witnesses)
	}
	var err error
	if j.writeBy.IsZero() {
		err = j.store.Write(j.id, r)
	} else {
		err = j.store.WriteBy(j.id, r, j.writeBy)
	}
	if err != nil && errors.Is(err, marker.ErrStateDir) && (j.spare > 0 || j.store.Reserved(j.id) > 0) {
		// The room this run reserved, or that an upwrap which died left.
		if err = j.store.WriteReserved(j.id, r); err == nil && j.spare > 0 {
			if rerr := j.store.Reserve(j.id, j.spare); rerr != nil {
				j.spare = 0
				j.warnf("%v; the final record has no reserved room", rerr)
			}
		}
	}
	return j.mirrored(err)
}

// mirrored follows a record write: the textfile hears of a written record,
// and an error about the registry mirror alone is dropped, with a warning.
func (j *job) mirrored(err error) error {
	if err == nil || errors.Is(err, marker.ErrMirror) {
		// After the record, never before it (docs/design.md §9).
		j.textfile.changed()
	}
	if errors.Is(err, marker.ErrMirror) {
		// The record, the truth, is on disk; the mirror lags.
		j.warnf("%v", err)
		return nil
	}
	return err
}

func (j *job) result(o Outcome, r *marker.Record) *Result {
	res := &Result{Job: j.id, Outcome: o, Record: r, RecordPath: j.store.RecordPath(j.id), LogPath: j.logPath, Warnings: j.takeWarnings()}
	if res.LogPath == "" {
		res.LogPath = j.store.LogPath(j.id)
	}
	if o == ChildFailed && r != nil && r.ExitCode != nil {
		res.ExitCode = *r.ExitCode
	}
	return res
}

// takeWarnings returns what warnf kept so far.
func (j *job) takeWarnings() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.warnings)
}

// keptOutcome is the outcome of a record the table leaves alone.
func keptOutcome(d decision, r *marker.Record) Outcome {
	if r != nil && r.State == marker.Failed && d.outcome != GaveUp && d.outcome != Conflict {
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
	if r.Log != "" && j.logPath != "" && j.logPath != r.Log {
		// The recorded log no longer worked: later runs use the one
		// this invocation fell back to.
		n.Log = j.logPath
	}
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
		// Room an upwrap that died left for this job is of no use now.
		j.store.Release(j.id)
		sink.event(recordedEvent(n.State), "state", string(n.State), "reason", n.Reason, "source", n.Source)
	}
	res := j.result(outcome, n)
	res.Recorded = write
	return res, nil
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
