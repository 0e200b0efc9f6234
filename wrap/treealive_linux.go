package wrap

import (
	"os"
	"strconv"

	"github.com/upwrap/upwrap/marker"
)

// treeAlive reports whether the recorded child's tree still has a process
// in this boot: the child itself (same pid and start time), or a process
// started after it in its process group (the child's pid) or, when the child
// led a session, in that session. A zombie does not count. Callers ask only
// for a record of the current boot.
func treeAlive(c *marker.Child) bool {
	if c == nil || c.PID <= 0 {
		return false
	}
	if st, ok := readStat(c.PID); ok && st.start == c.StartTime && st.state != 'Z' {
		return true
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, ok := readStat(pid)
		if !ok || st.state == 'Z' || st.start < c.StartTime {
			continue
		}
		if st.pgrp == c.PID || c.Session != 0 && st.session == c.Session {
			return true
		}
	}
	return false
}
