package wrap

import (
	"io"
	"time"
)

// Options configure one invocation. The zero value of each field is
// documented; [Run] needs at least StateDir and Argv.
type Options struct {
	// Job is the job id as given; "" derives one from Argv (marker.DeriveID).
	Job string
	// StateDir holds the records; it is created (0700) when missing.
	StateDir string
	// Argv is the command and its arguments, run without a shell.
	Argv []string
	// ExpectReboot says the child may restart the machine: a shutdown notice
	// then records "rebooting", and a restart reads as success.
	ExpectReboot bool
	// Verify, when not empty, is a check command run through the platform
	// shell (sh -c, or cmd.exe /C on Windows); exit 0 means the upgrade is
	// in place.
	Verify string
	// VerifyTimeout bounds the Verify command; 0 means
	// DefaultVerifyTimeout.
	VerifyTimeout time.Duration
	// Timeout, when positive, bounds the child's run; the whole tree is
	// killed when it expires.
	Timeout time.Duration
	// SuccessCodes, RebootCodes and RestartCodes classify the child's exit
	// code: success; success with a reboot required; success with the
	// restart started by the child.
	SuccessCodes, RebootCodes, RestartCodes []int64
	// MaxAttempts is how many times a failed job is started before upwrap
	// gives up; 0 means 3.
	MaxAttempts int
	// LogPath is the job log; "" means <StateDir>/<job>.log.
	LogPath string
	// LogFormat is "text", "json" or "cmtrace"; "" keeps the format of the
	// existing log, text for a new one.
	LogFormat string
	// RawCmdLine (Windows) starts the command with the text after "--" of
	// upwrap's own command line exactly as the caller typed it, for
	// programs that parse their command line in their own way. Without it
	// the command line is written from Argv for the program's kind of
	// parser (docs/design.md §10). Outside Windows it is a usage error.
	RawCmdLine bool
	// LogMaxSize is the size in bytes at which the job log stops growing;
	// 0 means DefaultLogMaxSize, a negative value no limit.
	LogMaxSize int64
	// RecordRetry bounds how long the final record's write is retried when
	// the state directory refuses it (full, read-only); 0 means
	// DefaultRecordRetry.
	RecordRetry time.Duration
	// ShutdownGrace is how long, with ExpectReboot, upwrap waits for a
	// shutdown notice after the child was killed by a signal that no notice
	// or witness explained (docs/design.md §12); 0 means
	// DefaultShutdownGrace, a negative value no wait.
	ShutdownGrace time.Duration
	// AwaitMark, when positive, makes the job wait after a restart for
	// `upwrap mark` (Windows Setup's verdict): until a mark or AwaitMark
	// since the restart, the job answers busy; then the restart decides
	// (Verify, else succeeded). Recorded as the record key await_mark.
	AwaitMark time.Duration
	// WaitTree waits for every descendant of the child, not only the child.
	WaitTree bool
	// IgnorePending lists --ignore-pending rules: a source name, or
	// NAME:PATTERN to disregard the matching entries of a list source (see
	// detect.FilterPending).
	IgnorePending []string
	// Registry mirrors the job's state into the Windows registry
	// (HKLM\SOFTWARE\upwrap\Jobs\<id>) for registry detection rules.
	// Outside Windows it is a usage error.
	Registry bool
	// Textfile, when not "", is a directory whose upwrap.prom (Prometheus
	// metrics of every job in StateDir) is kept current (see [Metrics]).
	Textfile string
	// Stdin, Stdout and Stderr are the child's; nil means the null device.
	// Stdout receives the child's standard output; with JSON output the
	// caller passes its stderr here.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Version is stamped into the record.
	Version string
	// Progress, when not nil, is called each time the run starts waiting for
	// something else (the command, its process tree, the verify command),
	// from the goroutine that called [Run]. It must return quickly; it may
	// write to the terminal side of Stdout and Stderr. The child's output
	// itself reaches the caller through Stdout and Stderr only. Nil reports
	// nothing.
	Progress func(Progress)
	// Heartbeat is the interval of the "heartbeat" line that the job log
	// gets while upwrap waits for the command and its process tree; 0 means
	// 5 minutes, a negative value means none.
	Heartbeat time.Duration

	// cmdLine is the Windows command line Run computed from Argv or
	// RawCmdLine; "" elsewhere.
	cmdLine string
}

// DefaultRecordRetry is how long the final record's write is retried by
// default: well within the 90 s systemd gives a unit to stop.
const DefaultRecordRetry = 30 * time.Second

func (o *Options) logMaxSize() int64 {
	switch {
	case o.LogMaxSize == 0:
		return DefaultLogMaxSize
	case o.LogMaxSize < 0:
		return 0
	}
	return o.LogMaxSize
}

func (o *Options) recordRetry() time.Duration {
	if o.RecordRetry <= 0 {
		return DefaultRecordRetry
	}
	return o.RecordRetry
}

func (o *Options) maxAttempts() int {
	if o.MaxAttempts <= 0 {
		return 3
	}
	return o.MaxAttempts
}

func (o *Options) shutdownGrace() time.Duration {
	switch {
	case o.ShutdownGrace == 0:
		return DefaultShutdownGrace
	case o.ShutdownGrace < 0:
		return 0
	}
	return o.ShutdownGrace
}
