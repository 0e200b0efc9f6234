package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/internal/tui"
	"github.com/upwrap/upwrap/wrap"
	"github.com/urfave/cli/v2"
)

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
		Action: c.statusAction,
	}
}

// statusAction answers status: one job's state and summary, or every job's
// (--all), as a table, JSON lines (--json) or metrics (--format); or the
// detection-script contract (--detection).
func (c *cliState) statusAction(ctx *cli.Context) error {
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
	if q.All {
		c.statusAll(results, q.StateDir, ctx.Bool("json"))
		return nil
	}
	for _, r := range results { // the one job
		c.code = exitCodeForResult(c.profile, r, nil)
		if ctx.Bool("json") {
			c.reportJSON(r)
		} else {
			c.say(outcomePriority(r.Outcome), summary(r, lineOpts{exit: &c.code, maxAttempts: q.MaxAttempts, color: colorOn(c.stderr)}))
		}
	}
	return nil
}

// statusAll prints every job of status --all: JSON lines, or a table. The
// exit code is 0, unless a record could not be read: its row is shown, and
// the worst such code is the exit code.
func (c *cliState) statusAll(results []*wrap.Result, stateDir string, asJSON bool) {
	switch {
	case asJSON:
		c.bufferStdout(func() {
			for _, r := range results {
				c.reportJSON(r)
			}
		})
	case len(results) == 0:
		fmt.Fprintf(c.stderr, "upwrap: no jobs in %s\n", stateDir)
	default:
		width := 0
		if f, ok := c.stdout.(*os.File); ok && tui.Terminal(f, os.Getenv) {
			width = tui.Width(f)
		}
		color := colorOn(c.stdout)
		c.bufferStdout(func() { writeTable(c.stdout, results, width, color) })
	}
	var bad []*wrap.Result
	for _, r := range results {
		if r.Outcome == wrap.BadRecord {
			bad = append(bad, r)
		}
	}
	c.code = worstExitCode(c.profile, bad)
}

// statusFormat answers status --format: prometheus prints the metrics that
// --textfile writes (docs/design.md §9), the same bytes.
func (c *cliState) statusFormat(format string, q wrap.Query, other bool) error {
	switch {
	case format != "prometheus":
		return usageError{fmt.Sprintf("--format %q: use prometheus (or --json for JSON)", format)}
	case !q.All:
		return usageError{"--format prometheus goes with --all: the metrics cover every job"}
	case other:
		return usageError{"--format prometheus goes with neither --json nor --detection"}
	}
	b, err := wrap.Metrics(context.Background(), q.StateDir, detect.System())
	if err != nil {
		return err
	}
	_, err = c.stdout.Write(b)
	return err
}
