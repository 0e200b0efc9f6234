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

// childRun is one attempt at running the child: what runChild's pieces
// share. It lives for one call of runChild.
type childRun struct {
	ctx  context.Context
	j    *job
	opts Options
	log  *jobLog
	boot string
	// running is the record while the child runs.
	running marker.Record
	// before are the reboot-pending sources before the child started.
	before []detect.PendingSource
	// sigs and notices bring the shutdown notices (signals, and the
	// probe's watcher); tstp, from the wait on, a stop signal (Ctrl-Z)
	// upwrap itself got.
	sigs    chan os.Signal
	notices <-chan noticeReq
	tstp    chan os.Signal

	cmd            *exec.Cmd
	tr             processTree
	outs           *outputs
	stdout, stderr *teeWriter

	// What the wait heard.
	timedOut   bool
	cancelled  string         // the operator's signal, once forwarded
	noticeRec  *marker.Record // the record written at a shutdown notice
	heard      detect.Notice  // the strongest shutdown notice heard
	interrupts int
}

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
	c := &childRun{ctx: ctx, j: j, opts: opts, log: log, boot: boot}
	c.before = j.probe.PendingReboot(ctx)

	// Signals are taken before the record says "running", so that none is
	// missed between the record and the child.
	c.sigs = make(chan os.Signal, 8)
	signal.Notify(c.sigs, noticeSignals...)
	defer signal.Stop(c.sigs)
	// A closed stdout must never kill upwrap while the upgrade runs: with
	// SIGPIPE notified, writes return EPIPE instead (and the child still gets
	// the default disposition).
	signal.Notify(make(chan os.Signal, 1), sigPipe...)
	// Shutdown notices that are not signals (Windows), taken before the
	// record says "running" for the same reason.
	notices, stopNotices := watchNotices(ctx, j.probe, log)
	defer stopNotices()
	c.notices = notices
	// The stop signals wait takes are taken until the outcome is recorded.
	defer func() {
		if c.tstp != nil {
			signal.Stop(c.tstp)
		}
	}()

	// Room for the final record, before anything can fill the disk.
	if err := j.reserve(base, log); err != nil {
		return nil, err
	}
	c.running = *base
	now := j.now().UTC()
	c.running.State, c.running.Attempts, c.running.StartedAt, c.running.Reason = marker.Running, attempts+1, &now, "started"
	if err := j.write(&c.running); err != nil {
		return nil, err
	}
	crashpoint.Hit("after-running-record")

	if res, err := c.start(path); res != nil || err != nil {
		return res, err
	}
	c.wait()
	c.running.Daemons = c.tr.leftDaemons()
	crashpoint.Hit("after-child-exit")
	c.stdout.flush()
	c.stderr.flush()
	return c.finish()
}

// start starts the child in its process tree and records its identity. A
// child that cannot be started is recorded failed: start then returns the
// result.
func (c *childRun) start(path string) (*Result, error) {
	opts, log := c.opts, c.log
	cmd := exec.Command(path, opts.Argv[1:]...)
	cmd.Args = slices.Clone(opts.Argv)
	setCmdLine(cmd, opts.cmdLine)
	cmd.Stdin = opts.Stdin
	cmd.Env = childEnv(os.Environ())
	// A stdin that is not a file is copied by os/exec; its copy must not
	// keep upwrap waiting either.
	cmd.WaitDelay = pipeGrace
	c.cmd = cmd
	c.stdout, c.stderr = log.tee("stdout", opts.Stdout), log.tee("stderr", opts.Stderr)
	outs, err := newOutputs()
	if err != nil {
		return c.cannotStart(err)
	}
	c.outs = outs
	cmd.Stdout, cmd.Stderr = outs.w[0], outs.w[1]
	var tr processTree = newTree(cmd, opts.WaitTree, opts.Stdin)
	c.tr = tr
	tr.onDaemonLeft(func(pid int, name string) {
		log.event(evDaemonLeftRunning, "pid", pid, "name", name)
	})
	// Logged before the start, so that no output of the child precedes it.
	log.event(evStartingChild, "argv", opts.Argv, "attempt", c.running.Attempts)
	if err := cmd.Start(); err != nil {
		outs.close()
		tr.restore()
		return c.cannotStart(unwrapExec(err))
	}
	outs.start([2]io.Writer{c.stdout, c.stderr})
	tr.started(cmd.Process.Pid)
	// The child's identity goes into the record, so that a later upwrap
	// answers busy while the tree lives, even if this one died
	// (docs/design.md §5, "A job stays busy while its upgrade lives").
	id := tr.identity()
	c.running.Child = &id
	if err := c.j.write(&c.running); err != nil {
		log.event(evIdentityNotRecorded, "error", err.Error())
	}
	crashpoint.Hit("after-child-start")
	log.event(evChildStarted, "child_pid", cmd.Process.Pid)
	if n := tr.startNote(); n != "" {
		log.event(evInAnotherJob, "note", n)
	}
	return nil, nil
}

// cannotStart records that the child could not be started.
func (c *childRun) cannotStart(err error) (*Result, error) {
	reason := fmt.Sprintf("cannot start %s: %v", c.opts.Argv[0], err)
	return c.j.recordFinal(c.j.finish(&c.running, marker.Failed, c.boot, sourceExec, reason, failCannotExecute), CannotExecute, c.log)
}

// wait waits for the child and, with WaitTree, its process tree, while it
// answers the terminal, the heartbeat, the timeout, signals and shutdown
// notices. It returns when the child's output is closed and its tree is
// done (or, without WaitTree, the child has exited).
func (c *childRun) wait() {
	opts, log, tr := c.opts, c.log, c.tr
	c.j.report(WaitChild, c.running.Attempts)
	started := time.Now()
	phase := WaitChild
	// The child's own exit is told apart from the tree's end, to tell
	// "waiting for the command" from "waiting for its process tree".
	childExited := make(chan struct{})
	var exited <-chan struct{}
	if opts.WaitTree {
		exited = childExited
	}
	var treeWait, heartbeat, timeout <-chan time.Time
	if hb := opts.heartbeat(); hb > 0 {
		t := time.NewTicker(hb)
		defer t.Stop()
		heartbeat = t.C
	}
	if opts.Timeout > 0 {
		t := time.NewTimer(opts.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	// Ctrl-Z when upwrap, not the child, has the terminal.
	c.tstp = make(chan os.Signal, 1)
	if len(sigStop) > 0 {
		signal.Notify(c.tstp, sigStop...)
	}
	done := make(chan struct{})
	go func() {
		c.cmd.Wait()
		close(childExited)
		if opts.WaitTree {
			tr.waitRest(c.outs.eof)
		}
		c.outs.wait(pipeGrace)
		tr.restore()
		close(done)
	}()
	for {
		select {
		case <-done:
			return
		case <-exited:
			exited, treeWait = nil, time.After(treeGrace)
		case <-tr.stops():
			log.event(evStoppedAtTerminal)
			tr.suspend()
			log.event(evContinued)
		case <-c.tstp:
			log.event(evStopSignal)
			tr.suspend()
			log.event(evContinued)
		case <-treeWait:
			treeWait = nil
			phase = WaitTree
			c.j.report(WaitTree, c.running.Attempts)
		case <-heartbeat:
			log.event(evHeartbeat, "waiting_for", phase.String(), "elapsed", time.Since(started).Round(time.Second).String())
		case <-timeout:
			c.timedOut = true
			log.event(evTimeout, "timeout", opts.Timeout.String())
			tr.kill()
		case sig := <-c.sigs:
			c.onSignal(sig)
		case req := <-c.notices:
			c.j.writeBy = req.by
			c.onNotice(req.n, nil)
			c.j.writeBy = time.Time{}
			close(req.done)
		}
	}
}

// onSignal answers a signal while the child runs: the first interrupt is
// forwarded to the tree, the second kills it; any other signal is a
// shutdown notice.
func (c *childRun) onSignal(sig os.Signal) {
	if !isInterrupt(sig) {
		c.onNotice(c.j.probe.ShutdownNotice(c.ctx, sig), sig)
		return
	}
	c.interrupts++
	c.cancelled = "signal:" + detect.SignalName(sig)
	if c.interrupts == 1 {
		c.log.event(evInterrupt, "signal", detect.SignalName(sig))
		c.tr.signal(sig)
	} else {
		c.log.event(evSecondInterrupt)
		c.tr.kill()
	}
}

// onNotice answers a shutdown notice: a signal (sig set), or a notice from
// the probe's watcher (sig nil), which is recorded before the watcher
// answers the OS.
func (c *childRun) onNotice(n detect.Notice, sig os.Signal) {
	if c.heard.Signal == "" || n.Confirmed && !c.heard.Confirmed {
		c.heard = n
	}
	switch {
	case c.opts.ExpectReboot && (c.noticeRec == nil || n.Confirmed && !c.noticeRec.ShutdownConfirmed):
		// Write first, then keep waiting: never kill the upgrade. A
		// later notice rewrites the record only to confirm it.
		r := c.j.finish(&c.running, marker.Rebooting, c.boot, "signal:"+n.Signal, noticeReason(n), "")
		r.FinishedAt = nil
		r.ShutdownConfirmed = n.Confirmed
		c.recordNotice(n, r)
	case !c.opts.ExpectReboot && n.Confirmed && c.noticeRec == nil:
		r := c.j.finish(&c.running, marker.Failed, c.boot, "signal:"+n.Signal,
			"interrupted by shutdown ("+n.Witness+"); may run again after the restart", failShutdown)
		r.ShutdownConfirmed = true
		c.recordNotice(n, r)
	case c.opts.ExpectReboot || n.Confirmed:
		// Already recorded.
		c.logNotice(n)
	case sig == nil:
		// An unconfirmed window notice (WM_QUERYENDSESSION) is no
		// operator's stop: wait, the boot identity decides later.
		c.logNotice(n)
		c.log.event(evUnconfirmedNotice, "signal", n.Signal)
	default:
		c.logNotice(n)
		c.cancelled = "signal:" + n.Signal
		c.log.event(evOperatorStop, "signal", n.Signal)
		c.tr.signal(sig)
	}
}

// logNotice logs a shutdown notice.
func (c *childRun) logNotice(n detect.Notice) {
	c.log.event(evTerminationNotice, "signal", n.Signal, "confirmed", n.Confirmed, "witness", n.Witness, "detail", n.Detail)
}

// recordNotice writes a notice's record: on the shutdown path the write
// comes first, and the log (which may reach the system log) after it.
func (c *childRun) recordNotice(n detect.Notice, r *marker.Record) {
	err := c.j.write(r)
	c.logNotice(n)
	if err != nil {
		c.log.event(evNoticeNotRecorded, "error", err.Error())
		return
	}
	c.noticeRec = r
}

// finish classifies the child's end — in the shutdown window
// (docs/design.md §12) where the end is abnormal — and records the outcome.
func (c *childRun) finish() (*Result, error) {
	ps := c.cmd.ProcessState
	code := int64(ps.ExitCode())
	sig := exitSignal(ps)
	c.log.event(evChildExited, "exit_code", code, "signal", sig)
	d := c.settle(code, sig)
	if d.act == exitKeepNotice {
		c.log.event(evNoticeRecordStands, "state", string(c.noticeRec.State), "exit_code", code, "signal", sig)
		res := c.j.result(d.outcome, c.noticeRec)
		res.Started = true
		return res, nil
	}
	final, outcome := c.finalRecord(d, code)
	crashpoint.Hit("before-final-record")
	res, err := c.j.recordFinal(final, outcome, c.log)
	if res != nil {
		res.Started = true
	}
	return res, err
}

// settle decides what the child's end means, taking the notices that come
// in the shutdown window as the wait did.
func (c *childRun) settle(code int64, sig string) exitDecision {
	opts := c.opts
	win := &shutdownWindow{
		sigs: c.sigs, notices: c.notices, probe: c.j.probe, grace: opts.shutdownGrace(), log: c.log,
		onNotice: func(n detect.Notice) { c.onNotice(n, nil) },
		onSignal: func(s os.Signal) {
			if isInterrupt(s) {
				// The child has ended: nothing left to forward to.
				c.cancelled = "signal:" + detect.SignalName(s)
				c.log.event(evInterruptAfterEnd, "signal", detect.SignalName(s))
				return
			}
			c.onNotice(c.j.probe.ShutdownNotice(c.ctx, s), s)
		},
		heard: c.heardFacts,
	}
	return win.settle(c.ctx, exitFacts{
		timedOut: c.timedOut, code: code, sig: sig, expectReboot: opts.ExpectReboot, grace: win.grace, timeout: opts.Timeout,
		successCodes: opts.SuccessCodes, rebootCodes: opts.RebootCodes, restartCodes: opts.RestartCodes, signalCodes: signalCodes(runtime.GOOS),
	})
}

// heardFacts adds to f what the run heard so far: the operator's stop and
// the shutdown notice.
func (c *childRun) heardFacts(f exitFacts) exitFacts {
	f.cancelled = c.cancelled
	switch {
	case c.noticeRec != nil && c.noticeRec.ShutdownConfirmed:
		f.notice = noticeConfirmed
	case c.heard.Signal != "":
		f.notice = noticeUnconfirmed
	}
	f.noticeSignal = c.heard.Signal
	if c.heard.Confirmed && f.witness == "" {
		f.witness = c.heard.Witness
	}
	return f
}

// finalRecord is the final record of decision d (not exitKeepNotice) and
// its outcome; a success that left a reboot pending is reboot-required.
func (c *childRun) finalRecord(d exitDecision, code int64) (*marker.Record, Outcome) {
	j, opts := c.j, c.opts
	var final *marker.Record
	outcome := d.outcome
	switch d.act {
	case exitSucceeded:
		intro := detect.Introduced(c.before, j.probe.PendingReboot(c.ctx), opts.IgnorePending)
		if len(intro) > 0 {
			final = j.finish(&c.running, marker.RebootRequired, c.boot, "pending:"+intro[0],
				fmt.Sprintf("succeeded; a reboot is pending (%s, introduced by this run)", strings.Join(intro, ", ")), "")
			final.PendingIntroduced = intro
			outcome = RebootRequired
		} else {
			final = j.finish(&c.running, marker.Succeeded, c.boot, sourceExitCode, fmt.Sprintf("child exited with %d", code), "")
		}
		final.ExitCode = &code
	case exitRebootRequired:
		after := j.probe.PendingReboot(c.ctx)
		final = j.finish(&c.running, marker.RebootRequired, c.boot, sourceExitCode, fmt.Sprintf("succeeded; child exited with %d: a reboot is required", code), "")
		final.PendingIntroduced = detect.Introduced(c.before, after, opts.IgnorePending)
		final.ExitCode = &code
	default:
		final = j.finish(&c.running, d.state, c.boot, d.source, d.reason, d.failure)
		if d.keepCode {
			final.ExitCode = &code
		}
		final.ShutdownConfirmed = d.confirmed
		if d.unfinished {
			final.FinishedAt = nil
		}
	}
	return final, outcome
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
