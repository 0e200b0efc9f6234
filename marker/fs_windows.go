package marker

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// noFollow and noBlock are Unix open flags; Windows checks the file type
// before opening instead.
const (
	noFollow = 0
	noBlock  = 0
)

// renameDurable moves from over to with MoveFileEx(REPLACE_EXISTING |
// WRITE_THROUGH), retrying for up to two seconds while antivirus or an
// indexer holds the target open (as rogpeppe/go-internal robustio does).
func renameDurable(from, to string) error {
	f, err := windows.UTF16PtrFromString(from)
	if err != nil {
		return err
	}
	t, err := windows.UTF16PtrFromString(to)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Second)
	for delay := 5 * time.Millisecond; ; delay *= 2 {
		err = windows.MoveFileEx(f, t, windows.MOVEFILE_REPLACE_EXISTING|windows.MOVEFILE_WRITE_THROUGH)
		if err == nil {
			return nil
		}
		if !transient(err) || time.Now().After(deadline) {
			return &os.LinkError{Op: "MoveFileEx", Old: from, New: to, Err: err}
		}
		time.Sleep(min(delay, 200*time.Millisecond))
	}
}

func transient(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}

// syncDir does nothing: Windows cannot flush a directory; MoveFileEx with
// MOVEFILE_WRITE_THROUGH is the durable step there.
func syncDir(dir string) error { return nil }

func makeStateDir(dir string) error { return os.Mkdir(dir, 0o700) }

// checkDir refuses a state directory that is a symbolic link (reparse
// point) or not a directory.
func checkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrStateDir, dir, unwrapPath(err))
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%w: state directory %s is a symbolic link; give the real path", ErrUntrusted, dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", ErrStateDir, dir)
	}
	return nil
}

func openTrusted(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrUntrusted, path)
	}
	return os.Open(path)
}

func openAppendTrusted(path string) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrUntrusted, path)
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
}
