package cli

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/internal/journal"
	"github.com/urfave/cli/v2"
)

// Main runs upwrap's command line (os.Args) on the process's standard
// streams and returns its exit code. stamped is the version the build
// stamped into the binary ("dev" when none; see resolveVersion).
func Main(stamped string) int {
	info, ok := debug.ReadBuildInfo()
	v := resolveVersion(stamped, info, ok)
	var stderr io.Writer = os.Stderr
	jw := (*journal.Writer)(nil)
	if journal.Connected(os.Stderr) {
		// Under systemd, stderr is the journal: give each line a priority.
		jw = journal.NewWriter(os.Stderr)
		stderr = jw
	}
	code := run(v, os.Args, os.Stdin, os.Stdout, stderr)
	if jw != nil {
		jw.Flush()
	}
	return code
}

// run executes the command line of upwrap version v and returns the
// process exit code.
func run(v string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cliState{version: v, stdin: stdin, stdout: stdout, stderr: stderr, profile: defaultProfile()}
	app := newApp(c)
	fixNames(app) // here, not in newApp: the docs generator sees the flags as declared
	return c.finish(app.Run(args))
}

// finish prints the error the command line ended with, if any, and returns
// the exit code. A flag the code read but the command does not define (a
// typo in upwrap, which urfave/cli answers with an empty value) is an
// internal error, never success.
func (c *cliState) finish(err error) int {
	if err == nil && len(c.undefinedFlags) > 0 {
		err = fmt.Errorf("upwrap read the flag --%s, which the command does not define (a bug in upwrap)", strings.Join(c.undefinedFlags, ", --"))
	}
	if err != nil {
		printError(c.stderr, err)
		return exitCodeForError(c.profile, err)
	}
	return c.code
}

// cliState carries the streams and the result of one invocation between the
// urfave/cli actions and run.
type cliState struct {
	// version is upwrap's version, as "upwrap version" prints it.
	version        string
	stdin          io.Reader
	stdout, stderr io.Writer
	profile        profile
	code           int
	// undefinedFlags are the flags the code read that the command does not
	// define (urfave/cli's InvalidFlagAccessHandler).
	undefinedFlags []string
}

func newApp(c *cliState) *cli.App {
	app := &cli.App{
		Name:           "upwrap",
		Usage:          "run an OS upgrade once, and tell the truth about it after a restart",
		Version:        c.version,
		HideVersion:    true,
		Reader:         c.stdin,
		Writer:         c.stdout,
		ErrWriter:      c.stderr,
		ExitErrHandler: func(*cli.Context, error) {},
		InvalidFlagAccessHandler: func(_ *cli.Context, name string) {
			c.undefinedFlags = append(c.undefinedFlags, name)
		},
		HideHelpCommand: false,
		OnUsageError: func(ctx *cli.Context, err error, sub bool) error {
			return flagError(ctx, err, sub)
		},
		CommandNotFound: func(ctx *cli.Context, name string) { c.commandNotFound(ctx.App, name) },
		// --version, as most tools answer it; the same line as "upwrap version".
		Flags:  []cli.Flag{&cli.BoolFlag{Name: "version", Usage: "print the version (as the version command does)"}},
		Action: func(ctx *cli.Context) error { return rootAction(c, ctx) },
		Commands: []*cli.Command{
			runCommand(c), statusCommand(c), resumeCommand(c), markCommand(c), clearCommand(c), pendingCommand(c), sentinelCommand(c),
			{
				Name:  "version",
				Usage: "print the version",
				Action: func(ctx *cli.Context) error {
					printVersion(c)
					return nil
				},
			},
		},
	}
	for _, cmd := range app.Commands {
		cmd.OnUsageError = app.OnUsageError
		for _, f := range cmd.Flags {
			if f.Names()[0] == "exit-codes" {
				// Before the flags' actions and the command's, so that
				// their errors too are reported in the chosen profile.
				cmd.Before = c.setProfile
			}
		}
	}
	return app
}

// sentinelCommand is the hidden subcommand of the Windows shutdown sentinel
// (detect.SentinelCommand): upwrap starts it beside the child and talks to
// it over its stdin and stdout.
func sentinelCommand(c *cliState) *cli.Command {
	return &cli.Command{
		Name:   detect.SentinelCommand,
		Hidden: true,
		Action: func(ctx *cli.Context) error {
			return detect.RunSentinel(c.stdin, c.stdout)
		},
	}
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
