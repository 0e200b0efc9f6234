//go:build linux || darwin

package wrap

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// noticeSignals are the signals upwrap answers while the child runs.
var noticeSignals = append([]os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}, extraNoticeSignals...)

var sigPipe = []os.Signal{syscall.SIGPIPE}

func isInterrupt(sig os.Signal) bool { return sig == syscall.SIGINT }

// exitSignal names the signal that killed the process, or "".
func exitSignal(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return unix.SignalName(ws.Signal())
	}
	return ""
}

// tree follows the child through its process group (the child leads a group
// of its own, so signals upwrap forwards reach the tree exactly once) and,
// on Linux, through child-subreaper adoption of processes that left the
// group.
type tree struct {
	pid, pgid int
	waitTree  bool
	// ttyFd is the terminal lent to the child's group, or -1.
	ttyFd int
}

// newTree prepares cmd. When stdin is upwrap's controlling terminal and
// upwrap is in the foreground, the child's group is put in the foreground so
// that an interactive installer can read the terminal and gets Ctrl-C itself.
func newTree(cmd *exec.Cmd, waitTree bool, stdin io.Reader) *tree {
	t := &tree{waitTree: waitTree, ttyFd: -1}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if f, ok := stdin.(*os.File); ok {
		fd := int(f.Fd())
		if pg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err == nil && pg == unix.Getpgrp() {
			cmd.SysProcAttr.Foreground = true
			cmd.SysProcAttr.Ctty = fd
			t.ttyFd = fd
			// Taking the terminal back from a background group raises
			// SIGTTOU; upwrap must not stop there.
			signal.Ignore(syscall.SIGTTOU)
		}
	}
	if waitTree {
		becomeSubreaper()
	}
	return t
}

func (t *tree) started(pid int) {
	t.pid = pid
	t.pgid = pid
}

// signal sends sig to the child's group and to adopted descendants outside it.
func (t *tree) signal(sig os.Signal) {
	s, ok := sig.(syscall.Signal)
	if !ok || t.pgid == 0 {
		return
	}
	unix.Kill(-t.pgid, s)
	for _, pid := range t.outsiders() {
		unix.Kill(pid, s)
	}
}

func (t *tree) kill() { t.signal(syscall.SIGKILL) }

// restore gives the terminal back to upwrap's group.
func (t *tree) restore() {
	if t.ttyFd >= 0 {
		unix.IoctlSetPointerInt(t.ttyFd, unix.TIOCSPGRP, unix.Getpgrp())
		t.ttyFd = -1
	}
}

// reapGroup waits for every process of the child's group that is upwrap's
// child (directly, or adopted as subreaper) until none is left.
func (t *tree) reapGroup() {
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(-t.pgid, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return
		}
	}
}
