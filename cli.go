package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/wrap"
)

// cliState carries the streams and the result of one invocation between the
// urfave/cli actions and run.
type cliState struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	profile        profile
	code           int
	// journal: stderr is the systemd journal; lines carry priorities.
	journal bool
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func defaultProfile() profile {
	if runtime.GOOS == "windows" {
		return profileMSI
	}
	return profilePOSIX
}

// defaultStateDir is %ProgramData%\upwrap on Windows, /var/lib/upwrap for
// root elsewhere, and $XDG_STATE_HOME/upwrap (~/.local/state/upwrap) for
// other users.
func defaultStateDir() string {
	if runtime.GOOS == "windows" {
		pd := os.Getenv("ProgramData")
		if pd == "" {
			pd = `C:\ProgramData`
		}
		return filepath.Join(pd, "upwrap")
	}
	if os.Geteuid() == 0 {
		return "/var/lib/upwrap"
	}
	if x := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "upwrap")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "state", "upwrap")
}

func env(name string) []string { return []string{"UPWRAP_" + name} }

func stateDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "state-dir", EnvVars: env("STATE_DIR"), Usage: "directory of the job records (default: " + defaultStateDir() + ")"}
}

func exitCodesFlag() cli.Flag {
	return &cli.StringFlag{Name: "exit-codes", EnvVars: env("EXIT_CODES"), Value: string(defaultProfile()), Usage: "exit-code profile: msi or posix"}
}

func jsonFlag(usage string) cli.Flag {
	return &cli.BoolFlag{Name: "json", EnvVars: env("JSON"), Usage: usage}
}

func logFormatFlag() cli.Flag {
	return &cli.StringFlag{Name: "log-format", EnvVars: env("LOG_FORMAT"), Usage: "job log format: text, json (JSON lines) or cmtrace (CMTrace/OneTrace) (default: the format the log already has, else text)"}
}

// textfileFlag is --textfile, checked to be a directory before anything is
// done.
func textfileFlag() cli.Flag {
	return &cli.StringFlag{Name: "textfile", EnvVars: env("TEXTFILE"), Usage: "directory (e.g. node_exporter's or windows_exporter's textfile directory) whose upwrap.prom, Prometheus metrics of every job, is kept current",
		Action: func(_ *cli.Context, d string) error {
			if fi, err := os.Stat(d); d != "" && (err != nil || !fi.IsDir()) {
				return usageError{fmt.Sprintf("--textfile %s: not an existing directory; give the exporter's textfile directory", d)}
			}
			return nil
		}}
}

// jobFlag is --job (UPWRAP_JOB), refusing a value given but empty: "--job
// $ID" with ID unset in a script must not silently become another job (run
// would derive an id from the command line instead).
func jobFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "job", EnvVars: env("JOB"), Usage: usage,
		Action: func(ctx *cli.Context, id string) error {
			if id != "" {
				return nil
			}
			what := "give a job id"
			if ctx.Command.Name == "run" {
				what += ", or leave both out to derive one from the command line"
			}
			return usageError{"--job is empty (--job \"\" or UPWRAP_JOB set to nothing): " + what}
		}}
}

// recordFlags are the flags every command that writes records (resume,
// mark, clear) reads before it does anything.
type recordFlags struct {
	job, stateDir string
	// textfile is --textfile's directory, "" when not given.
	textfile string
}

// readRecordFlags checks that the flags the command requires were given
// and reads --job, --state-dir and --textfile (their values were checked
// by the flags' actions).
func readRecordFlags(ctx *cli.Context, requiredFlags ...string) (recordFlags, error) {
	if err := required(ctx, requiredFlags...); err != nil {
		return recordFlags{}, err
	}
	return recordFlags{job: ctx.String("job"), stateDir: stateDir(ctx), textfile: ctx.String("textfile")}, nil
}

// writeTextfile rewrites --textfile's upwrap.prom after a command that
// wrote records (the caller defers it); a failure is a warning: the
// records, the truth, are written.
func (c *cliState) writeTextfile(f recordFlags) {
	if f.textfile == "" {
		return
	}
	if err := wrap.WriteTextfile(context.Background(), f.textfile, f.stateDir, detect.System()); err != nil {
		fmt.Fprintf(c.stderr, "upwrap: warning: %v\n", err)
	}
}

func maxAttemptsFlag() *cli.IntFlag {
	return &cli.IntFlag{Name: "max-attempts", EnvVars: env("MAX_ATTEMPTS"), Value: 3, Usage: "starts of a failing job before upwrap gives up"}
}

// verifyTimeoutFlag is --verify-timeout, which must be positive.
func verifyTimeoutFlag() cli.Flag {
	return &cli.DurationFlag{Name: "verify-timeout", EnvVars: env("VERIFY_TIMEOUT"), Value: wrap.DefaultVerifyTimeout, Usage: "kill the --verify command's process tree after this long; the verify then fails",
		Action: func(_ *cli.Context, d time.Duration) error {
			if d <= 0 {
				return usageError{fmt.Sprintf("--verify-timeout %s: give a positive duration, e.g. 10m", d)}
			}
			return nil
		}}
}

// notNegative is the action of a duration flag that must not be negative.
func notNegative(name string) func(*cli.Context, time.Duration) error {
	return func(_ *cli.Context, d time.Duration) error {
		if d < 0 {
			return usageError{"--" + name + " must not be negative"}
		}
		return nil
	}
}

func newApp(c *cliState) *cli.App {
	app := &cli.App{
		Name:            "upwrap",
		Usage:           "run an OS upgrade once, and tell the truth about it after a restart",
		Version:         version,
		HideVersion:     true,
		Reader:          c.stdin,
		Writer:          c.stdout,
		ErrWriter:       c.stderr,
		ExitErrHandler:  func(*cli.Context, error) {},
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

// narrowExitStatus: this OS passes on only 8 bits of a process's exit
// status (Linux, macOS), so the msi profile is refused. A test seam: the
// in-process tests of the Windows scripts, which read run's full code,
// clear it.
var narrowExitStatus = runtime.GOOS != "windows"

// setProfile reads --exit-codes: every command with the flag has it as its
// Before hook, which urfave/cli runs before anything else can fail, so that
// errors too are reported in the chosen profile.
func (c *cliState) setProfile(ctx *cli.Context) error {
	switch p := profile(ctx.String("exit-codes")); p {
	case profileMSI:
		if narrowExitStatus {
			// The OS keeps 8 bits of an exit status here: 3010 would reach
			// the caller as 194 and 27007 (interrupted) as 127 (not found).
			return usageError{fmt.Sprintf("--exit-codes msi: this system passes on 8 bits of an exit code (3010 would arrive as %d); use posix, the default here", 3010&0xff)}
		}
		c.profile = p
		return nil
	case profilePOSIX:
		c.profile = p
		return nil
	default:
		return usageError{fmt.Sprintf("--exit-codes %q: use msi or posix", p)}
	}
}

func stateDir(ctx *cli.Context) string {
	if d := ctx.String("state-dir"); d != "" {
		return d
	}
	d := defaultStateDir()
	if runtime.GOOS != "windows" && os.Geteuid() != 0 {
		// XDG base directories are created on demand, 0700.
		os.MkdirAll(filepath.Dir(d), 0o700)
	}
	return d
}

// parseSize reads a size in bytes with an optional K, M or G suffix
// (powers of 1024).
func parseSize(flag, s string) (int64, error) {
	t := strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "B")
	mult := int64(1)
	if k := len(t); k > 0 {
		switch t[k-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		}
		if mult > 1 {
			t = t[:k-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, usageError{fmt.Sprintf("--%s %q: give a size in bytes, optionally with K, M or G (e.g. 64M); 0 for no limit", flag, s)}
	}
	return n * mult, nil
}

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

// required returns a usage error naming the first of the flags that was
// not given. (urfave/cli's own Required check fails outside OnUsageError, so
// its error would be neither in upwrap's words nor mapped to the usage code.)
func required(ctx *cli.Context, names ...string) error {
	for _, n := range names {
		if !ctx.IsSet(n) {
			return usageError{fmt.Sprintf("%s needs --%s", ctx.Command.Name, n)}
		}
	}
	return nil
}

// parseCodes reads a comma-separated list of exit codes; "" and "none" are
// the empty list.
func parseCodes(flag, s string) ([]int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return nil, nil
	}
	var out []int64
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(f), 0, 64)
		if err != nil {
			return nil, usageError{fmt.Sprintf("--%s: %q is not an exit code; give comma-separated integers, or none", flag, f)}
		}
		out = append(out, n)
	}
	return out, nil
}

// codesFlag returns the value of a code-list flag, or the profile's default
// when it was not given.
func codesFlag(ctx *cli.Context, name string, def map[profile]string, p profile) ([]int64, error) {
	s := def[p]
	if ctx.IsSet(name) {
		s = ctx.String(name)
	}
	return parseCodes(name, s)
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
