package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/upwrap/upwrap/internal/journal"
	"github.com/upwrap/upwrap/marker"
	"github.com/upwrap/upwrap/wrap"
	"github.com/urfave/cli/v2"
)

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// flagMessage puts the flag package's parse errors in upwrap's words:
// "flag provided but not defined: -x" and `invalid value "v" for flag -x:
// ...` name the flag as it is written, --x.
func flagMessage(msg string) string {
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag --" + strings.TrimLeft(name, "-")
	}
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		if val, flag, ok := strings.Cut(rest, " for flag -"); ok {
			name, why, _ := strings.Cut(flag, ": ")
			msg = "--" + strings.TrimLeft(name, "-") + ": invalid value " + val
			if why != "" && why != "parse error" {
				msg += ": " + why
			}
		}
	}
	return msg
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

// didYouMean is a usage error about a flag that does not exist, with the
// name of the nearest flag the command has.
type didYouMean struct {
	usageError
	flag    string // the suggestion, e.g. "--job"
	command string // "upwrap run", or "upwrap" for the global flags
}

// Unwrap makes a didYouMean a usageError to errors.As (the usage exit code).
func (e didYouMean) Unwrap() error { return e.usageError }

// flagError turns a flag parser's error into upwrap's usage error, with a
// suggestion when an unknown flag is one typo away from a real one
// ("--jbo": --job).
func flagError(ctx *cli.Context, err error, sub bool) error {
	ue := usageError{flagMessage(err.Error())}
	typed, ok := strings.CutPrefix(ue.msg, "unknown flag --")
	if !ok || ctx == nil {
		return ue
	}
	where := "upwrap"
	var flags []cli.Flag
	if sub && ctx.Command != nil {
		where += " " + ctx.Command.Name
		flags = ctx.Command.VisibleFlags()
	} else {
		flags = ctx.App.VisibleFlags()
	}
	var names []string
	for _, f := range flags {
		for _, n := range f.Names() {
			if len(n) > 1 {
				names = append(names, n)
			}
		}
	}
	if s := suggest(typed, names); s != "" {
		return didYouMean{usageError: ue, flag: "--" + s, command: where}
	}
	return ue
}

// commandNotFound reports a command that does not exist (the usage code).
func (c *cliState) commandNotFound(app *cli.App, name string) {
	c.code = kindUsage.code(c.profile)
	c.say(journal.Err, fmt.Sprintf("upwrap: error: no command %q", name))
	c.say(journal.Info, "upwrap: hint: "+commandHint(app, name))
}

// commandHint is the hint for a command that does not exist: the nearest
// command's name when one is near ("stauts": status), else where the list is.
func commandHint(app *cli.App, typed string) string {
	var names []string
	for _, cmd := range app.VisibleCommands() {
		names = append(names, cmd.Names()...)
	}
	if s := suggest(typed, names); s != "" {
		return fmt.Sprintf("did you mean 'upwrap %s'? ('upwrap help' lists the commands)", s)
	}
	return "run 'upwrap help' for the commands"
}
