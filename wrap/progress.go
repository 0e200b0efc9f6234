package wrap

import (
	"time"

	"github.com/upwrap/upwrap/marker"
)

// Phase is what a run is waiting for.
type Phase int

// Phases, in the order a run meets them (WaitVerify may come first, when
// --verify is checked before the child is started, or alone, after a
// restart).
const (
	// WaitChild: the command runs.
	WaitChild Phase = iota + 1
	// WaitTree: the command has exited, processes it started still run,
	// and upwrap waits for them (Options.WaitTree). It is reported once the
	// tree has outlived the command by a quarter of a second, so a command
	// that leaves nothing behind never reports it.
	WaitTree
	// WaitVerify: the --verify command runs.
	WaitVerify
)

var phaseNames = [...]string{WaitChild: "the command", WaitTree: "the process tree", WaitVerify: "the verify command"}

// String names what is waited for, e.g. "the command".
func (p Phase) String() string {
	if p > 0 && int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "nothing"
}

// Progress is one report of what a run waits for, passed to
// Options.Progress each time the run starts waiting for something else.
type Progress struct {
	// Job is the job id.
	Job marker.ID
	// Phase is what the run now waits for.
	Phase Phase
	// Attempt is the attempt the child runs as (1 for the first run), or 0
	// before the child is started.
	Attempt int
}

// defaultHeartbeat is the interval of the job log's heartbeat line: often
// enough that a log read later shows the job was alive, rarely enough that
// an upgrade of hours adds a few dozen lines.
const defaultHeartbeat = 5 * time.Minute

func (o *Options) heartbeat() time.Duration {
	if o.Heartbeat == 0 {
		return defaultHeartbeat
	}
	return o.Heartbeat
}

// report tells the caller's Progress, if any, what the run now waits for.
func (j *job) report(p Phase, attempt int) {
	if j.progress != nil {
		j.progress(Progress{Job: j.id, Phase: p, Attempt: attempt})
	}
}
