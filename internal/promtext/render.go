package promtext

import (
	"strconv"
	"strings"
	"time"
)

// States are the values of upwrap_job_state's state label, in the order
// they are written: the five job states of docs/design.md §3, then the
// three ways a record can fail to be read (the names status --all shows).
var States = [...]string{
	"running", "succeeded", "reboot-required", "rebooting", "failed",
	"corrupt", "untrusted", "newer-schema",
}

// Job is what the metrics say of one job.
type Job struct {
	// ID is the job id.
	ID string
	// State is one of [States].
	State string
	// Failure is the record's failure kind ("exit-code", "timeout", ...),
	// for a failed job; "" otherwise.
	Failure string
	// Attempts counts the starts of the job's command.
	Attempts int
	// ExitCode is the command's exit code; nil when it has none (not
	// started, still running, killed by a signal, an unreadable record).
	ExitCode *int64
	// Changed is when the state last changed; zero when unknown.
	Changed time.Time
}

// Pending is one reboot-pending source the machine checked.
type Pending struct {
	// Source is the source's name ("reboot-required",
	// "PendingFileRenameOperations", ...).
	Source string
	// Pending is true when the source says a restart is needed.
	Pending bool
}

// family is one metric family: its name, HELP text and TYPE.
type family struct{ name, help string }

var (
	famState   = family{"upwrap_job_state", "The job's recorded state: 1 for its state, 0 for the others (corrupt, untrusted, newer-schema: its record could not be read)."}
	famAttempt = family{"upwrap_job_attempts", "How many times the job's command has been started."}
	famExit    = family{"upwrap_job_exit_code", "The exit code of the job's command, for a job whose command has exited."}
	famChanged = family{"upwrap_job_last_change_timestamp_seconds", "When the job's state last changed, in seconds since the Unix epoch."}
	famFailure = family{"upwrap_job_failure", "Why a failed job failed: 1 for the failure kind its record names."}
	famPending = family{"upwrap_reboot_pending", "Whether a reboot-pending source of the machine says a restart is needed (1) or not (0)."}
)

// bytesPerJob is a generous estimate of one job's lines, to size the buffer
// once.
const bytesPerJob = 640

// Render returns the metrics text of jobs and pending.
func Render(jobs []Job, pending []Pending) []byte {
	b := make([]byte, 0, 1024+len(jobs)*bytesPerJob)
	b = header(b, famState)
	for _, j := range jobs {
		for _, s := range States {
			b = sample(b, famState.name, j.ID, "state", s, boolValue(s == j.State))
		}
	}
	b = header(b, famAttempt)
	for _, j := range jobs {
		if known(j.State) {
			b = sample(b, famAttempt.name, j.ID, "", "", strconv.Itoa(j.Attempts))
		}
	}
	b = header(b, famExit)
	for _, j := range jobs {
		if j.ExitCode != nil {
			b = sample(b, famExit.name, j.ID, "", "", strconv.FormatInt(*j.ExitCode, 10))
		}
	}
	b = header(b, famChanged)
	for _, j := range jobs {
		if !j.Changed.IsZero() {
			b = sample(b, famChanged.name, j.ID, "", "", seconds(j.Changed))
		}
	}
	b = header(b, famFailure)
	for _, j := range jobs {
		if j.State == "failed" && j.Failure != "" {
			b = sample(b, famFailure.name, j.ID, "failure", j.Failure, "1")
		}
	}
	b = header(b, famPending)
	for _, p := range pending {
		b = append(b, famPending.name...)
		b = append(b, `{source="`...)
		b = appendEscaped(b, p.Source)
		b = append(b, "\"} "...)
		b = append(b, boolValue(p.Pending)...)
		b = append(b, '\n')
	}
	return b
}

// known reports whether s is one of the five job states (the record was
// read), as opposed to a record that could not be.
func known(s string) bool {
	for _, k := range States[:5] {
		if s == k {
			return true
		}
	}
	return false
}

func header(b []byte, f family) []byte {
	b = append(b, "# HELP "...)
	b = append(b, f.name...)
	b = append(b, ' ')
	b = append(b, f.help...)
	b = append(b, "\n# TYPE "...)
	b = append(b, f.name...)
	return append(b, " gauge\n"...)
}

// sample appends name{job="id"[,key="value"]} v. Job ids need no escaping
// (letters, digits, '.', '_', '-'); other label values are escaped.
func sample(b []byte, name, id, key, value, v string) []byte {
	b = append(b, name...)
	b = append(b, `{job="`...)
	b = append(b, id...)
	if key != "" {
		b = append(b, `",`...)
		b = append(b, key...)
		b = append(b, `="`...)
		b = appendEscaped(b, value)
	}
	b = append(b, "\"} "...)
	b = append(b, v...)
	return append(b, '\n')
}

// appendEscaped escapes a label value per the text format: backslash,
// double quote and line feed.
func appendEscaped(b []byte, s string) []byte {
	if !strings.ContainsAny(s, "\\\"\n") {
		return append(b, s...)
	}
	for _, r := range s {
		switch r {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, string(r)...)
		}
	}
	return b
}

func boolValue(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

// seconds formats t as Unix seconds with millisecond precision, without
// trailing zeros.
func seconds(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1e3, 'f', -1, 64)
}
