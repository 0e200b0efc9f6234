package wrap

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

var extraNoticeSignals []os.Signal

// becomeSubreaper does nothing: macOS has no child subreaper; orphans go to
// launchd, and waitRest follows the child's process group instead.
func becomeSubreaper() {}

// waitRest waits until the child's process group is empty, without a
// blocking wait: a process that leaves the group is not waited for.
func (t *tree) waitRest(eof <-chan struct{}) {
	for unix.Kill(-t.pgid, 0) == nil {
		var ws unix.WaitStatus
		unix.Wait4(-t.pgid, &ws, unix.WNOHANG, nil)
		time.Sleep(20 * time.Millisecond)
	}
}

// members is empty on macOS: without a subreaper upwrap cannot follow a
// descendant that left the child's group; signals reach the group.
func (t *tree) members() []int { return nil }

// reap collects ended processes of the child's group, without waiting.
func (t *tree) reap() {
	var ws unix.WaitStatus
	unix.Wait4(-t.pgid, &ws, unix.WNOHANG, nil)
}

// procName is "": macOS finds no daemons (members).
func procName(pid int, start uint64) string { return "" }

// watchStops does nothing on macOS: Ctrl-Z at a terminal is not followed.
func (t *tree) watchStops() {}

// procStart is the start time of pid in microseconds since the epoch (0
// when it is gone).
func procStart(pid int) uint64 {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil || kp.Proc.P_pid != int32(pid) {
		return 0
	}
	tv := kp.Proc.P_starttime
	return uint64(tv.Sec)*1e6 + uint64(tv.Usec)
}
