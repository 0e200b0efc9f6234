package marker

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// openLockFile opens or creates the lock file name in dir, relative to the
// directory's handle (openAt); it inherits the directory's DACL.
func openLockFile(dir *os.File, name string) (*os.File, error) {
	h, err := openAt(dir, name, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, windows.FILE_OPEN_IF, windows.FILE_NON_DIRECTORY_FILE)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(h), at(dir, name)), nil
}

// lockFile takes an exclusive LockFileEx lock on the first byte, failing
// at once when another handle holds it (LOCKFILE_FAIL_IMMEDIATELY,
// https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-lockfileex).
func lockFile(f *os.File) error {
	ol := new(windows.Overlapped)
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return ErrLocked
	}
	return err
}

func probeLock(f *os.File) (bool, error) {
	ol := new(windows.Overlapped)
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
	return false, nil
}
