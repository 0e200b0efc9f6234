package wrap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// DefaultVerifyTimeout bounds a --verify command when no bound is given.
const DefaultVerifyTimeout = 5 * time.Minute

// verifyPipeGrace is how long, once the verify command has exited, its
// output pipes may stay open: a background process it left holding them
// never keeps upwrap (and the job's lock) waiting.
const verifyPipeGrace = 500 * time.Millisecond

// runVerify runs the --verify command through the platform shell, its output
// going to the job log, and reports whether it exited 0. It is bounded by
// timeout (0: DefaultVerifyTimeout): at the bound its process tree is
// killed and the verify counts as failed, with the reason
// (docs/design.md §5, "--verify is bounded").
func runVerify(ctx context.Context, command string, timeout time.Duration, log *jobLog) (bool, string) {
	if timeout <= 0 {
		timeout = DefaultVerifyTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := shellCommand(ctx, command)
	cmd.Env = childEnv(os.Environ())
	cmd.WaitDelay = verifyPipeGrace
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
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		log.event(evVerifyTimedOut, "command", command, "timeout", timeout.String())
		return false, fmt.Sprintf("%q timed out after %s; its process tree was killed", command, timeout)
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		// It exited 0; what it left running held the output open.
		log.event(evVerifyPassedHeld, "command", command)
		return true, ""
	}
	if err != nil {
		log.event(evVerifyFailed, "command", command, "error", err.Error())
		return false, fmt.Sprintf("%q: %v", command, err)
	}
	log.event(evVerifyPassed, "command", command)
	return true, ""
}
