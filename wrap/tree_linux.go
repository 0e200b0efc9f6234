package wrap

import (
	"bytes"
	"errors"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

var extraNoticeSignals = []os.Signal{syscall.SIGPWR}

// becomeSubreaper makes orphaned descendants of the child upwrap's children
// rather than init's, so that every process of the tree stays upwrap's
// descendant, whatever it does to its session or group.
func becomeSubreaper() { unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }

// Polling bounds of waitRest. The tree can end without an event upwrap
// hears: its last member calls setsid() or closes the output pipes, or ends
// under a parent that is a daemon. The interval starts short after each
// event and backs off to treePollMax; after treeIdleAfter without a change
// (a relaunched installer at work) to treePollIdle.
const (
	treePollMin   = 2 * time.Millisecond
	treePollMax   = 50 * time.Millisecond
	treePollIdle  = 250 * time.Millisecond
	treeIdleAfter = 5 * time.Second
)

// waitRest returns once no process of the tree is left. It never blocks in
// a wait: adopted processes are reaped without waiting (WNOHANG), and the
// tree is scanned again on each SIGCHLD, on eof (the output pipes' last
// writer closed them), and when a poll of the known members (one read of
// each one's stat, from a file kept open) finds one gone or moved out. The
// end is taken only from two scans in a row: a process being re-parented
// to upwrap can be missing from one scan of its children lists.
func (t *tree) waitRest(eof <-chan struct{}) {
	chld := make(chan os.Signal, 1)
	signal.Notify(chld, syscall.SIGCHLD)
	defer signal.Stop(chld)
	w := watchSet{}
	defer w.close()
	poll := treePollMin
	timer := time.NewTimer(0)
	defer timer.Stop()
	empty, full := 0, true
	changed := time.Now()
	for {
		if full {
			t.reap()
			m, pending := t.scan()
			if t.killed.Load() {
				for _, pid := range m {
					unix.Kill(pid, unix.SIGKILL)
				}
			}
			switch {
			case len(m) > 0:
				empty, full = 0, false
			case pending:
				empty = 0
			default:
				if empty++; empty == 2 {
					return
				}
			}
			w.update(m)
			changed = time.Now()
			if full {
				poll = treePollMin
			}
		}
		timer.Reset(poll)
		select {
		case <-chld:
			full, poll = true, treePollMin
		case <-eof:
			eof, full, poll = nil, true, treePollMin
		case <-timer.C:
			switch {
			case w.changed(t):
				full, poll = true, treePollMin
			case time.Since(changed) > treeIdleAfter:
				poll = treePollIdle
			default:
				poll = min(2*poll, treePollMax)
			}
		}
	}
}

// watchSet keeps /proc/PID/stat open for each known member of the tree,
// with the start time read when it was opened.
type watchSet map[int]watched

type watched struct {
	f     *os.File
	start uint64
}

// update makes the set watch exactly pids.
func (w watchSet) update(pids []int) {
	keep := map[int]bool{}
	for _, pid := range pids {
		keep[pid] = true
		if _, ok := w[pid]; ok {
			continue
		}
		f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		st, _ := readStatFile(f)
		w[pid] = watched{f: f, start: st.start}
	}
	for pid, x := range w {
		if !keep[pid] {
			x.f.Close()
			delete(w, pid)
		}
	}
}

// changed reports whether a watched member has ended, or left the child's
// group and session (it may still hold the pipes: a scan decides).
func (w watchSet) changed(t *tree) bool {
	for _, x := range w {
		st, ok := readStatFile(x.f)
		if !ok || st.state == 'Z' || st.start != x.start || st.pgrp != t.pgid && st.session != t.sid {
			return true
		}
	}
	return false
}

func (w watchSet) close() {
	for _, x := range w {
		x.f.Close()
	}
}

// readStatFile reads an open /proc/PID/stat again from its start; it fails
// once the process is gone.
func readStatFile(f *os.File) (procStat, bool) {
	var buf [1024]byte
	n, err := unix.Pread(int(f.Fd()), buf[:], 0)
	if err != nil || n <= 0 || n == len(buf) {
		return procStat{}, false
	}
	return parseStat(buf[:n])
}

// reap collects the adopted children of upwrap that have ended (not the
// child itself, which cmd.Wait collects, and not upwrap's own helpers, in
// upwrap's process group).
func (t *tree) reap() {
	own, self := unix.Getpgrp(), os.Getpid()
	for _, k := range childrenOf(self) {
		if k == t.pid {
			continue
		}
		if pg, err := unix.Getpgid(k); err != nil || pg == own {
			continue
		}
		var ws unix.WaitStatus
		unix.Wait4(k, &ws, unix.WNOHANG, nil)
	}
}

// members lists the live processes of the tree (see scan).
func (t *tree) members() []int {
	m, _ := t.scan()
	return m
}

// scan finds the live processes of the tree: upwrap's descendants (all of
// the tree, upwrap being the subreaper) in the child's session or process
// group, or holding one of its output pipes. A descendant of upwrap that is
// none of these and was adopted by upwrap has made itself a daemon: it is
// not waited for and not killed, and neither are its own descendants
// unless they hold the pipes. It is noted (noteDaemon) once a second scan
// finds it so again: a member that is exiting has closed its files before
// it turns into a zombie, and must not be taken for a daemon. pending
// reports a daemon seen once.
func (t *tree) scan() (members []int, pending bool) {
	own, self := unix.Getpgrp(), os.Getpid()
	var walk func(pid int, top bool)
	walk = func(pid int, top bool) {
		for _, k := range childrenOf(pid) {
			st, ok := readStat(k)
			if !ok {
				continue
			}
			if top && st.pgrp == own && k != t.pid {
				// upwrap's own helpers.
				continue
			}
			if st.state != 'Z' && st.start >= t.start {
				switch {
				case st.pgrp == t.pgid || st.session == t.sid || t.holdsPipe(k):
					members = append(members, k)
				case st.ppid == self:
					pending = t.daemonSeen(k, st) || pending
				}
			}
			walk(k, false)
		}
	}
	walk(self, true)
	return members, pending
}

// daemonSeen notes that pid looks like a daemon; it reports true (pending)
// the first time, and on the second records the daemon.
func (t *tree) daemonSeen(pid int, st procStat) bool {
	t.mu.Lock()
	first := t.cand[pid] != st.start
	t.cand[pid] = st.start
	t.mu.Unlock()
	if first {
		return true
	}
	if t.noteDaemon(pid, st.comm) && t.onDaemon != nil {
		t.onDaemon(pid, st.comm)
	}
	return false
}

// holdsPipe reports whether pid has the child's stdout or stderr pipe open.
func (t *tree) holdsPipe(pid int) bool {
	if len(t.pipes) == 0 {
		return false
	}
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		link, err := os.Readlink(dir + e.Name())
		if err != nil || len(link) < 7 || link[:6] != "pipe:[" {
			continue
		}
		ino, err := strconv.ParseUint(link[6:len(link)-1], 10, 64)
		if err != nil {
			continue
		}
		for _, p := range t.pipes {
			if p == ino {
				return true
			}
		}
	}
	return false
}

// childrenOf lists the children of pid, of all its threads.
func childrenOf(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	ents, _ := os.ReadDir(dir)
	var kids []int
	for _, e := range ents {
		if c, err := os.ReadFile(dir + e.Name() + "/children"); err == nil {
			kids = append(kids, parseInts(c)...)
		}
	}
	return kids
}

// procStat is what upwrap reads of /proc/PID/stat.
type procStat struct {
	comm                string
	state               byte
	ppid, pgrp, session int
	start               uint64 // field 22, clock ticks after boot
}

// readStat reads /proc/PID/stat; ok is false when the process is gone.
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	return parseStat(b)
}

// parseStat parses a /proc/PID/stat line. The command name (field 2) is in
// parentheses and may itself contain spaces and parentheses: the fields
// after it start after the last ')'.
func parseStat(b []byte) (procStat, bool) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	f := bytes.Fields(b[end+1:])
	// f[0] is field 3 (state); field N is f[N-3].
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, false
	}
	st := procStat{comm: string(b[open+1 : end]), state: f[0][0]}
	var err error
	ints := []*int{&st.ppid, &st.pgrp, &st.session}
	for i, p := range ints {
		if *p, err = strconv.Atoi(string(f[1+i])); err != nil {
			return procStat{}, false
		}
	}
	if st.start, err = strconv.ParseUint(string(f[19]), 10, 64); err != nil {
		return procStat{}, false
	}
	return st, true
}

// procName is the command name of pid if it still has the start time
// start, else "".
func procName(pid int, start uint64) string {
	if st, ok := readStat(pid); ok && st.start == start {
		return st.comm
	}
	return ""
}

// procStart is the start time of pid (0 when it is gone).
func procStart(pid int) uint64 {
	st, _ := readStat(pid)
	return st.start
}

func parseInts(b []byte) []int {
	var out []int
	for _, f := range bytes.Fields(b) {
		if n, err := strconv.Atoi(string(f)); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// watchStops reports, on stopped, each time the child is stopped by a
// signal; it consumes only the stop reports (WSTOPPED without WEXITED), so
// cmd.Wait still collects the exit. It looks on each SIGCHLD and, should
// one be missed, every stopPoll. A child that cannot stop yet although
// Ctrl-Z reached its group counts as stopped too (stopPending): a shell
// blocked in vfork until its new process runs, which Ctrl-Z stopped before
// its exec, would otherwise leave the terminal with neither the upgrade
// running nor the prompt back (docs/design.md §5).
func (t *tree) watchStops() {
	chld := make(chan os.Signal, 1)
	signal.Notify(chld, syscall.SIGCHLD)
	defer signal.Stop(chld)
	tick := time.NewTicker(stopPoll)
	defer tick.Stop()
	for {
		select {
		case <-chld:
		case <-tick.C:
		case <-t.quit:
			return
		}
		// Under stopMu, so that a stop suspend is answering is not
		// reported again once the job is continued.
		t.stopMu.Lock()
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, t.pid, &info, unix.WSTOPPED|unix.WNOHANG, nil)
		if errors.Is(err, unix.ECHILD) {
			t.stopMu.Unlock()
			return
		}
		if err == nil && info.Signo != 0 || stopPending(t.pid) {
			select {
			case t.stopped <- struct{}{}:
			default:
			}
		}
		t.stopMu.Unlock()
	}
}

// terminalStops is the mask of SIGTSTP, SIGTTIN and SIGTTOU in the pending
// sets of /proc/PID/status (bit n-1 stands for signal n).
const terminalStops = 1<<(unix.SIGTSTP-1) | 1<<(unix.SIGTTIN-1) | 1<<(unix.SIGTTOU-1)

// stopPending reports whether pid has a terminal stop signal pending that it
// has not acted on: it is blocked in the kernel (vfork) and stops once it
// returns. SIGCONT clears such a signal, so a continued child never reads
// as stopped again.
func stopPending(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	return err == nil && stopPendingIn(b)
}

// stopPendingIn reads a /proc/PID/status text: a terminal stop signal is
// pending (SigPnd or ShdPnd) and will stop the process, not being caught
// (SigCgt) — a process that catches SIGTSTP decides itself what Ctrl-Z
// means. A blocked one still counts: dash blocks every signal around its
// vfork, and the stop takes effect as soon as it unblocks them.
func stopPendingIn(status []byte) bool {
	var pnd, cgt uint64
	for _, line := range bytes.Split(status, []byte("\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 16, 64)
		if err != nil {
			continue
		}
		switch string(k) {
		case "SigPnd", "ShdPnd":
			pnd |= n
		case "SigCgt":
			cgt |= n
		}
	}
	return pnd&^cgt&terminalStops != 0
}

// stopPoll bounds how long a stop of the child at the terminal can go
// unanswered if its SIGCHLD is missed.
const stopPoll = 250 * time.Millisecond
