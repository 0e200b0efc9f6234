package wrap

import "golang.org/x/sys/windows"

// diskSpace returns the size of the volume holding dir and the bytes the
// caller may still use on it.
func diskSpace(dir string) (total, free uint64, ok bool) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, 0, false
	}
	var avail, tot, totFree uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &tot, &totFree); err != nil {
		return 0, 0, false
	}
	return tot, avail, true
}
