package wrap

import (
	"errors"

	"golang.org/x/sys/unix"
)

// watchExit returns a channel closed when the process pid (upwrap's child)
// has exited, through a kqueue NOTE_EXIT filter, which does not reap the
// process: cmd.Wait still does. A nil channel (never ready) means the exit
// cannot be watched.
func watchExit(pid int) <-chan struct{} {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil
	}
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		defer unix.Close(kq)
		var ev unix.Kevent_t
		unix.SetKevent(&ev, pid, unix.EVFILT_PROC, unix.EV_ADD|unix.EV_ONESHOT)
		ev.Fflags = unix.NOTE_EXIT
		out := make([]unix.Kevent_t, 1)
		for {
			// An error (ESRCH: already gone) counts as exited too.
			_, err := unix.Kevent(kq, []unix.Kevent_t{ev}, out, nil)
			if !errors.Is(err, unix.EINTR) {
				return
			}
		}
	}()
	return ch
}
