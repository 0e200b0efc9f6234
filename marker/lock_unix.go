//go:build unix

package marker

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// openLockFile opens or creates (0600) the lock file name in dir, never
// through a symbolic link, and checks it as a record is checked. It is
// opened for reading only: flock needs no more, and a lock held for the
// whole job then does not count as a writer of the state directory's
// mount (a file system that turns read-only under upwrap is not kept from
// doing so by it). O_NONBLOCK keeps a FIFO planted there from blocking
// the open (it is then refused as not a regular file).
func openLockFile(dir *os.File, name string) (*os.File, error) {
	p := at(dir, name)
	f, err := openAt(dir, name, os.O_RDONLY|os.O_CREATE|noFollow|noBlock, 0o600)
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
	// Taking the lock is taking the job, whose record is written here: a
	// lock file that could not be opened for writing (a read-only file
	// system, a file not ours to write) means the directory cannot hold
	// the job, as before the lock was opened read-only.
	if err := unix.Faccessat(dirFD(dir), name, unix.W_OK, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %v", ErrStateDir, &fs.PathError{Op: "open", Path: p, Err: err})
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
