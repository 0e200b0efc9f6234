package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/upwrap/upwrap/wrap"
	"github.com/urfave/cli/v2"
)

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
