package wrap

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/internal/journal"
	"github.com/upwrap/upwrap/marker"
)

// Run runs one job per the decision table of docs/design.md §3. An error means
// upwrap itself could not act (bad input, state directory, corrupt record,
// boot identity); the child was then not started. Everything the child did
// is in the Result. With Options.Textfile the textfile is rewritten after
// each record write, in the background, and once more at the end.
func Run(ctx context.Context, opts Options, probe detect.Probe) (*Result, error) {
	tf := startTextfile(opts.Textfile, opts.StateDir, probe)
	res, err := run(ctx, opts, probe, tf)
	if terr := tf.close(); terr != nil && opts.Stderr != nil {
		journal.Say(opts.Stderr, journal.Warning, fmt.Sprintf("upwrap: warning: %v", terr))
	}
	return res, err
}

func run(ctx context.Context, opts Options, probe detect.Probe, tf *textfile) (*Result, error) {
	j, err := openRun(&opts, probe, tf)
	if err != nil {
		return nil, err
	}
	var log *jobLog
	j.say = func(msg string) {
		log.event(evWarning, "warning", msg)
		if opts.Stderr != nil {
			journal.Say(opts.Stderr, journal.Warning, "upwrap: warning: "+msg)
		}
	}
	hash := marker.ArgvHash(opts.Argv)
	lock, err := j.store.TryLock(j.id)
	if errors.Is(err, marker.ErrLocked) {
		return lockedResult(j, hash), nil
	}
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	// Room reserved for the record and not used is given back, whatever
	// happens (docs/design.md §6).
	defer j.store.Release(j.id)
	if opts.Registry {
		if err := j.store.EnableMirror(j.id); err != nil {
			if errors.Is(err, marker.ErrMirrorUnsupported) {
				return nil, &OptionError{Option: OptRegistry, Text: "{option}", Err: err}
			}
			return nil, err
		}
	}

	rec, err := j.read()
	if err != nil {
		return nil, err
	}
	boot, witnesses, err := readBoot(ctx, probe)
	if err != nil {
		return nil, err
	}
	noteRecordBoot(witnesses, rec, boot)
	j.witnesses = witnesses
	f := facts{boot: boot, argvHash: hash, maxAttempts: opts.maxAttempts(), treeAlive: liveTree(rec, boot)}
	f.sinceBoot, f.sinceBootKnown = sinceBoot(ctx, probe, rec)
	d := decideJob(rec, f)
	if opts.LogPath == "" && rec != nil {
		// The job keeps the log its first run chose.
		opts.LogPath = rec.Log
	}
	if d.act == actKeep {
		return j.result(keptOutcome(d, rec), rec), nil
	}
	if log, err = openJobLog(j, opts, boot); err != nil {
		return nil, err
	}
	defer log.Close()
	logWitnesses(log, witnesses)
	if d.act == actFail || d.act == actFinalize {
		return j.finalize(ctx, rec, d, boot, opts.Verify, true, log)
	}

	if busy, why := machineBusy(ctx, probe); busy {
		log.event(evMachineBusy, "why", why)
		return j.result(Busy, rec), nil
	}
	attempts := 0
	if rec != nil {
		attempts = rec.Attempts
	}
	if opts.Verify != "" {
		if res, err := verifyFirst(ctx, j, opts, rec, boot, hash, attempts, log); res != nil || err != nil {
			return res, err
		}
	}
	return runChild(ctx, j, opts, rec, boot, hash, attempts, log)
}

// openRun checks the run's input and opens its job (not locked yet).
func openRun(opts *Options, probe detect.Probe, tf *textfile) (*job, error) {
	if len(opts.Argv) == 0 {
		return nil, fmt.Errorf("%w: no command given; put it after --, e.g. upwrap run -- setup.exe /quiet", ErrUsage)
	}
	if opts.Argv[0] == "" {
		return nil, fmt.Errorf("%w: the command name is empty", ErrUsage)
	}
	cmdLine, err := childCmdLine(opts.Argv, opts.RawCmdLine)
	if err != nil {
		return nil, err
	}
	opts.cmdLine = cmdLine
	j, err := openJob(opts.StateDir, opts.Job, opts.Argv, true, probe)
	if err != nil {
		return nil, err
	}
	j.version = opts.Version
	j.verifyTimeout = opts.VerifyTimeout
	j.progress = opts.Progress
	j.textfile = tf
	j.recordRetry = opts.recordRetry()
	if def := j.store.LogPath(j.id); opts.LogPath != "" && !sameFile(opts.LogPath, def) && inStateDir(j.store.Dir(), opts.LogPath) {
		return nil, &OptionError{Option: OptLogPath, Value: opts.LogPath, Facts: []string{j.store.Dir(), def},
			Text: "{option} {value} is inside the state directory {1}; only the job's own log {2} may be there: give a path outside it, or leave {option} out"}
	}
	return j, nil
}

// lockedResult is the result when another upwrap holds the job. It may
// only be checking a finished job (an agent restarted twice); a success is
// still a success. A record of another command line is never this one's.
func lockedResult(j *job, hash string) *Result {
	r, _ := j.read()
	switch {
	case otherArgv(r, hash):
		return j.result(Conflict, r)
	case r != nil && r.State == marker.Succeeded:
		return j.result(Succeeded, r)
	}
	return j.result(Busy, r)
}

// verifyFirst runs the verify command before the child: when it passes, the
// change is already in place and the job is recorded succeeded without
// starting the child. A nil result means: start the child.
func verifyFirst(ctx context.Context, j *job, opts Options, rec *marker.Record, boot, hash string, attempts int, log *jobLog) (*Result, error) {
	j.report(WaitVerify, 0)
	if ok, _ := runVerify(ctx, opts.Verify, opts.VerifyTimeout, log); !ok {
		return nil, nil
	}
	now := j.now().UTC()
	n := &marker.Record{
		Job: j.id, State: marker.Succeeded, Argv: slices.Clone(opts.Argv), ArgvSHA256: hash,
		Attempts: attempts, FinishedAt: &now, BootStart: boot, BootEnd: boot,
		Reason: "verify passed before the child was started: already in place", Source: sourceVerify,
		ExpectReboot: opts.ExpectReboot, Verify: opts.Verify, Log: j.logPath, Host: hostname(), Version: opts.Version,
	}
	if rec != nil {
		n.Extra = rec.Extra
	}
	if err := j.write(n); err != nil {
		return nil, err
	}
	log.event(recordedEvent(n.State), "state", string(n.State), "reason", n.Reason)
	return j.result(Succeeded, n), nil
}

// sameFile reports whether a and b name the same path once made absolute
// (on Windows regardless of case, as filepath.Rel compares there).
func sameFile(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(aa, ab)
	return err == nil && rel == "."
}

// machineBusy asks the probe, when it can tell, whether another installation
// is in progress (Windows Installer's mutex, servicing in progress).
func machineBusy(ctx context.Context, probe detect.Probe) (bool, string) {
	if b, ok := probe.(detect.BusyChecker); ok {
		return b.Busy(ctx)
	}
	return false, ""
}
