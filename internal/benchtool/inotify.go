//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// watcher reports renames into, and writes to, the files of one directory,
// and the directory's own closes (name ""): a durable write ends by closing
// the directory right after its fsync.
type watcher struct {
	fd  int
	buf []byte
}

// event is one inotify event, stamped with the moment the harness read it:
// the moment it could first have known.
type event struct {
	name string
	mask uint32
	at   time.Time
}

func newWatcher(dir string) (*watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_MOVED_TO|unix.IN_MODIFY|unix.IN_CLOSE_NOWRITE); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("inotify %s: %w", dir, err)
	}
	return &watcher{fd: fd, buf: make([]byte, 64<<10)}, nil
}

func (w *watcher) close() { unix.Close(w.fd) }

// wait returns the events that arrive within timeout (none on timeout).
func (w *watcher) wait(timeout time.Duration) ([]event, error) {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return nil, nil
		}
		fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("poll: %w", err)
		}
		if n == 0 {
			continue
		}
		r, err := unix.Read(w.fd, w.buf)
		at := time.Now()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read inotify: %w", err)
		}
		return parseEvents(w.buf[:r], at), nil
	}
}

// drain discards events already queued.
func (w *watcher) drain() {
	for {
		if _, err := unix.Read(w.fd, w.buf); err != nil {
			return
		}
	}
}

func parseEvents(b []byte, at time.Time) []event {
	var out []event
	for len(b) >= unix.SizeofInotifyEvent {
		raw := (*unix.InotifyEvent)(unsafe.Pointer(&b[0]))
		end := unix.SizeofInotifyEvent + int(raw.Len)
		if end > len(b) {
			break
		}
		name := string(bytes.TrimRight(b[unix.SizeofInotifyEvent:end], "\x00"))
		out = append(out, event{name: name, mask: raw.Mask, at: at})
		b = b[end:]
	}
	return out
}
