package wrap

import (
	"errors"

	"golang.org/x/sys/windows"

	"github.com/upwrap/upwrap/marker"
)

// treeAlive reports whether the tree a record names still runs
// (docs/design.md §5): its named job object still has active processes
// (OpenJobObject,
// https://learn.microsoft.com/en-us/windows/win32/api/jobapi2/nf-jobapi2-openjobobjectw,
// then JobObjectBasicAccountingInformation.ActiveProcesses). When the name
// cannot be opened — the job is gone, or its name went with the last
// handle while a process of it still runs — the child itself decides: the
// same pid with the same creation time.
func treeAlive(c *marker.Child) bool {
	if c == nil {
		return false
	}
	if c.JobObject != "" {
		if n, err := namedJobActive(c.JobObject); err == nil {
			return n > 0
		}
	}
	return processAlive(c.PID, c.StartTime)
}

// namedJobActive opens the job object name and reads its process count.
func namedJobActive(name string) (uint32, error) {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return 0, err
	}
	h, err := openJobObject(jobObjectQuery, false, p)
	if err != nil {
		return 0, err
	}
	defer windows.CloseHandle(h)
	return jobActive(h)
}

// processAlive reports whether pid runs and was created at created (a
// FILETIME; 0 matches any), so that a reused pid is not taken for the
// child. A process that cannot be opened for another reason than "no such
// process" (access denied) counts as alive: a live upgrade must never be
// reported interrupted on a guess.
func processAlive(pid int, created uint64) bool {
	if pid <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION|windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		return !errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	defer windows.CloseHandle(h)
	if ev, err := windows.WaitForSingleObject(h, 0); err == nil && ev == windows.WAIT_OBJECT_0 {
		return false // exited; the handle only keeps its exit code
	}
	return created == 0 || processCreated(h) == created
}
