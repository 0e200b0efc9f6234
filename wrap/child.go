package wrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/internal/crashpoint"
	"github.com/upwrap/upwrap/marker"
)

// pipeGrace is how long upwrap waits, when it does not wait for the whole
// tree, for descendants to close the child's output pipes.
const pipeGrace = 2 * time.Second

// treeGrace is how long after the child's exit upwrap still reports that it
// waits for the command: a child that leaves no process behind is done
// within it, and "waiting for the process tree" would be a false report.
const treeGrace = 250 * time.Millisecond

// runChild records "running", starts the child, waits for it (and its tree)
// while answering signals and the timeout, and records the outcome.
func runChild(ctx context.Context, j *job, opts Options, prev *marker.Record, boot, hash string, attempts int, log *jobLog) (*Result, error) {
	base := &marker.Record{
		Job: j.id, Argv: slices.Clone(opts.Argv), ArgvSHA256: hash, Attempts: attempts,
		BootStart: boot, ExpectReboot: opts.ExpectReboot, Verify: opts.Verify,
		Log: j.logPath, Host: hostname(), Version: opts.Version,
	}
	if prev != nil {
		base.Extra = prev.Extra
	}
	base.Extra = withAwaitMark(base.Extra, opts.AwaitMark)

	path, err := exec.LookPath(opts.Argv[0])
	if err != nil {
		failure, o := failNotFound, NotFound
		if errors.Is(err, fs.ErrPermission) {
			failure, o = failCannotExecute, CannotExecute
		}
		return j.recordFinal(j.finish(base, marker.Failed, boot, sourceExec, fmt.Sprintf("cannot start %s: %v", opts.Argv[0], unwrapExec(err)), failure), o, log)
	}

	before := j.probe.PendingReboot(ctx)

	// Signals are taken before the record says "running", so that none is
	// missed between the record and the child.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, noticeSignals...)
	defer signal.Stop(sigs)
	// A closed stdout must never kill upwrap while the upgrade runs: with
	// SIGPIPE notified, writes return EPIPE instead (and the child still gets
	// the default disposition).
	signal.Notify(make(chan os.Signal, 1), sigPipe...)
	// Shutdown notices that are not signals (Windows), taken before the
	// record says "running" for the same reason.
	notices, stopNotices := watchNotices(ctx, j.probe, log)
	defer stopNotices()

	// Room for the final record, before anything can fill the disk.
	if err := j.reserve(base, log); err != nil {
		return nil, err
	}
	running := *base
	now := j.now().UTC()
	running.State, running.Attempts, running.StartedAt, running.Reason = marker.Running, attempts+1, &now, "started"
	if err := j.write(&running); err != nil {
		return nil, err
	}
	crashpoint.Hit("after-running-record")

	cmd := exec.Command(path, opts.Argv[1:]...)
	cmd.Args = slices.Clone(opts.Argv)
	setCmdLine(cmd, opts.cmdLine)
	cmd.Stdin = opts.Stdin
	cmd.Env = childEnv(os.Environ())
	// A stdin that is not a file is copied by os/exec; its copy must not
	// keep upwrap waiting either.
	cmd.WaitDelay = pipeGrace
	stdout, stderr := log.tee("stdout", opts.Stdout), log.tee("stderr", opts.Stderr)
	outs, err := newOutputs()
	if err != nil {
		return j.recordFinal(j.finish(&running, marker.Failed, boot, sourceExec, fmt.Sprintf("cannot start %s: %v", opts.Argv[0], err), failCannotExecute), CannotExecute, log)
	}
	cmd.Stdout, cmd.Stderr = outs.w[0], outs.w[1]
	tr := newTree(cmd, opts.WaitTree, opts.Stdin)
	tr.onDaemon = func(pid int, name string) {
		log.event(evDaemonLeftRunning, "pid", pid, "name", name)
	}
	// Logged before the start, so that no output of the child precedes it.
	log.event(evStartingChild, "argv", opts.Argv, "attempt", running.Attempts)
	if err := cmd.Start(); err != nil {
		outs.close()
		tr.restore()
		return j.recordFinal(j.finish(&running, marker.Failed, boot, sourceExec, fmt.Sprintf("cannot start %s: %v", opts.Argv[0], unwrapExec(err)), failCannotExecute), CannotExecute, log)
	}
	outs.start([2]io.Writer{stdout, stderr})
	tr.started(cmd.Process.Pid)
	// The child's identity goes into the record, so that a later upwrap
	// answers busy while the tree lives, even if this one died
	// (docs/design.md §5, "A job stays busy while its upgrade lives").
	id := tr.identity()
	running.Child = &id
	if err := j.write(&running); err != nil {
		log.event(evIdentityNotRecorded, "error", err.Error())
	}
	crashpoint.Hit("after-child-start")
	log.event(evChildStarted, "child_pid", cmd.Process.Pid)
	if n := tr.startNote(); n != "" {
		log.event(evInAnotherJob, "note", n)
	}
	j.report(WaitChild, running.Attempts)
	started := time.Now()
	phase := WaitChild
	// The child's own exit is told apart from the tree's end, to tell
	// "waiting for the command" from "waiting for its process tree".
	childExited := make(chan struct{})
	var exited <-chan struct{}
	if opts.WaitTree {
		exited = childExited
	}
	var treeWait, heartbeat <-chan time.Time
	if hb := opts.heartbeat(); hb > 0 {
		t := time.NewTicker(hb)
		defer t.Stop()
		heartbeat = t.C
	}
	// Ctrl-Z when upwrap, not the child, has the terminal.
	tstp := make(chan os.Signal, 1)
	if len(sigStop) > 0 {
		signal.Notify(tstp, sigStop...)
		defer signal.Stop(tstp)
	}

	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(childExited)
		if opts.WaitTree {
			tr.waitRest(outs.eof)
		}
		outs.wait(pipeGrace)
		tr.restore()
		close(done)
	}()

	var timeout <-chan time.Time
	if opts.Timeout > 0 {
		t := time.NewTimer(opts.Timeout)
		defer t.Stop()
		timeout = t.C
	}

	var (
		timedOut   bool
		cancelled  string // the operator's signal, once forwarded
		noticeRec  *marker.Record
		heard      detect.Notice // the strongest shutdown notice heard
		interrupts int
	)
	// onNotice answers a shutdown notice: a signal (sig set), or a notice
	// from the probe's watcher (sig nil), which is recorded before the
	// watcher answers the OS.
	logNotice := func(n detect.Notice) {
		log.event(evTerminationNotice, "signal", n.Signal, "confirmed", n.Confirmed, "witness", n.Witness, "detail", n.Detail)
	}
	// recordNotice writes a notice's record: on the shutdown path the write
	// comes first, and the log (which may reach the system log) after it.
	recordNotice := func(n detect.Notice, r *marker.Record) {
		err := j.write(r)
		logNotice(n)
		if err != nil {
			log.event(evNoticeNotRecorded, "error", err.Error())
			return
		}
		noticeRec = r
	}
	onNotice := func(n detect.Notice, sig os.Signal) {
		if heard.Signal == "" || n.Confirmed && !heard.Confirmed {
			heard = n
		}
		switch {
		case opts.ExpectReboot && (noticeRec == nil || n.Confirmed && !noticeRec.ShutdownConfirmed):
			// Write first, then keep waiting: never kill the upgrade. A
			// later notice rewrites the record only to confirm it.
			r := j.finish(&running, marker.Rebooting, boot, "signal:"+n.Signal, noticeReason(n), "")
			r.FinishedAt = nil
			r.ShutdownConfirmed = n.Confirmed
			recordNotice(n, r)
		case !opts.ExpectReboot && n.Confirmed && noticeRec == nil:
			r := j.finish(&running, marker.Failed, boot, "signal:"+n.Signal,
				"interrupted by shutdown ("+n.Witness+"); may run again after the restart", failShutdown)
			r.ShutdownConfirmed = true
			recordNotice(n, r)
		case opts.ExpectReboot || n.Confirmed:
			// Already recorded.
			logNotice(n)
		case sig == nil:
			// An unconfirmed window notice (WM_QUERYENDSESSION) is no
			// operator's stop: wait, the boot identity decides later.
			logNotice(n)
			log.event(evUnconfirmedNotice, "signal", n.Signal)
		default:
			logNotice(n)
			cancelled = "signal:" + n.Signal
			log.event(evOperatorStop, "signal", n.Signal)
			tr.signal(sig)
		}
	}
wait:
	for {
		select {
		case <-done:
			break wait
		case <-exited:
			exited, treeWait = nil, time.After(treeGrace)
		case <-tr.stopped:
			log.event(evStoppedAtTerminal)
			tr.suspend()
			log.event(evContinued)
		case <-tstp:
			log.event(evStopSignal)
			tr.suspend()
			log.event(evContinued)
		case <-treeWait:
			treeWait = nil
			phase = WaitTree
			j.report(WaitTree, running.Attempts)
		case <-heartbeat:
			log.event(evHeartbeat, "waiting_for", phase.String(), "elapsed", time.Since(started).Round(time.Second).String())
		case <-timeout:
			timedOut = true
			log.event(evTimeout, "timeout", opts.Timeout.String())
			tr.kill()
		case sig := <-sigs:
			if isInterrupt(sig) {
				interrupts++
				cancelled = "signal:" + detect.SignalName(sig)
				if interrupts == 1 {
					log.event(evInterrupt, "signal", detect.SignalName(sig))
					tr.signal(sig)
				} else {
					log.event(evSecondInterrupt)
					tr.kill()
				}
				continue
			}
			onNotice(j.probe.ShutdownNotice(ctx, sig), sig)
		case req := <-notices:
			j.writeBy = req.by
			onNotice(req.n, nil)
			j.writeBy = time.Time{}
			close(req.done)
		}
	}
	running.Daemons = tr.leftDaemons()
	crashpoint.Hit("after-child-exit")
	stdout.flush()
	stderr.flush()

	ps := cmd.ProcessState
	code := int64(ps.ExitCode())
	sig := exitSignal(ps)
	log.event(evChildExited, "exit_code", code, "signal", sig)

	win := &shutdownWindow{
		sigs: sigs, notices: notices, probe: j.probe, grace: opts.shutdownGrace(), log: log,
		onNotice: func(n detect.Notice) { onNotice(n, nil) },
		onSignal: func(s os.Signal) {
			if isInterrupt(s) {
				// The child has ended: nothing left to forward to.
				cancelled = "signal:" + detect.SignalName(s)
				log.event(evInterruptAfterEnd, "signal", detect.SignalName(s))
				return
			}
			onNotice(j.probe.ShutdownNotice(ctx, s), s)
		},
		heard: func(f exitFacts) exitFacts {
			f.cancelled = cancelled
			switch {
			case noticeRec != nil && noticeRec.ShutdownConfirmed:
				f.notice = noticeConfirmed
			case heard.Signal != "":
				f.notice = noticeUnconfirmed
			}
			f.noticeSignal = heard.Signal
			if heard.Confirmed && f.witness == "" {
				f.witness = heard.Witness
			}
			return f
		},
	}
	d := win.settle(ctx, exitFacts{
		timedOut: timedOut, code: code, sig: sig, expectReboot: opts.ExpectReboot, grace: win.grace, timeout: opts.Timeout,
		successCodes: opts.SuccessCodes, rebootCodes: opts.RebootCodes, restartCodes: opts.RestartCodes, signalCodes: signalCodes(runtime.GOOS),
	})
	var final *marker.Record
	outcome := d.outcome
	switch d.act {
	case exitKeepNotice:
		log.event(evNoticeRecordStands, "state", string(noticeRec.State), "exit_code", code, "signal", sig)
		res := j.result(outcome, noticeRec)
		res.Started = true
		return res, nil
	case exitSucceeded:
		after := j.probe.PendingReboot(ctx)
		intro := detect.Introduced(before, after, opts.IgnorePending)
		if len(intro) > 0 {
			final = j.finish(&running, marker.RebootRequired, boot, "pending:"+intro[0],
				fmt.Sprintf("succeeded; a reboot is pending (%s, introduced by this run)", strings.Join(intro, ", ")), "")
			final.PendingIntroduced = intro
			outcome = RebootRequired
		} else {
			final = j.finish(&running, marker.Succeeded, boot, sourceExitCode, fmt.Sprintf("child exited with %d", code), "")
		}
		final.ExitCode = &code
	case exitRebootRequired:
		after := j.probe.PendingReboot(ctx)
		final = j.finish(&running, marker.RebootRequired, boot, sourceExitCode, fmt.Sprintf("succeeded; child exited with %d: a reboot is required", code), "")
		final.PendingIntroduced = detect.Introduced(before, after, opts.IgnorePending)
		final.ExitCode = &code
	default:
		final = j.finish(&running, d.state, boot, d.source, d.reason, d.failure)
		if d.keepCode {
			final.ExitCode = &code
		}
		final.ShutdownConfirmed = d.confirmed
		if d.unfinished {
			final.FinishedAt = nil
		}
	}
	crashpoint.Hit("before-final-record")
	res, err := j.recordFinal(final, outcome, log)
	if res != nil {
		res.Started = true
	}
	return res, err
}

// recordFinal writes the final record (in the room reserved for it, and
// retried for a bounded time: docs/design.md §6) and returns the result.
// When it cannot be written, the error says how the job ended.
func (j *job) recordFinal(r *marker.Record, o Outcome, log *jobLog) (*Result, error) {
	if err := j.writeFinal(r, log); err != nil {
		log.event(evRecordFailed, "state", string(r.State), "reason", r.Reason, "error", err.Error())
		return nil, fmt.Errorf("job %s ended %s (%s), but the record could not be written within %s: %w", j.id, r.State, r.Reason, j.recordRetry, err)
	}
	log.event(recordedEvent(r.State), "state", string(r.State), "reason", r.Reason, "source", r.Source)
	return j.result(o, r), nil
}

func noticeReason(n detect.Notice) string {
	if n.Confirmed {
		return "restarting: shutdown notice " + n.Signal + " confirmed by " + n.Witness
	}
	return "restarting: shutdown notice " + n.Signal + " (not confirmed by the system); a restart will complete the job"
}

func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}
