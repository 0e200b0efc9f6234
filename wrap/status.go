package wrap

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// Query names the jobs of a status, resume or clear.
type Query struct {
	// StateDir is the state directory; it is never created by a query.
	StateDir string
	// Job is one job id; ignored with All.
	Job string
	// All selects every job in the state directory.
	All bool
	// MaxAttempts is the bound of the loop breaker (0 means 3), used to tell
	// "failed, will run again" from "gave up".
	MaxAttempts int
	// LogFormat is the log format of Resume ("text", "json" or "cmtrace";
	// "" keeps the format of the existing log).
	LogFormat string
	// Version is stamped into records that Resume writes.
	Version string
	// VerifyTimeout bounds a recorded --verify that Status or Resume runs;
	// 0 means DefaultVerifyTimeout.
	VerifyTimeout time.Duration
}

// ids opens the state directory and lists the jobs the query names. A
// state directory that does not exist yet holds no jobs: the store is then
// nil, and a named job is listed so that it reads as having no record.
func (q Query) ids() (*marker.Store, []marker.ID, error) {
	if !q.All && q.Job == "" {
		return nil, nil, &OptionError{Option: OptJob, Also: OptAll, Text: "give {option} ID or {also}"}
	}
	var id marker.ID
	if !q.All {
		var err error
		if id, err = marker.ParseID(q.Job); err != nil {
			return nil, nil, fmt.Errorf("job %q: %w", truncate(q.Job, 80), err)
		}
	}
	st, err := marker.Open(q.StateDir, false)
	if err != nil && (!errors.Is(err, marker.ErrStateDir) || exists(q.StateDir)) {
		return nil, nil, err
	}
	switch {
	case !q.All:
		return st, []marker.ID{id}, nil
	case st == nil:
		return nil, nil, nil
	}
	ids, err := st.List()
	return st, ids, err
}

// Status returns the effective state of each job: the state Run would act
// on, computed without writing anything (a recorded --verify is run when the
// state after a restart depends on it). A job with no record has Outcome
// NoJob.
func Status(ctx context.Context, q Query, probe detect.Probe) ([]*Result, error) {
	st, ids, err := q.ids()
	if err != nil {
		return nil, err
	}
	var boot string
	var out []*Result
	jobs := readJobs(st, ids)
	for i, id := range ids {
		if st == nil {
			out = append(out, &Result{Job: id, Outcome: NoJob})
			continue
		}
		j := &job{store: st, id: id, probe: probe, now: nowFunc, verifyTimeout: q.VerifyTimeout}
		r, locked, err := jobs[i].rec, jobs[i].locked, jobs[i].err
		if err != nil && q.All && badRecord(err) {
			// One bad record never hides the others (docs/design.md §6).
			out = append(out, j.bad(err))
			continue
		}
		if err != nil {
			return out, err
		}
		if r == nil {
			out = append(out, j.result(NoJob, nil))
			continue
		}
		if boot == "" {
			if boot, err = probe.BootID(ctx); err != nil {
				return out, err
			}
		}
		f := facts{boot: boot, lockedByOther: locked, maxAttempts: maxOr3(q.MaxAttempts), treeAlive: !locked && liveTree(r, boot)}
		f.sinceBoot, f.sinceBootKnown = sinceBoot(ctx, probe, r)
		d := decideJob(r, f)
		res, err := j.apply(ctx, r, d, boot, false, nil)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// Resume writes the effective state of each job whose state a restart
// decides (docs/design.md §3): run at boot, it finalizes jobs whose reboot happened.
// A job another upwrap holds is reported Busy and left alone.
func Resume(ctx context.Context, q Query, probe detect.Probe) ([]*Result, error) {
	st, ids, err := q.ids()
	if err != nil {
		return nil, err
	}
	if st == nil {
		var out []*Result
		for _, id := range ids {
			out = append(out, &Result{Job: id, Outcome: NoJob})
		}
		return out, nil
	}
	boot, witnesses, err := readBoot(ctx, probe)
	if err != nil {
		return nil, err
	}
	var out []*Result
	for _, id := range ids {
		res, err := resumeOne(ctx, st, id, boot, witnesses, q, probe)
		if err != nil && q.All {
			// Every healthy job is still finalized; this one is reported.
			res, err = (&job{store: st, id: id}).bad(err), nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// badRecord reports whether err is about one job's record or the files
// beside it (not the state directory or the machine): status --all then
// shows it as that job's row and goes on.
func badRecord(err error) bool {
	return errors.Is(err, marker.ErrCorrupt) || errors.Is(err, marker.ErrNewerSchema) || errors.Is(err, marker.ErrUntrusted)
}

// bad is the result of a job whose record could not be read or written.
func (j *job) bad(err error) *Result {
	return &Result{Job: j.id, Outcome: BadRecord, Err: err, RecordPath: j.store.RecordPath(j.id), LogPath: j.store.LogPath(j.id)}
}

func resumeOne(ctx context.Context, st *marker.Store, id marker.ID, boot string, witnesses *detect.BootWitnesses, q Query, probe detect.Probe) (*Result, error) {
	j := &job{store: st, id: id, probe: probe, now: nowFunc, version: q.Version, verifyTimeout: q.VerifyTimeout}
	lock, busy, err := j.lockOrBusy()
	if lock == nil {
		return busy, err
	}
	defer lock.Unlock()
	r, err := j.read()
	if err != nil || r == nil {
		return j.result(NoJob, nil), err
	}
	f := facts{boot: boot, maxAttempts: maxOr3(q.MaxAttempts), treeAlive: liveTree(r, boot)}
	f.sinceBoot, f.sinceBootKnown = sinceBoot(ctx, probe, r)
	d := decideJob(r, f)
	var log *jobLog
	if d.act == actFail || d.act == actFinalize {
		if witnesses != nil {
			w := *witnesses
			noteRecordBoot(&w, r, boot)
			j.witnesses = &w
		}
		if log, err = openJobLog(j, Options{LogFormat: q.LogFormat, LogPath: r.Log}, boot); err != nil {
			return nil, err
		}
		defer log.Close()
		logWitnesses(log, j.witnesses)
	}
	return j.apply(ctx, r, d, boot, true, log)
}

// apply turns a decision about an existing record into a result: actRun
// reports the record as it is (only Run starts children).
func (j *job) apply(ctx context.Context, r *marker.Record, d decision, boot string, write bool, log *jobLog) (*Result, error) {
	switch d.act {
	case actFail, actFinalize:
		return j.finalize(ctx, r, d, boot, "", write, log)
	case actRun:
		// A failed job that may run again.
		return j.result(failedOutcome(r), r), nil
	}
	return j.result(keptOutcome(d, r), r), nil
}

func maxOr3(n int) int {
	if n <= 0 {
		return 3
	}
	return n
}

// readJob is what status needs from disk about one job: its record (nil
// when it has none) and whether another upwrap holds its lock.
type readJob struct {
	rec    *marker.Record
	locked bool
	err    error
}

// readJobs reads the record and checks the lock file of each job, on a few
// goroutines when there are many: status --all spends most of its time
// there, each job is independent, and nothing is written. The results are
// in the order of ids; Status then decides each job in that order, as
// before, and stops at the first error.
func readJobs(st *marker.Store, ids []marker.ID) []readJob {
	out := make([]readJob, len(ids))
	if st == nil {
		return out
	}
	one := func(i int) {
		id := ids[i]
		r, err := (&job{store: st, id: id}).read()
		if err != nil || r == nil {
			out[i] = readJob{err: err}
			return
		}
		// The table asks whether another upwrap holds the job only for a
		// running or rebooting record (decide). For the others the lock
		// file is only trust-checked, without opening and probing it
		// (seven system calls per job in status --all).
		locked := false
		if r.State == marker.Running || r.State == marker.Rebooting {
			locked, err = st.Locked(id)
		} else {
			err = st.CheckLockFile(id)
		}
		out[i] = readJob{rec: r, locked: locked, err: err}
	}
	workers := min(runtime.GOMAXPROCS(0), 4, len(ids)/64)
	if workers < 2 {
		for i := range ids {
			one(i)
		}
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(ids); i = int(next.Add(1)) - 1 {
				one(i)
			}
		})
	}
	wg.Wait()
	return out
}
