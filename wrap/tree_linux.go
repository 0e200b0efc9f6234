package wrap

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

var extraNoticeSignals = []os.Signal{syscall.SIGPWR}

// becomeSubreaper makes orphaned descendants of the child upwrap's children
// rather than init's, so that an installer that re-spawns itself and exits
// can still be waited for.
func becomeSubreaper() { unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }

// waitRest waits until no process of the tree is left: the child's group,
// then any adopted descendant that left the group (setsid), repeatedly,
// since each may leave orphans of its own.
func (t *tree) waitRest() {
	for {
		t.reapGroup()
		rest := t.outsiders()
		if len(rest) == 0 {
			return
		}
		for _, pid := range rest {
			var ws unix.WaitStatus
			for {
				_, err := unix.Wait4(pid, &ws, 0, nil)
				if !errors.Is(err, unix.EINTR) {
					break
				}
			}
		}
	}
}

// outsiders lists upwrap's children that are not in upwrap's own process
// group (those are upwrap's helpers) nor in the child's group (reached by
// group signals): descendants of the child that moved to a group or session
// of their own and were adopted.
func (t *tree) outsiders() []int {
	self := os.Getpid()
	own := unix.Getpgrp()
	var kids []int
	ents, _ := os.ReadDir("/proc/self/task")
	for _, e := range ents {
		if c, err := os.ReadFile("/proc/self/task/" + e.Name() + "/children"); err == nil {
			kids = append(kids, parseInts(c)...)
		}
	}
	var out []int
	for _, k := range kids {
		pg, err := unix.Getpgid(k)
		if err != nil || pg == own || pg == t.pgid || k == self {
			continue
		}
		out = append(out, k)
	}
	return out
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
