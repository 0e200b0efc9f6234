package main

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"
)

// printVersion prints the version line of "upwrap version" and
// "upwrap --version".
func printVersion(c *cliState) {
	fmt.Fprintf(c.stdout, "upwrap %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// rootAction runs "upwrap" without a known command: a word that names no
// command is an error; --version prints the version; nothing at all, the
// help. (--version has no UPWRAP_ variable: it asks a question, as --help
// does, and changes no setting.)
func rootAction(c *cliState, ctx *cli.Context) error {
	if ctx.Args().Present() {
		c.commandNotFound(ctx.App, ctx.Args().First())
		return nil
	}
	if ctx.Bool("version") {
		printVersion(c)
		return nil
	}
	return cli.ShowAppHelp(ctx)
}

// commandNotFound reports a command that does not exist (the usage code).
func (c *cliState) commandNotFound(app *cli.App, name string) {
	c.code = kindUsage.code(c.profile)
	fmt.Fprintf(c.stderr, "upwrap: error: no command %q\nupwrap: hint: %s\n", name, commandHint(app, name))
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
