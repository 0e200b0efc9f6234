package cli

import (
	"context"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/wrap"
	"github.com/urfave/cli/v2"
)

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
				State: ctx.String("state"), Reason: ctx.String("reason"), Version: c.version}, detect.System())
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
