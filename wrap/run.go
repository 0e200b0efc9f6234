package wrap

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// Run runs one job per the decision table of DESIGN §3. An error means
// upwrap itself could not act (bad input, state directory, corrupt record,
// boot identity); the child was then not started. Everything the child did
// is in the Result.
func Run(ctx context.Context, opts Options, probe detect.Probe) (*Result, error) {
	if len(opts.Argv) == 0 {
		return nil, fmt.Errorf("%w: no command given; put it after --, e.g. upwrap run -- setup.exe /quiet", ErrUsage)
	}
	if opts.Argv[0] == "" {
		return nil, fmt.Errorf("%w: the command name is empty", ErrUsage)
	}
	j, err := openJob(opts.StateDir, opts.Job, opts.Argv, true, probe)
	if err != nil {
		return nil, err
	}
	j.version = opts.Version
	j.verifyTimeout = opts.VerifyTimeout
	j.progress = opts.Progress
	hash := marker.ArgvHash(opts.Argv)

	lock, err := j.store.TryLock(j.id)
	if errors.Is(err, marker.ErrLocked) {
		// Another upwrap holds the job. It may only be checking a finished
		// job (an agent restarted twice); a success is still a success.
		r, _ := j.read()
		if r != nil && r.State == marker.Succeeded && (r.ArgvSHA256 == "" || r.ArgvSHA256 == hash) {
			return j.result(Succeeded, r), nil
		}
		return j.result(Busy, r), nil
	}
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if opts.Registry {
		if err := j.store.EnableMirror(j.id); err != nil {
			if errors.Is(err, marker.ErrMirrorUnsupported) {
				return nil, fmt.Errorf("%w: --registry: %w", ErrUsage, err)
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
	d := decide(rec, facts{boot: boot, argvHash: hash, maxAttempts: opts.maxAttempts(), treeAlive: liveTree(rec, boot)})
	if opts.LogPath == "" && rec != nil {
		// The job keeps the log its first run chose.
		opts.LogPath = rec.Log
	}
	switch d.act {
	case actKeep:
		return j.result(keptOutcome(d, rec), rec), nil
	case actFail, actFinalize:
		log, err := openJobLog(j, opts, boot)
		if err != nil {
			return nil, err
		}
		defer log.Close()
		logWitnesses(log, witnesses)
		return j.finalize(ctx, rec, d, boot, opts.Verify, true, log)
	}

	log, err := openJobLog(j, opts, boot)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	logWitnesses(log, witnesses)
	j.warn = func(err error) {
		log.event("warning", "error", err.Error())
		if opts.Stderr != nil {
			fmt.Fprintf(opts.Stderr, "upwrap: warning: %v\n", err)
		}
	}

	if busy, why := machineBusy(ctx, probe); busy {
		log.event("machine busy; not starting", "why", why)
		return j.result(Busy, rec), nil
	}
	attempts := 0
	if rec != nil {
		attempts = rec.Attempts
	}
	if opts.Verify != "" {
		j.report(WaitVerify, 0)
		if ok, _ := runVerify(ctx, opts.Verify, opts.VerifyTimeout, log); ok {
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
			log.event("state recorded", "state", string(n.State), "reason", n.Reason)
			return j.result(Succeeded, n), nil
		}
	}
	return runChild(ctx, j, opts, rec, boot, hash, attempts, log)
}

// machineBusy asks the probe, when it can tell, whether another installation
// is in progress (Windows Installer's mutex, servicing in progress).
func machineBusy(ctx context.Context, probe detect.Probe) (bool, string) {
	if b, ok := probe.(detect.BusyChecker); ok {
		return b.Busy(ctx)
	}
	return false, ""
}
