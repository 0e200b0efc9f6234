package cli

import (
	"context"
	"fmt"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/wrap"
	"github.com/urfave/cli/v2"
)

var (
	defaultSuccessCodes = map[profile]string{profileMSI: "0", profilePOSIX: "0"}
	defaultRebootCodes  = map[profile]string{profileMSI: "3010", profilePOSIX: "none"}
	defaultRestartCodes = map[profile]string{profileMSI: "1641", profilePOSIX: "none"}
)

// runMaxAttemptsFlag is run's --max-attempts: the bound of the loop breaker,
// 1 or more (status and resume take it as it is, to report against).
func runMaxAttemptsFlag() cli.Flag {
	f := maxAttemptsFlag()
	f.Action = func(_ *cli.Context, n int) error {
		if n < 1 {
			return usageError{fmt.Sprintf("--max-attempts %d: give 1 or more", n)}
		}
		return nil
	}
	return f
}

func runCommand(c *cliState) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run COMMAND once as the job, or report what an earlier run recorded",
		ArgsUsage: "-- COMMAND [ARG...]",
		Flags:     runFlags(),
		Action:    c.runAction,
	}
}

func runFlags() []cli.Flag {
	return []cli.Flag{
		jobFlag("job id (default: derived from the command line)"),
		stateDirFlag(),
		&cli.BoolFlag{Name: "expect-reboot", EnvVars: env("EXPECT_REBOOT"), Usage: "the command may restart the machine; a restart completes the job"},
		&cli.StringFlag{Name: "verify", EnvVars: env("VERIFY"), Usage: "check command, run through the platform shell (sh -c / cmd.exe /C); exit 0 = the upgrade is in place"},
		verifyTimeoutFlag(),
		&cli.DurationFlag{Name: "timeout", EnvVars: env("TIMEOUT"), Usage: "kill the whole process tree after this long (e.g. 2h); 0 = no limit", Action: notNegative("timeout")},
		&cli.DurationFlag{Name: "shutdown-grace", EnvVars: env("SHUTDOWN_GRACE"), Value: wrap.DefaultShutdownGrace, Action: notNegative("shutdown-grace"),
			Usage: "with --expect-reboot: how long to wait for a shutdown notice after the command was killed by a signal nothing explained; 0 = no wait"},
		&cli.DurationFlag{Name: "await-mark", EnvVars: env("AWAIT_MARK"), Action: notNegative("await-mark"),
			Usage: "after the restart, answer busy until upwrap mark records the outcome (Windows Setup's scripts) or this long has passed since the restart; then --verify decides, else succeeded"},
		&cli.StringFlag{Name: "success-codes", EnvVars: env("SUCCESS_CODES"), Usage: "child exit codes meaning success (default 0)"},
		&cli.StringFlag{Name: "reboot-codes", EnvVars: env("REBOOT_CODES"), Usage: "child exit codes meaning success, reboot required (default: 3010 in the msi profile, none in posix)"},
		&cli.StringFlag{Name: "restart-codes", EnvVars: env("RESTART_CODES"), Usage: "child exit codes meaning success, the child started the restart (default: 1641 in msi, none in posix)"},
		runMaxAttemptsFlag(),
		&cli.StringFlag{Name: "log", EnvVars: env("LOG"), Usage: "log file, outside the state directory (default: <state-dir>/<job>.log); one that cannot be used falls back to the default, with a warning"},
		logFormatFlag(),
		&cli.StringFlag{Name: "log-max-size", EnvVars: env("LOG_MAX_SIZE"), Value: "64M", Usage: "size at which the job log stops growing (K, M, G suffixes; 0 = no limit); it also stops when its file system runs short of space"},
		&cli.DurationFlag{Name: "record-retry", EnvVars: env("RECORD_RETRY"), Value: wrap.DefaultRecordRetry, Action: notNegative("record-retry"), Usage: "how long to retry writing the final record when the state directory refuses it (full, read-only)"},
		exitCodesFlag(),
		jsonFlag("print the job record as one JSON object on stdout (the child's stdout goes to stderr)"),
		&cli.BoolFlag{Name: "wait-tree", EnvVars: env("WAIT_TREE"), Value: true, Usage: "wait for every process the command started, not only the command"},
		&cli.StringSliceFlag{Name: "ignore-pending", EnvVars: env("IGNORE_PENDING"), Usage: "reboot-pending source to disregard: NAME, or NAME:PATTERN for the matching entries of a list source (repeatable)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, EnvVars: env("QUIET"), Usage: "no status line on a terminal, and no summary line when the job succeeded"},
		&cli.BoolFlag{Name: "registry", EnvVars: env("REGISTRY"), Usage: `Windows: mirror the job's state into HKLM\SOFTWARE\upwrap\Jobs\<job> for registry detection rules`},
		textfileFlag(),
		&cli.BoolFlag{Name: "raw-cmdline", EnvVars: env("RAW_CMDLINE"), Usage: "Windows: start the command with the text after -- exactly as typed, for programs that parse their command line their own way"},
	}
}

// runOptions reads run's flags into wrap's options.
func (c *cliState) runOptions(ctx *cli.Context) (wrap.Options, error) {
	p := c.profile
	succ, err := codesFlag(ctx, "success-codes", defaultSuccessCodes, p)
	if err != nil {
		return wrap.Options{}, err
	}
	reb, err := codesFlag(ctx, "reboot-codes", defaultRebootCodes, p)
	if err != nil {
		return wrap.Options{}, err
	}
	rst, err := codesFlag(ctx, "restart-codes", defaultRestartCodes, p)
	if err != nil {
		return wrap.Options{}, err
	}
	logMax, err := parseSize("log-max-size", ctx.String("log-max-size"))
	if err != nil {
		return wrap.Options{}, err
	}
	if logMax == 0 {
		logMax = -1
	}
	grace := ctx.Duration("shutdown-grace")
	if grace == 0 {
		grace = -1 // no wait
	}
	childOut := c.stdout
	if ctx.Bool("json") {
		childOut = c.stderr // stdout holds the record
	}
	return wrap.Options{
		Job: ctx.String("job"), StateDir: stateDir(ctx), Argv: ctx.Args().Slice(), LogMaxSize: logMax, RecordRetry: ctx.Duration("record-retry"),
		ExpectReboot: ctx.Bool("expect-reboot"), Verify: ctx.String("verify"), VerifyTimeout: ctx.Duration("verify-timeout"), Timeout: ctx.Duration("timeout"),
		SuccessCodes: succ, RebootCodes: reb, RestartCodes: rst, MaxAttempts: ctx.Int("max-attempts"),
		LogPath: ctx.String("log"), LogFormat: ctx.String("log-format"), WaitTree: ctx.Bool("wait-tree"),
		IgnorePending: ctx.StringSlice("ignore-pending"), Registry: ctx.Bool("registry"), Textfile: ctx.String("textfile"), RawCmdLine: ctx.Bool("raw-cmdline"),
		ShutdownGrace: grace, AwaitMark: ctx.Duration("await-mark"),
		Stdin: c.stdin, Stdout: childOut, Stderr: c.stderr, Version: c.version,
	}, nil
}

// runAction runs the job and reports its result: the exit code, the record
// with --json, and the summary line.
func (c *cliState) runAction(ctx *cli.Context) error {
	opts, err := c.runOptions(ctx)
	if err != nil {
		return err
	}
	childOut := opts.Stdout
	quiet := ctx.Bool("quiet")
	line := c.statusLine(quiet)
	if line != nil {
		opts.Stdout = line.Writer(childOut, c.onTerminal(childOut))
		opts.Stderr = line.Writer(c.stderr, true)
		opts.Progress = func(pr wrap.Progress) { line.Set(string(pr.Job), phaseText(pr)) }
	}
	res, err := wrap.Run(context.Background(), opts, detect.System())
	line.Stop()
	if err != nil {
		return err
	}
	c.code = exitCodeForResult(c.profile, res, opts.SuccessCodes)
	if ctx.Bool("json") {
		c.reportJSON(res)
	}
	if !quiet || res.Outcome != wrap.Succeeded {
		c.say(outcomePriority(res.Outcome), summary(res, lineOpts{exit: &c.code, maxAttempts: opts.MaxAttempts, color: colorOn(c.stderr), run: true}))
	}
	return nil
}
