package wrap

import (
	"golang.org/x/sys/windows"

	"github.com/upwrap/upwrap/marker"
)

// stillActive is STILL_ACTIVE, the exit code of a process that runs.
const stillActive = 259

// treeAlive reports whether the recorded child still runs: a process with
// its pid and creation time that has not exited.
func treeAlive(c *marker.Child) bool {
	if c == nil || c.PID <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(c.PID))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var code uint32
	if windows.GetExitCodeProcess(h, &code) != nil || code != stillActive {
		return false
	}
	return creationOf(h) == c.StartTime
}

// processCreation is the creation FILETIME of pid, 0 when unknown.
func processCreation(pid uint32) uint64 {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return 0
	}
	defer windows.CloseHandle(h)
	return creationOf(h)
}

func creationOf(h windows.Handle) uint64 {
	var created, exited, kernel, user windows.Filetime
	if windows.GetProcessTimes(h, &created, &exited, &kernel, &user) != nil {
		return 0
	}
	return uint64(created.HighDateTime)<<32 | uint64(created.LowDateTime)
}
