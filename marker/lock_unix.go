//go:build unix

package marker

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openLockFile opens or creates (0600) the lock file name in dir, never
// through a symbolic link, and checks it as a record is checked.
func openLockFile(dir *os.File, name string) (*os.File, error) {
	p := at(dir, name)
	f, err := openAt(dir, name, os.O_RDWR|os.O_CREATE|noFollow, 0o600)
	if err != nil {
		if err := openError(p, err); errors.Is(err, ErrUntrusted) {
			return nil, err
		}
		// Read-only, full, or not ours to write: the directory cannot
		// hold the job.
		return nil, fmt.Errorf("%w: %v", ErrStateDir, err)
	}
	if err := checkOpenFile(f, p); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func lockFile(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EWOULDBLOCK) {
			return ErrLocked
		}
		return err
	}
}

func probeLock(f *os.File) (bool, error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return true, nil
		case err != nil:
			return false, err
		}
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		return false, nil
	}
}
