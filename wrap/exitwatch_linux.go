package wrap

import (
	"errors"

	"golang.org/x/sys/unix"
)

// watchExit returns a channel closed when the process pid (upwrap's child)
// has exited. It does not reap the process: cmd.Wait still does. Call it
// before cmd.Wait can have reaped pid, so that the pid cannot have been
// reused.
func watchExit(pid int) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		var info unix.Siginfo
		for {
			// WNOWAIT leaves the zombie to cmd.Wait. ECHILD means cmd.Wait
			// reaped it first: it has exited all the same.
			err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
			if !errors.Is(err, unix.EINTR) {
				return
			}
		}
	}()
	return ch
}
