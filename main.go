// Command upwrap wraps an OS upgrade, or any installer that may restart the
// machine, so that whoever asks afterwards learns the truth: it ran once, it
// is done or needs a reboot, or it failed and why. See README.md and
// DESIGN.md.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/upwrap/upwrap/internal/journal"
	"github.com/upwrap/upwrap/marker"
	"github.com/upwrap/upwrap/wrap"
)

func main() {
	var stderr io.Writer = os.Stderr
	jw := (*journal.Writer)(nil)
	if journal.Connected(os.Stderr) {
		// Under systemd, stderr is the journal: give each line a priority.
		jw = journal.NewWriter(os.Stderr)
		stderr = jw
	}
	code := run(os.Args, os.Stdin, os.Stdout, stderr)
	if jw != nil {
		jw.Flush()
	}
	os.Exit(code)
}

// run executes the command line and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cliState{stdin: stdin, stdout: stdout, stderr: stderr, profile: defaultProfile()}
	_, c.journal = stderr.(*journal.Writer)
	app := newApp(c)
	fixNames(app) // here, not in newApp: the docs generator sees the flags as declared
	err := app.Run(args)
	if err != nil {
		printError(stderr, err)
		return exitCodeForError(c.profile, err)
	}
	return c.code
}

// profile is an exit-code profile (DESIGN §4).
type profile string

const (
	profileMSI   profile = "msi"
	profilePOSIX profile = "posix"
)

// The exit codes of both profiles. README.md documents each; they are stable
// across releases.
var exitCodes = map[profile]map[string]int{
	profileMSI: {
		"success": 0, "reboot-required": 3010, "restarting": 1641, "busy": 1618,
		"child-failed": 27001, "usage": 27002, "state-dir": 27003, "untrusted": 27004,
		"corrupt": 27005, "conflict": 27006, "interrupted": 27007, "cancelled": 27008,
		"gave-up": 27009, "timeout": 27010, "not-found": 27011, "cannot-execute": 27012,
		"verify-failed": 27013, "no-job": 27014, "marked-failed": 27015, "internal": 27016,
	},
	profilePOSIX: {
		"success": 0, "reboot-required": 110, "restarting": 111, "busy": 112,
		"child-failed": 113, "usage": 125, "state-dir": 114, "untrusted": 115,
		"corrupt": 116, "conflict": 117, "interrupted": 118, "cancelled": 119,
		"gave-up": 120, "timeout": 124, "not-found": 127, "cannot-execute": 126,
		"verify-failed": 121, "no-job": 122, "marked-failed": 123, "internal": 125,
	},
}

// outcomeKeys names the exit code of each outcome.
var outcomeKeys = map[wrap.Outcome]string{
	wrap.Succeeded: "success", wrap.RebootRequired: "reboot-required", wrap.Restarting: "restarting",
	wrap.Busy: "busy", wrap.Conflict: "conflict", wrap.Interrupted: "interrupted",
	wrap.Cancelled: "cancelled", wrap.GaveUp: "gave-up", wrap.TimedOut: "timeout",
	wrap.NotFound: "not-found", wrap.CannotExecute: "cannot-execute", wrap.VerifyFailed: "verify-failed",
	wrap.NoJob: "no-job", wrap.MarkedFailed: "marked-failed", wrap.ChildFailed: "child-failed",
}

// exitCodeForResult is the exit code of a result. A child's failure code is
// passed through unless a caller would misread it (it is 0, one of the
// codes above, outside the profile's range, or a code the job counts as
// success); then the reserved child-failed code stands for it and the
// record holds the real one.
func exitCodeForResult(p profile, r *wrap.Result, successCodes []int64) int {
	codes := exitCodes[p]
	if r.Outcome == wrap.BadRecord {
		return exitCodeForError(p, r.Err)
	}
	if r.Outcome != wrap.ChildFailed {
		return codes[outcomeKeys[r.Outcome]]
	}
	c := r.ExitCode
	misread := c == 0
	for _, v := range codes {
		misread = misread || c == int64(v)
	}
	for _, v := range successCodes {
		misread = misread || c == v
	}
	switch p {
	case profilePOSIX:
		misread = misread || c < 0 || c >= 110
	default:
		misread = misread || c < -(1<<31) || c > 1<<32-1 || c == 1707 || (c >= 27000 && c < 27100)
	}
	if misread {
		return codes["child-failed"]
	}
	return int(c)
}

// severity orders exit codes for a command over several jobs (status --all,
// resume --all), which exits with the worst code of its jobs: a record upwrap
// cannot trust or read, then the state directory, then a job that failed in
// any way (or conflicts), then a job that is busy, restarting, or needs a
// reboot, then success. Among jobs of one rank the first, in job-id order,
// decides.
var severity = map[string]int{
	"untrusted": 9, "corrupt": 8, "state-dir": 7, "internal": 7, "usage": 7,
	"child-failed": 5, "conflict": 5, "interrupted": 5, "cancelled": 5, "gave-up": 5, "timeout": 5,
	"not-found": 5, "cannot-execute": 5, "verify-failed": 5, "marked-failed": 5,
	"busy": 4, "restarting": 3, "reboot-required": 2, "success": 0, "no-job": 0,
}

// worstExitCode is the exit code of the most severe of results (see
// severity); 0 for none.
func worstExitCode(p profile, results []*wrap.Result) int {
	code, rank := 0, 0
	for _, r := range results {
		c := exitCodeForResult(p, r, nil)
		k := "child-failed"
		if r.Outcome == wrap.BadRecord {
			k = errorKey(r.Err)
		} else if r.Outcome != wrap.ChildFailed {
			k = outcomeKeys[r.Outcome]
		}
		if severity[k] > rank {
			code, rank = c, severity[k]
		}
	}
	return code
}

// exitCodeForError maps an error of upwrap itself to its exit code: the one
// place where errors become codes.
func exitCodeForError(p profile, err error) int {
	return exitCodes[p][errorKey(err)]
}

// errorKey names the exit code of an error of upwrap itself.
func errorKey(err error) string {
	var ue usageError
	switch {
	case errors.As(err, &ue), errors.Is(err, wrap.ErrUsage), errors.Is(err, marker.ErrInvalidID), errors.Is(err, marker.ErrTooLarge):
		return "usage"
	case errors.Is(err, marker.ErrUntrusted):
		return "untrusted"
	case errors.Is(err, marker.ErrCorrupt), errors.Is(err, marker.ErrNewerSchema):
		return "corrupt"
	case errors.Is(err, marker.ErrNotFound):
		return "no-job"
	case errors.Is(err, marker.ErrStateDir):
		return "state-dir"
	}
	return "internal"
}

// printError prints err as "upwrap: error: ..." with a hint where one helps.
func printError(w io.Writer, err error) {
	msg := strings.ReplaceAll(withFlagNames(err), "\n", " ")
	// ErrUsage only selects the exit code and the hint; the message says
	// what was wrong.
	msg = strings.TrimPrefix(msg, wrap.ErrUsage.Error()+": ")
	journal.Say(w, journal.Err, "upwrap: error: "+msg)
	if h := hintFor(err); h != "" {
		journal.Say(w, journal.Info, "upwrap: hint: "+h)
	}
}

func hintFor(err error) string {
	var ue usageError
	var dym didYouMean
	switch {
	case errors.As(err, &dym):
		return fmt.Sprintf("did you mean %s? ('%s --help' lists the flags)", dym.flag, dym.command)
	case errors.As(err, &ue), errors.Is(err, wrap.ErrUsage):
		return "run 'upwrap help' or 'upwrap COMMAND --help' for usage"
	case errors.Is(err, marker.ErrTooLarge):
		return "the command line is too long to record; put the arguments in a script or a response file"
	case errors.Is(err, marker.ErrInvalidID):
		return "a job id is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
	case errors.Is(err, marker.ErrUntrusted):
		return "the state directory and its files must belong to the user running upwrap and be writable by no one else; check them, then fix the owner or mode yourself"
	case errors.Is(err, marker.ErrNewerSchema):
		return "a newer upwrap wrote this record; run that version, or upgrade this one"
	case errors.Is(err, marker.ErrCorrupt):
		return "upwrap will not guess and re-run the job; inspect the record, then 'upwrap clear --job ID' to forget it"
	case errors.Is(err, marker.ErrStateDir):
		return "give a usable directory with --state-dir (its parent must exist) or UPWRAP_STATE_DIR"
	case errors.Is(err, marker.ErrNotFound):
		return "'upwrap status --all' lists the jobs"
	}
	return ""
}
