//go:build linux || darwin

package wrap

import (
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/upwrap/upwrap/marker"
)

// noticeSignals are the signals upwrap answers while the child runs.
var noticeSignals = append([]os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}, extraNoticeSignals...)

var sigPipe = []os.Signal{syscall.SIGPIPE}

// sigStop are the stop signals upwrap answers like a shell job (suspend).
var sigStop = []os.Signal{syscall.SIGTSTP}

func isInterrupt(sig os.Signal) bool { return sig == syscall.SIGINT }

// exitSignal names the signal that killed the process, or "".
func exitSignal(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return unix.SignalName(ws.Signal())
	}
	return ""
}

// tree is the child's process tree (docs/design.md §5, "The process tree"):
// the child, which leads a process group of its own, and every descendant
// still in its session or group or holding its output pipes. On Linux
// upwrap is the child subreaper, so every such descendant stays upwrap's
// descendant however often it re-parents; the per-OS files find the
// members (members) and wait for them (waitRest).
type tree struct {
	pid, pgid, sid int
	start          uint64
	waitTree       bool
	// ttyFd is the terminal lent to the child's group, or -1.
	ttyFd int
	// pipes are the inodes of the child's stdout and stderr pipes.
	pipes []uint64
	// stopped gets a value when the child was stopped at the terminal
	// (Ctrl-Z reaches the child's group, which has the terminal).
	stopped chan struct{}
	// stopMu is held while a stop is looked for and while suspend
	// answers one, so that no report of it outlives the answer.
	stopMu sync.Mutex
	// daemons are the descendants found to have left the tree on their own.
	mu      sync.Mutex
	daemons []marker.Daemon
	seen    map[int]bool
	// cand are the processes seen once looking like daemons, by start time.
	cand map[int]uint64
	// killed is set once kill was called: what waitRest still finds of
	// the tree is killed too.
	killed atomic.Bool
	// onDaemon, when set, is told of each daemon as it is found.
	onDaemon func(pid int, name string)
	quit     chan struct{}
}

// newTree prepares cmd. When stdin is upwrap's controlling terminal and
// upwrap is in the foreground, the child's group is put in the foreground so
// that an interactive installer can read the terminal and gets Ctrl-C itself.
func newTree(cmd *exec.Cmd, waitTree bool, stdin io.Reader) *tree {
	t := &tree{waitTree: waitTree, ttyFd: -1, stopped: make(chan struct{}, 1), seen: map[int]bool{}, cand: map[int]uint64{}, quit: make(chan struct{})}
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
	for _, w := range []io.Writer{cmd.Stdout, cmd.Stderr} {
		if f, ok := w.(*os.File); ok {
			var st unix.Stat_t
			if unix.Fstat(int(f.Fd()), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO {
				t.pipes = append(t.pipes, uint64(st.Ino))
			}
		}
	}
	if waitTree {
		becomeSubreaper()
	}
	return t
}

// started notes the child's identity and, at a terminal, starts watching
// for the child being stopped (Ctrl-Z).
func (t *tree) started(pid int) {
	t.pid, t.pgid = pid, pid
	t.sid, _ = unix.Getsid(pid)
	t.start = procStart(pid)
	if t.ttyFd >= 0 {
		go t.watchStops()
	}
}

// identity is what the record keeps of the tree so that a later upwrap can
// tell whether it lives (treeAlive). The session is kept only when the
// child leads one of its own: the caller's session says nothing.
func (t *tree) identity() marker.Child {
	c := marker.Child{PID: t.pid, StartTime: t.start}
	if t.sid == t.pid {
		c.Session = t.sid
	}
	return c
}

// suspend answers a stop of the upgrade (Ctrl-Z) like a shell job: the
// child's group is stopped, the terminal goes back to upwrap's group, and
// upwrap's group stops, so the shell gets its prompt back. When continued
// (fg, bg), upwrap lends the terminal to the child again if upwrap has it
// (fg), and continues the child's group.
func (t *tree) suspend() {
	if t.pgid == 0 {
		return
	}
	t.stopMu.Lock()
	defer t.stopMu.Unlock()
	unix.Kill(-t.pgid, unix.SIGSTOP)
	own := unix.Getpgrp()
	if t.ttyFd >= 0 {
		unix.IoctlSetPointerInt(t.ttyFd, unix.TIOCSPGRP, own)
	}
	// The stop reaches upwrap's threads asynchronously: upwrap goes on only
	// once it has been continued (SIGCONT is delivered after the stop).
	cont := make(chan os.Signal, 1)
	signal.Notify(cont, syscall.SIGCONT)
	defer signal.Stop(cont)
	unix.Kill(-own, unix.SIGSTOP)
	<-cont
	if t.ttyFd >= 0 {
		if pg, err := unix.IoctlGetInt(t.ttyFd, unix.TIOCGPGRP); err == nil && pg == own {
			unix.IoctlSetPointerInt(t.ttyFd, unix.TIOCSPGRP, t.pgid)
		}
	}
	t.signal(unix.SIGCONT)
	// A report of the stop just answered, taken before suspend began, must
	// not stop the job again once it is continued.
	select {
	case <-t.stopped:
	default:
	}
}

// signal sends sig to the child's group and to every other member of the
// tree.
func (t *tree) signal(sig os.Signal) {
	s, ok := sig.(syscall.Signal)
	if !ok || t.pgid == 0 {
		return
	}
	unix.Kill(-t.pgid, s)
	for _, pid := range t.members() {
		unix.Kill(pid, s)
	}
}

// kill kills every process of the tree, again until two scans in a row
// find none: a member may fork while it is being killed, and a process
// being re-parented can be missing from one scan. waitRest kills the
// members it still finds afterwards.
func (t *tree) kill() {
	if t.pgid == 0 {
		return
	}
	t.killed.Store(true)
	empty := 0
	for range 200 {
		unix.Kill(-t.pgid, unix.SIGKILL)
		m := t.members()
		if len(m) == 0 {
			if empty++; empty == 2 {
				return
			}
			time.Sleep(time.Millisecond)
			continue
		}
		empty = 0
		for _, pid := range m {
			unix.Kill(pid, unix.SIGKILL)
		}
		t.reap()
	}
}

// startNote is "": only Windows has an agent's job to deal with.
func (t *tree) startNote() string { return "" }

// onDaemonLeft implements processTree.
func (t *tree) onDaemonLeft(f func(pid int, name string)) { t.onDaemon = f }

// stops implements processTree: the child's group was stopped (Ctrl-Z).
func (t *tree) stops() <-chan struct{} { return t.stopped }

// restore gives the terminal back to upwrap's group and stops watching.
func (t *tree) restore() {
	if t.ttyFd >= 0 {
		unix.IoctlSetPointerInt(t.ttyFd, unix.TIOCSPGRP, unix.Getpgrp())
		t.ttyFd = -1
	}
	select {
	case <-t.quit:
	default:
		close(t.quit)
	}
}

// noteDaemon records a process that left the tree on its own, once.
func (t *tree) noteDaemon(pid int, name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen[pid] {
		return false
	}
	t.seen[pid] = true
	t.daemons = append(t.daemons, marker.Daemon{PID: pid, Name: name})
	return true
}

// leftDaemons returns the daemons found so far, named as they are now (a
// daemon found between its fork and its exec had the launcher's name).
func (t *tree) leftDaemons() []marker.Daemon {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]marker.Daemon(nil), t.daemons...)
	for i := range out {
		if n := procName(out[i].PID, t.cand[out[i].PID]); n != "" {
			out[i].Name = n
		}
	}
	return out
}
