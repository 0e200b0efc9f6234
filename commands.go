package main

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/internal/tui"
	"github.com/upwrap/upwrap/wrap"
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
		Flags: []cli.Flag{
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
		},
		Action: func(ctx *cli.Context) error {
			p := c.profile
			succ, err := codesFlag(ctx, "success-codes", defaultSuccessCodes, p)
			if err != nil {
				return err
			}
			reb, err := codesFlag(ctx, "reboot-codes", defaultRebootCodes, p)
			if err != nil {
				return err
			}
			rst, err := codesFlag(ctx, "restart-codes", defaultRestartCodes, p)
			if err != nil {
				return err
			}
			logMax, err := parseSize("log-max-size", ctx.String("log-max-size"))
			if err != nil {
				return err
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
				childOut = c.stderr
			}
			opts := wrap.Options{
				Job: ctx.String("job"), StateDir: stateDir(ctx), Argv: ctx.Args().Slice(), LogMaxSize: logMax, RecordRetry: ctx.Duration("record-retry"),
				ExpectReboot: ctx.Bool("expect-reboot"), Verify: ctx.String("verify"), VerifyTimeout: ctx.Duration("verify-timeout"), Timeout: ctx.Duration("timeout"),
				SuccessCodes: succ, RebootCodes: reb, RestartCodes: rst, MaxAttempts: ctx.Int("max-attempts"),
				LogPath: ctx.String("log"), LogFormat: ctx.String("log-format"), WaitTree: ctx.Bool("wait-tree"),
				IgnorePending: ctx.StringSlice("ignore-pending"), Registry: ctx.Bool("registry"), Textfile: ctx.String("textfile"), RawCmdLine: ctx.Bool("raw-cmdline"),
				ShutdownGrace: grace, AwaitMark: ctx.Duration("await-mark"),
				Stdin: c.stdin, Stdout: childOut, Stderr: c.stderr, Version: version,
			}
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
			c.code = exitCodeForResult(p, res, succ)
			if ctx.Bool("json") {
				c.reportJSON(res)
			}
			if !quiet || res.Outcome != wrap.Succeeded {
				c.say(outcomePriority(res.Outcome), summary(res, lineOpts{exit: &c.code, maxAttempts: opts.MaxAttempts, color: colorOn(c.stderr), run: true}))
			}
			return nil
		},
	}
}

func statusCommand(c *cliState) *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "print a job's effective state (what run would act on); writes nothing",
		Flags: []cli.Flag{
			jobFlag("job id"),
			&cli.BoolFlag{Name: "all", EnvVars: env("ALL"), Usage: "every job in the state directory"},
			stateDirFlag(),
			jsonFlag("print each record as one JSON object per line"),
			&cli.BoolFlag{Name: "detection", EnvVars: env("DETECTION"), Usage: "Intune / Configuration Manager detection-script contract: exit 0 whenever the state is known, one line on stdout only when the job succeeded"},
			&cli.StringFlag{Name: "format", EnvVars: env("FORMAT"), Usage: "with --all: prometheus prints the jobs' records as Prometheus metrics, the text --textfile writes"},
			verifyTimeoutFlag(),
			maxAttemptsFlag(),
			exitCodesFlag(),
		},
		Action: func(ctx *cli.Context) error {
			q := wrap.Query{StateDir: stateDir(ctx), Job: ctx.String("job"), All: ctx.Bool("all"), MaxAttempts: ctx.Int("max-attempts"), VerifyTimeout: ctx.Duration("verify-timeout")}
			if ctx.Bool("detection") && (q.All || ctx.Bool("json")) {
				return usageError{"--detection goes with --job alone"}
			}
			if f := ctx.String("format"); f != "" {
				return c.statusFormat(f, q, ctx.Bool("json") || ctx.Bool("detection"))
			}
			results, err := wrap.Status(context.Background(), q, detect.System())
			if err != nil {
				return err
			}
			if ctx.Bool("detection") {
				if r := results[0]; r.Outcome == wrap.Succeeded {
					fmt.Fprintf(c.stdout, "upwrap: %s succeeded\n", r.Job)
				}
				c.code = 0
				return nil
			}
			switch {
			case ctx.Bool("json"):
				c.bufferStdout(func() {
					for _, r := range results {
						c.reportJSON(r)
					}
				})
			case q.All && len(results) == 0:
				fmt.Fprintf(c.stderr, "upwrap: no jobs in %s\n", q.StateDir)
			case q.All:
				width := 0
				if f, ok := c.stdout.(*os.File); ok && tui.Terminal(f, os.Getenv) {
					width = tui.Width(f)
				}
				color := colorOn(c.stdout)
				c.bufferStdout(func() { writeTable(c.stdout, results, width, color) })
			}
			if q.All {
				// 0 as before, unless a record could not be read: its
				// row is shown, and the worst such code is the exit code.
				var bad []*wrap.Result
				for _, r := range results {
					if r.Outcome == wrap.BadRecord {
						bad = append(bad, r)
					}
				}
				c.code = worstExitCode(c.profile, bad)
			}
			if !q.All && len(results) == 1 {
				c.code = exitCodeForResult(c.profile, results[0], nil)
				if !ctx.Bool("json") {
					c.say(outcomePriority(results[0].Outcome), summary(results[0], lineOpts{exit: &c.code, maxAttempts: q.MaxAttempts, color: colorOn(c.stderr)}))
				}
			}
			return nil
		},
	}
}

func resumeCommand(c *cliState) *cli.Command {
	return &cli.Command{
		Name:  "resume",
		Usage: "at boot: record the outcome of jobs whose restart has happened",
		Flags: []cli.Flag{
			jobFlag("job id"),
			&cli.BoolFlag{Name: "all", EnvVars: env("ALL"), Usage: "every job in the state directory"},
			stateDirFlag(),
			jsonFlag("print each record as one JSON object per line"),
			logFormatFlag(),
			verifyTimeoutFlag(),
			maxAttemptsFlag(),
			exitCodesFlag(),
			textfileFlag(),
		},
		Action: func(ctx *cli.Context) error {
			f, err := readRecordFlags(ctx)
			if err != nil {
				return err
			}
			q := wrap.Query{StateDir: f.stateDir, Job: f.job, All: ctx.Bool("all"),
				MaxAttempts: ctx.Int("max-attempts"), LogFormat: ctx.String("log-format"), Version: version, VerifyTimeout: ctx.Duration("verify-timeout")}
			defer c.writeTextfile(f)
			results, err := wrap.Resume(context.Background(), q, detect.System())
			if err != nil {
				return err
			}
			o := lineOpts{maxAttempts: q.MaxAttempts, color: colorOn(c.stderr)}
			if !q.All && len(results) == 1 {
				c.code = exitCodeForResult(c.profile, results[0], nil)
				o.exit = &c.code
			} else {
				// Every healthy job was finalized. The exit code is the
				// worst (worstExitCode) of what this resume did or
				// could not do: the jobs it recorded, those another upwrap
				// holds, and the records it could not read or write; jobs
				// it left as they were do not count.
				var acted []*wrap.Result
				for _, r := range results {
					if r.Recorded || r.Outcome == wrap.Busy || r.Outcome == wrap.BadRecord {
						acted = append(acted, r)
					}
				}
				c.code = worstExitCode(c.profile, acted)
			}
			for _, r := range results {
				c.warnings(r)
				if ctx.Bool("json") {
					c.reportJSON(r)
				} else {
					c.say(outcomePriority(r.Outcome), summary(r, o))
				}
			}
			return nil
		},
	}
}

// bufferStdout runs f with stdout buffered: one write per 64 KiB instead of
// one per line (status --all over 10 000 jobs made 10 000 writes).
func (c *cliState) bufferStdout(f func()) {
	w := c.stdout
	b := bufio.NewWriterSize(w, 64<<10)
	c.stdout = b
	defer func() {
		c.stdout = w
		b.Flush()
	}()
	f()
}

func markCommand(c *cliState) *cli.Command {
	return &cli.Command{
		Name:  "mark",
		Usage: "record a job's outcome from outside (e.g. Windows Setup's setupcomplete.cmd / setuprollback.cmd)",
		Flags: []cli.Flag{
			jobFlag("job id (required)"),
			&cli.StringFlag{Name: "state", EnvVars: env("STATE"), Usage: "succeeded or failed (required)"},
			&cli.StringFlag{Name: "reason", EnvVars: env("REASON"), Usage: "one line saying why"},
			stateDirFlag(),
			jsonFlag("print the record as one JSON object"),
			exitCodesFlag(),
			textfileFlag(),
		},
		Action: func(ctx *cli.Context) error {
			f, err := readRecordFlags(ctx, "job", "state")
			if err != nil {
				return err
			}
			defer c.writeTextfile(f)
			res, err := wrap.Mark(context.Background(), wrap.MarkOptions{StateDir: f.stateDir, Job: f.job,
				State: ctx.String("state"), Reason: ctx.String("reason"), Version: version}, detect.System())
			if err != nil {
				return err
			}
			if res.Outcome == wrap.Busy {
				c.code = exitCodeForResult(c.profile, res, nil)
			}
			c.warnings(res)
			if ctx.Bool("json") {
				c.reportJSON(res)
			} else {
				// The exit code is the mark's (0: recorded), not the job's:
				// a summary says it only when the mark was refused.
				o := lineOpts{color: colorOn(c.stderr)}
				if res.Outcome == wrap.Busy {
					o.exit = &c.code
				}
				c.say(outcomePriority(res.Outcome), summary(res, o))
			}
			return nil
		},
	}
}

func clearCommand(c *cliState) *cli.Command {
	return &cli.Command{
		Name:  "clear",
		Usage: "forget a job so that it may run again (refused while it runs)",
		Flags: []cli.Flag{
			jobFlag("job id (required)"),
			stateDirFlag(),
			exitCodesFlag(),
			textfileFlag(),
		},
		Action: func(ctx *cli.Context) error {
			f, err := readRecordFlags(ctx, "job")
			if err != nil {
				return err
			}
			defer c.writeTextfile(f)
			res, err := wrap.Clear(context.Background(), wrap.Query{StateDir: f.stateDir, Job: f.job}, detect.System())
			if err != nil {
				return err
			}
			if res.Outcome == wrap.Busy {
				c.code = exitCodeForResult(c.profile, res, nil)
				fmt.Fprintf(c.stderr, "upwrap: %s is running; not cleared\nupwrap: hint: wait for it to finish, or stop it first\n", res.Job)
				return nil
			}
			fmt.Fprintf(c.stderr, "upwrap: %s cleared; its next run starts afresh\n", res.Job)
			return nil
		},
	}
}
