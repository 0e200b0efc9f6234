package wrap

import "golang.org/x/sys/windows"

// watchExit returns a channel closed when the process pid (upwrap's child)
// has exited, by waiting on a handle of its own. cmd.Wait still collects the
// exit code. A nil channel (never ready) means the exit cannot be watched.
func watchExit(pid int) <-chan struct{} {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		return nil
	}
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		defer windows.CloseHandle(h)
		windows.WaitForSingleObject(h, windows.INFINITE)
	}()
	return ch
}
