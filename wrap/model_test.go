package wrap

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upwrap/upwrap/marker"
)

// TestModelShutdowns drives the pure decision (decideJob) and the pure
// classification (classifyExit) through many random sequences of events —
// notices before or after the child's end, confirmed or not, real shutdowns
// and operators' stops, upwrap killed at each point, restarts — and checks
// the promises of docs/design.md §1 and §12 after every step:
//
//   - the job never reads succeeded unless a child exited with a success (or
//     reboot, or restart) code, or a restart followed a start under
//     --expect-reboot;
//   - the child is never started more than --max-attempts times;
//   - a child's own failure code, once upwrap lived to record the end, is
//     in the record, the job failed, until the job runs again;
//   - an invocation never answers "restart in progress" for a run whose
//     child ended with its own failure code, or for an operator's stop that
//     upwrap settled.
//
// The effects around the pure functions (writing the notice's record, the
// window's questions) follow child.go and window.go.
func TestModelShutdowns(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("UPWRAP_MODEL_SEED"), 10, 64); err == nil {
		seed = s
	}
	const sequences = 20000
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	for i := range sequences {
		m := &model{rng: rng, expect: rng.IntN(2) == 0, max: 1 + rng.IntN(3), witnesses: rng.IntN(2) == 0, ownCode: -1}
		steps := 1 + rng.IntN(12)
		for s := range steps {
			if err := m.step(); err != nil {
				t.Fatalf("seed %d (UPWRAP_MODEL_SEED=%d), sequence %d, step %d: %v\nexpect-reboot %v, max-attempts %d, witnesses %v\nhistory:\n  %s",
					seed, seed, i, s, err, m.expect, m.max, m.witnesses, strings.Join(m.history, "\n  "))
			}
		}
	}
	t.Logf("seed %d: %d sequences", seed, sequences)
}

// model is one machine with one job.
type model struct {
	rng       *rand.Rand
	expect    bool // --expect-reboot
	max       int  // --max-attempts
	witnesses bool // the system can confirm a shutdown (systemd), or not (busybox)

	rec    *marker.Record
	boot   int
	starts int
	// successEvidence: a child exited with a success, reboot or restart
	// code, or a restart followed a start under --expect-reboot.
	successEvidence bool
	// ownCode: the last run's child exited with this failure code of its
	// own and upwrap recorded it (-1: none pending).
	ownCode int64
	history []string
}

func (m *model) bootID() string { return fmt.Sprintf("boot-%d", m.boot) }

func (m *model) log(format string, args ...any) {
	m.history = append(m.history, fmt.Sprintf(format, args...))
}

// restart is a real restart of the machine.
func (m *model) restart() {
	m.boot++
	if m.expect && m.starts > 0 {
		m.successEvidence = true
	}
	m.log("restart -> %s", m.bootID())
}

func (m *model) check(inv string, o Outcome) error {
	if m.starts > m.max {
		return fmt.Errorf("%s: %d starts, more than --max-attempts %d", inv, m.starts, m.max)
	}
	if m.rec != nil && m.rec.State == marker.Succeeded && !m.successEvidence {
		return fmt.Errorf("%s: recorded succeeded (%s) with no success code and no restart after a start", inv, m.rec.Reason)
	}
	if o == Succeeded && !m.successEvidence {
		return fmt.Errorf("%s: answered succeeded with no success code and no restart after a start", inv)
	}
	if m.ownCode >= 0 {
		if m.rec == nil || m.rec.State != marker.Failed || m.rec.ExitCode == nil || *m.rec.ExitCode != m.ownCode {
			return fmt.Errorf("%s: the child's own failure code %d was lost: record %+v", inv, m.ownCode, m.rec)
		}
		if o == Succeeded || o == Restarting {
			return fmt.Errorf("%s: answered %v for a child that failed with its own code %d", inv, o, m.ownCode)
		}
	}
	return nil
}

// step is one event: a run of the job, a status query, or an unrelated
// restart.
func (m *model) step() error {
	switch r := m.rng.IntN(10); {
	case r < 1:
		m.restart()
		return m.check("restart", -1)
	case r < 2:
		// As Status answers (job.apply).
		d := decideJob(m.rec, facts{boot: m.bootID(), maxAttempts: m.max})
		var o Outcome
		switch {
		case d.act == actFinalize:
			o = Succeeded
		case d.act == actFail:
			o = d.outcome
		case d.act == actRun && m.rec == nil:
			o = NoJob
		case d.act == actRun:
			o = failedOutcome(m.rec)
		default:
			o = keptOutcome(d, m.rec)
		}
		m.log("status: %v", o)
		return m.check("status", o)
	}
	return m.run()
}

func (m *model) finish(r *marker.Record, st marker.State, source, reason, failure string) *marker.Record {
	n := *r
	n.State, n.Source, n.Reason, n.Failure, n.BootEnd = st, source, reason, failure, m.bootID()
	return &n
}

// run is one `upwrap run` of the job.
func (m *model) run() error {
	d := decideJob(m.rec, facts{boot: m.bootID(), argvHash: "h", maxAttempts: m.max})
	switch d.act {
	case actKeep:
		m.log("run: keep, %v", keptOutcome(d, m.rec))
		return m.check("run (keep)", keptOutcome(d, m.rec))
	case actFinalize:
		m.rec = m.finish(m.rec, marker.Succeeded, d.source, d.reason, "")
		m.log("run: finalize succeeded (%s)", d.reason)
		return m.check("run (finalize)", Succeeded)
	case actFail:
		m.rec = m.finish(m.rec, marker.Failed, d.source, d.reason, d.failure)
		m.log("run: fail %v", d.outcome)
		return m.check("run (fail)", d.outcome)
	}

	// Start the child. crash is where upwrap dies (0: before the running
	// record; 1: after the start; 2: after the notice's record; 3: after
	// the child's exit; 4: in the grace; 5: before the final record; 6+:
	// never).
	crash := m.rng.IntN(12)
	if crash == 0 {
		m.log("run: upwrap killed before the running record")
		return m.check("run (crash 0)", -1)
	}
	attempts := 0
	if m.rec != nil {
		attempts = m.rec.Attempts
	}
	running := &marker.Record{Job: "j", State: marker.Running, ArgvSHA256: "h", Attempts: attempts + 1, BootStart: m.bootID(), ExpectReboot: m.expect}
	m.rec = running
	m.starts++
	m.ownCode = -1
	// The scenario: how the child ends, and what the system does.
	ends := []struct {
		code int64
		sig  string
	}{{0, ""}, {3010, ""}, {1641, ""}, {3, ""}, {100, ""}, {143, ""}, {-1, "SIGTERM"}, {-1, "SIGKILL"}}
	end := ends[m.rng.IntN(len(ends))]
	shutdown := m.rng.IntN(2) == 0 // a real shutdown (else: an operator's stop, or nothing)
	noticeAt := m.rng.IntN(3)      // 0: no notice; 1: before the child's end; 2: after it
	if !shutdown && noticeAt == 0 && m.rng.IntN(2) == 0 {
		noticeAt = 1 // an operator's stop
	}
	confirmed := shutdown && m.witnesses
	m.log("run: start %d (attempt %d); child ends %d/%q; shutdown %v, notice at %d, confirmed %v, crash %d",
		m.starts, running.Attempts, end.code, end.sig, shutdown, noticeAt, confirmed, crash)
	if crash == 1 {
		return m.crashed("after the start", shutdown)
	}

	var (
		noticeRec *marker.Record
		heardSig  string
		heardConf bool
		cancelled string
	)
	// onNotice, as child.go answers a SIGTERM.
	onNotice := func() {
		if heardSig == "" || confirmed && !heardConf {
			heardSig, heardConf = "SIGTERM", confirmed
		}
		switch {
		case m.expect && (noticeRec == nil || confirmed && !noticeRec.ShutdownConfirmed):
			r := m.finish(running, marker.Rebooting, "signal:SIGTERM", "restarting", "")
			r.ShutdownConfirmed = confirmed
			m.rec, noticeRec = r, r
		case !m.expect && confirmed && noticeRec == nil:
			r := m.finish(running, marker.Failed, "signal:SIGTERM", "interrupted by shutdown", failShutdown)
			r.ShutdownConfirmed = true
			m.rec, noticeRec = r, r
		case m.expect || confirmed:
		default:
			cancelled = "signal:SIGTERM"
		}
	}
	if noticeAt == 1 {
		onNotice()
		if cancelled != "" && end.sig == "" && end.code == 0 {
			// The forwarded stop ends a child that would have succeeded.
			end.code, end.sig = -1, "SIGTERM"
		}
		if crash == 2 {
			return m.crashed("after the notice", shutdown)
		}
	}
	if end.code == 0 || end.code == 3010 || end.code == 1641 {
		m.successEvidence = true
	}
	if crash == 3 {
		return m.crashed("after the child's exit", shutdown)
	}
	// The window, as shutdownWindow.settle gathers its facts.
	f := exitFacts{code: end.code, sig: end.sig, expectReboot: m.expect, grace: DefaultShutdownGrace,
		successCodes: []int64{0}, rebootCodes: []int64{3010}, restartCodes: []int64{1641}, signalCodes: posixSignalCodes}
	heard := func() {
		f.cancelled = cancelled
		switch {
		case noticeRec != nil && noticeRec.ShutdownConfirmed:
			f.notice = noticeConfirmed
		case heardSig != "":
			f.notice = noticeUnconfirmed
		}
		f.noticeSignal = heardSig
		if heardConf && f.witness == "" {
			f.witness = "w"
		}
	}
	heard()
	if f.abnormal() && f.notice != noticeConfirmed {
		if noticeAt == 2 && m.rng.IntN(2) == 0 {
			onNotice() // already queued
			heard()
		}
		if shutdown && m.witnesses {
			f.witness = "w"
		}
	}
	dec := classifyExit(f)
	if dec.act == exitWaitGrace {
		if noticeAt == 2 && heardSig == "" {
			onNotice() // arrives in the grace
			heard()
		}
		if shutdown || crash == 4 {
			// The shutdown's SIGKILL comes within the grace (or upwrap
			// dies there for another reason).
			return m.crashed("in the grace", shutdown)
		}
		f.graceOver = true
		dec = classifyExit(f)
	}
	if crash == 5 {
		return m.crashed("before the final record", shutdown)
	}
	o := dec.outcome
	switch dec.act {
	case exitKeepNotice:
		m.rec = noticeRec
	case exitSucceeded:
		m.rec = m.finish(running, marker.Succeeded, sourceExitCode, "child exited with 0", "")
	case exitRebootRequired:
		m.rec = m.finish(running, marker.RebootRequired, sourceExitCode, "reboot required", "")
	case exitRecord:
		r := m.finish(running, dec.state, dec.source, dec.reason, dec.failure)
		if dec.keepCode {
			c := end.code
			r.ExitCode = &c
		}
		r.ShutdownConfirmed = dec.confirmed
		m.rec = r
	default:
		return fmt.Errorf("classifyExit left %v after the grace", dec.act)
	}
	if end.sig == "" && !f.killed() && !f.timedOut && end.code != 0 && end.code != 3010 && end.code != 1641 {
		m.ownCode = end.code
	}
	if o == Restarting && f.notice == noticeUnconfirmed && !shutdown && f.graceOver {
		return fmt.Errorf("answered restart in progress for an operator's stop the grace settled")
	}
	m.log("run: recorded %s (%s), outcome %v", m.rec.State, m.rec.Reason, o)
	if err := m.check("run", o); err != nil {
		return err
	}
	if shutdown {
		m.restart()
		return m.check("restart after the run", -1)
	}
	return nil
}

// crashed: upwrap died at a point; a real shutdown then restarts the
// machine.
func (m *model) crashed(where string, shutdown bool) error {
	m.log("run: upwrap killed %s; record %s", where, m.rec.State)
	if err := m.check("run (killed "+where+")", -1); err != nil {
		return err
	}
	if shutdown {
		m.restart()
	}
	return m.check("restart after a kill", -1)
}
