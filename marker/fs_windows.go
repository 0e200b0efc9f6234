package marker

import (
	"errors"
	"fmt"
	"io/fs"
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

// checkDir refuses a state directory that is a symbolic link or junction
// (reparse point), not a directory, or that someone other than SYSTEM,
// Administrators or upwrap's own account could write (checkACL). It runs
// on every open of the store, so on every read.
func checkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrStateDir, dir, unwrapPath(err))
	}
	if fi.Mode()&(os.ModeSymlink|os.ModeIrregular) != 0 {
		return fmt.Errorf("%w: state directory %s is a symbolic link or junction; give the real path", ErrUntrusted, dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", ErrStateDir, dir)
	}
	return checkDirACL(dir)
}

// openNoFollow opens path without following a reparse point and checks the
// open file: a regular file whose owner and DACL pass checkACL.
func openNoFollow(path string, access, disposition uint32) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, access|windows.READ_CONTROL|windows.FILE_READ_ATTRIBUTES,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		disposition, windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		windows.CloseHandle(h)
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("%w: %s is a symbolic link or junction", ErrUntrusted, path)
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrUntrusted, path)
	}
	if err := checkHandleACL(h, path); err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	return os.NewFile(uintptr(h), path), nil
}

// openTrusted opens an existing file for reading with the checks of
// openNoFollow.
func openTrusted(path string) (*os.File, error) {
	return openNoFollow(path, windows.GENERIC_READ, windows.OPEN_EXISTING)
}

// openAppendTrusted opens or creates a file for appending (it inherits the
// state directory's DACL), with the checks of openNoFollow.
func openAppendTrusted(path string) (*os.File, error) {
	return openNoFollow(path, windows.FILE_APPEND_DATA|windows.SYNCHRONIZE, windows.OPEN_ALWAYS)
}

// checkTrusted applies the checks of openTrusted to path (on Windows by
// opening it: the owner and DACL are read from the handle).
func checkTrusted(path string) error {
	f, err := openTrusted(path)
	if err != nil {
		return err
	}
	return f.Close()
}
