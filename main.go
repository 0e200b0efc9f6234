// Command upwrap wraps an OS upgrade, or any installer that may restart the
// machine, so that whoever asks afterwards learns the truth: it ran once, it
// is done or needs a reboot, or it failed and why. See README.md and
// docs/design.md.
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
