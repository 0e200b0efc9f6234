package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/internal/journal"
	"github.com/upwrap/upwrap/wrap"
	"github.com/urfave/cli/v2"
)

func pendingCommand(c *cliState) *cli.Command {
	return &cli.Command{
		Name:  "pending",
		Usage: "is a reboot pending on this machine, and why (one line per source); exits with the reboot-required code when one is",
		Flags: []cli.Flag{
			jsonFlag("print the report as one JSON object on stdout"),
			&cli.StringSliceFlag{Name: "ignore-pending", EnvVars: env("IGNORE_PENDING"), Usage: "reboot-pending source to disregard (repeatable)"},
			exitCodesFlag(),
		},
		Action: func(ctx *cli.Context) error {
			if ctx.Args().Len() > 0 {
				return usageError{fmt.Sprintf("pending takes no arguments (got %q)", ctx.Args().First())}
			}
			r := wrap.Pending(context.Background(), detect.System(), ctx.StringSlice("ignore-pending"))
			for _, name := range r.Unknown {
				c.say(journal.Warning, "upwrap: warning: --ignore-pending "+name+": no such source on this machine")
			}
			if ctx.Bool("json") {
				b, err := json.Marshal(r)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "%s\n", b)
			} else {
				for _, s := range r.Sources {
					fmt.Fprintln(c.stdout, pendingLine(s))
				}
				switch {
				case len(r.Sources) == 0:
					fmt.Fprintln(c.stdout, "upwrap: no reboot-pending source is checked on this OS")
				case len(r.Pending) > 0:
					fmt.Fprintf(c.stdout, "upwrap: a reboot is pending (%s)\n", strings.Join(r.Pending, ", "))
				default:
					fmt.Fprintln(c.stdout, "upwrap: no reboot pending")
				}
			}
			if len(r.Pending) > 0 {
				c.code = kindRebootRequired.code(c.profile)
			}
			return nil
		},
	}
}

// pendingLine is one source's line: "upwrap: NAME: pending|not pending|not
// checked[ (ignored)]: DETAIL".
func pendingLine(s wrap.PendingSource) string {
	verdict := "not pending"
	switch {
	case !s.Checked:
		verdict = "not checked"
	case s.Pending:
		verdict = "pending"
	}
	if s.Ignored {
		verdict += " (ignored)"
	}
	return fmt.Sprintf("upwrap: %s: %s: %s", s.Name, verdict, s.Detail)
}
