package cli

import (
	"context"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/wrap"
	"github.com/urfave/cli/v2"
)

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
		Action: c.resumeAction,
	}
}

// resumeAction finalizes the jobs whose restart has happened and reports
// each job.
func (c *cliState) resumeAction(ctx *cli.Context) error {
	f, err := readRecordFlags(ctx)
	if err != nil {
		return err
	}
	q := wrap.Query{StateDir: f.stateDir, Job: f.job, All: ctx.Bool("all"),
		MaxAttempts: ctx.Int("max-attempts"), LogFormat: ctx.String("log-format"), Version: c.version, VerifyTimeout: ctx.Duration("verify-timeout")}
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
}
