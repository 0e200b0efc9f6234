package wrap

import (
	"context"
	"os"
	"time"

	"github.com/upwrap/upwrap/detect"
)

// DefaultShutdownGrace is how long, with --expect-reboot, upwrap waits for
// a shutdown notice after its child was killed by a signal that no notice
// explained (docs/design.md §12): longer than busybox init leaves between its
// SIGTERM and SIGKILL (about 1 s), Windows leaves a console process after
// CTRL_SHUTDOWN_EVENT (5 s) and sysvinit's sendsigs waits (up to 10 s); far
// shorter than systemd's TimeoutStopSec (90 s by default).
const DefaultShutdownGrace = 15 * time.Second

// shutdownWindow gathers the facts of a child's end that the notices and
// witnesses decide: at a shutdown the notice and the end of the child come
// in either order. It is the effectful half of classifyExit.
type shutdownWindow struct {
	sigs    <-chan os.Signal
	notices <-chan noticeReq
	// onSignal and onNotice answer a signal and a probe notice as the run
	// loop does (record first, then log).
	onSignal func(os.Signal)
	onNotice func(detect.Notice)
	// heard returns the notice facts as recorded so far.
	heard func(exitFacts) exitFacts
	probe detect.Probe
	grace time.Duration
	log   *jobLog
}

// settle classifies the child's end, first taking the notices already
// queued and asking the witnesses when the end is abnormal, and waiting the
// grace when the classification asks for it.
func (w *shutdownWindow) settle(ctx context.Context, f exitFacts) exitDecision {
	f = w.heard(f)
	if !windowEnabled || !f.abnormal() || f.notice == noticeConfirmed {
		if !windowEnabled && f.expectReboot {
			f.graceOver = true
		}
		return classifyExit(f)
	}
	w.drain()
	f = w.ask(ctx, w.heard(f))
	d := classifyExit(f)
	if d.act != exitWaitGrace {
		return d
	}
	w.log.event(evAwaitingNotice,
		"grace", w.grace.String(), "exit_code", f.code, "signal", f.sig)
	t := time.NewTimer(w.grace)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			f = w.ask(ctx, w.heard(f))
			f.graceOver = true
			w.log.event(evGraceOver, "witness", f.witness)
			return classifyExit(f)
		case <-ctx.Done():
			f.graceOver = true
			return classifyExit(w.heard(f))
		case sig := <-w.sigs:
			w.onSignal(sig)
		case req := <-w.notices:
			w.onNotice(req.n)
			close(req.done)
		}
		if f = w.heard(f); f.notice == noticeConfirmed || f.witness != "" || f.cancelled != "" {
			return classifyExit(f)
		}
	}
}

// drain answers the notices already queued, without waiting.
func (w *shutdownWindow) drain() {
	for {
		select {
		case sig := <-w.sigs:
			w.onSignal(sig)
		case req := <-w.notices:
			w.onNotice(req.n)
			close(req.done)
		default:
			return
		}
	}
}

// ask asks the shutdown witnesses whether the system is going down, when
// nothing has confirmed it yet.
func (w *shutdownWindow) ask(ctx context.Context, f exitFacts) exitFacts {
	if f.witness != "" {
		return f
	}
	n := w.probe.ShutdownNotice(ctx, nil)
	if n.Confirmed {
		f.witness = n.Witness
		w.log.event(evWitnessesGoingDown, "witness", n.Witness)
	}
	return f
}
