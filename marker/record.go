package marker

import (
	"encoding/json"
	"time"
)

// Schema is the record schema this upwrap writes and the newest it reads.
const Schema = 1

// MaxRecordSize is the largest record [Parse] accepts.
const MaxRecordSize = 1 << 20

// State is a job's state.
type State string

// The job states (docs/design.md §3).
const (
	Running        State = "running"
	Succeeded      State = "succeeded"
	RebootRequired State = "reboot-required"
	Rebooting      State = "rebooting"
	Failed         State = "failed"
)

// Valid reports whether s is one of the five states.
func (s State) Valid() bool {
	switch s {
	case Running, Succeeded, RebootRequired, Rebooting, Failed:
		return true
	}
	return false
}

// Record is one job's record. Its JSON keys are part of upwrap's API
// (docs/design.md §6): callers parse them, so they keep their meaning
// across releases; new keys may be added. The field tags below are the only
// place the keys are written: [Record.Encode] writes them in this order and
// [Parse] reads exactly these keys.
type Record struct {
	// Schema is the record format version, [Schema] when written.
	Schema int `json:"schema"`
	// Job is the case-folded job id.
	Job ID `json:"job"`
	// State is the job's state.
	State State `json:"state"`
	// Argv is the command line exactly as run; nil for a record created by
	// "upwrap mark" without a run (written as []).
	Argv []string `json:"argv"`
	// ArgvSHA256 is [ArgvHash] of Argv, or "" when Argv is nil.
	ArgvSHA256 string `json:"argv_sha256"`
	// Attempts counts the times the child was started.
	Attempts int `json:"attempts"`
	// StartedAt is nil until known.
	StartedAt *time.Time `json:"started_at"`
	// FinishedAt is nil until known.
	FinishedAt *time.Time `json:"finished_at"`
	// BootStart is the boot identity when the child was started.
	BootStart string `json:"boot_start"`
	// BootEnd is the boot identity when the final state was recorded.
	BootEnd string `json:"boot_end"`
	// ExitCode is the child's exit code, or nil when it has none (not started,
	// still running, killed by a signal).
	ExitCode *int64 `json:"exit_code"`
	// Reason is one human line saying why the job is in this state.
	Reason string `json:"reason"`
	// Source names what decided the state: "exit-code", "signal:SIGTERM",
	// "pending:<source>", "boot-change", "verify", "mark", ...
	Source string `json:"source"`
	// Failure says why a failed job failed: "exit-code", "timeout",
	// "cancelled", "interrupted", "shutdown", "not-found", "cannot-execute",
	// "verify" or "mark". Empty unless State is Failed.
	Failure string `json:"failure"`
	// ExpectReboot records --expect-reboot.
	ExpectReboot bool `json:"expect_reboot"`
	// ShutdownConfirmed is true when a shutdown notice was confirmed by the
	// system (or the child started the restart itself).
	ShutdownConfirmed bool `json:"shutdown_confirmed"`
	// Verify is the --verify command, kept so that "resume" and "status"
	// can run it after a restart.
	Verify string `json:"verify"`
	// PendingIntroduced lists the reboot-pending sources this run added
	// (written as [] when there are none).
	PendingIntroduced []string `json:"pending_introduced"`
	// Log is the path of the job log the run wrote, so that resume and mark
	// append to the same file; "" means <state-dir>/<job>.log.
	Log string `json:"log"`
	// Host is the machine's host name.
	Host string `json:"host"`
	// Version is the upwrap version that wrote the record.
	Version string `json:"version"`
	// Child identifies the started command's process tree; nil until the
	// child has started (docs/design.md §5).
	Child *Child `json:"child,omitempty"`
	// Daemons are the processes the command left running on their own.
	Daemons []Daemon `json:"daemons,omitempty"`
	// Extra holds keys this version does not know, compacted, so they
	// survive a rewrite. Encode writes them after the known keys, sorted.
	Extra map[string]json.RawMessage `json:"-"`
}

// Child identifies the started command's process tree, so that a later run
// can tell whether it lives.
type Child struct {
	// PID is the command's process id.
	PID int `json:"pid"`
	// StartTime tells PID apart from a later process with the same id.
	// Linux: /proc/PID/stat field 22; Windows: the creation FILETIME.
	StartTime uint64 `json:"start_time"`
	// Session is the child's session id on Linux, when it leads one.
	Session int `json:"session,omitempty"`
	// Cgroup is the cgroup v2 upwrap created for the tree, if any.
	Cgroup string `json:"cgroup,omitempty"`
	// JobObject is the name of the Windows job object holding the tree.
	JobObject string `json:"job_object,omitempty"`
}

// Daemon is a process the command left running on its own: a session of
// its own and none of the command's output pipes.
type Daemon struct {
	// PID is the daemon's process id.
	PID int `json:"pid"`
	// Name is its command name.
	Name string `json:"name"`
}
