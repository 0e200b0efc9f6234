package wrap

import (
	"context"
	"fmt"
)

// runVerify runs the --verify command through the platform shell, its output
// going to the job log, and reports whether it exited 0.
func runVerify(ctx context.Context, command string, log *jobLog) (bool, string) {
	cmd := shellCommand(ctx, command)
	var out, errw *teeWriter
	if log != nil {
		out = log.tee("verify", nil)
		errw = log.tee("verify", nil)
		cmd.Stdout, cmd.Stderr = out, errw
	}
	err := cmd.Run()
	if out != nil {
		out.flush()
		errw.flush()
	}
	if err != nil {
		log.event("verify failed", "command", command, "error", err.Error())
		return false, fmt.Sprintf("%q: %v", command, err)
	}
	log.event("verify passed", "command", command)
	return true, ""
}
