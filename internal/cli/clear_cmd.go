package cli

import (
	"context"
	"fmt"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/wrap"
	"github.com/urfave/cli/v2"
)

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
