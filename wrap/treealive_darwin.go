package wrap

import (
	"golang.org/x/sys/unix"

	"github.com/upwrap/upwrap/marker"
)

// treeAlive reports whether the recorded child still runs (same pid and
// start time) or its process group still has a process.
func treeAlive(c *marker.Child) bool {
	if c == nil || c.PID <= 0 {
		return false
	}
	if s := procStart(c.PID); s != 0 && s == c.StartTime {
		return true
	}
	return unix.Kill(-c.PID, 0) == nil
}
