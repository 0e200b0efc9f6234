//go:build unix

package marker

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// noFollow and noBlock are the open flags that refuse a symbolic link and
// keep a FIFO from blocking the open.
const (
	noFollow = unix.O_NOFOLLOW
	noBlock  = unix.O_NONBLOCK
)

// renameByHandle is false: a POSIX rename goes by path, after the close,
// and the directory flush makes it durable.
const renameByHandle = false

// createTempFile creates a temporary file for a record, 0600, never over an
// existing file or through a symbolic link.
func createTempFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, 0o600)
}

// renameDurable renames from over to. rename(2) is atomic and never fails
// because another process holds either file, so there is nothing to retry;
// f (closed) and deadline are unused.
func renameDurable(f *os.File, from, to string, deadline time.Time) error {
	return os.Rename(from, to)
}

// syncDir flushes a directory so that a rename in it survives a power cut.
// Filesystems that cannot sync a directory (EINVAL, ENOTSUP) are tolerated,
// as restic does: there is nothing more a program can do on them.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOTSUP) {
		return err
	}
	return nil
}

func makeStateDir(dir string) error { return os.Mkdir(dir, 0o700) }

// checkDir refuses a state directory that is a symbolic link, not a
// directory, not owned by the caller, or writable by group or others.
// It holds nothing open (nil pin).
func checkDir(dir string) (io.Closer, error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrStateDir, dir, unwrapPath(err))
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("%w: state directory %s is a symbolic link; give the real path", ErrUntrusted, dir)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrStateDir, dir)
	}
	return nil, checkOwner(dir, fi, "state directory")
}

func checkOwner(path string, fi os.FileInfo, what string) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if euid := os.Geteuid(); int(st.Uid) != euid {
		return fmt.Errorf("%w: %s %s belongs to uid %d, not to uid %d running upwrap", ErrUntrusted, what, path, st.Uid, euid)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%w: %s %s is writable by group or others (mode %04o); make it %s", ErrUntrusted, what, path, fi.Mode().Perm(), map[bool]string{true: "0700", false: "0600"}[fi.IsDir()])
	}
	return nil
}

// openTrusted opens an existing file for reading without following a
// symbolic link, and checks the open file: regular, the caller's, not
// writable by group or others. O_NONBLOCK keeps a FIFO planted in the
// state directory from blocking the open forever; it changes nothing for
// the regular files that pass the check.
func openTrusted(path string) (*os.File, error) { return openChecked(path, os.O_RDONLY) }

// openChecked opens an existing file with mode (os.O_RDONLY or
// os.O_WRONLY) and the checks of openTrusted.
func openChecked(path string, mode int) (*os.File, error) {
	f, err := os.OpenFile(path, mode|noFollow|noBlock, 0)
	if err != nil {
		return nil, openError(path, err)
	}
	if err := checkOpenFile(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkTrusted applies the checks of openTrusted to path without opening
// it: not a symbolic link, a regular file, the caller's, not writable by
// group or others.
func checkTrusted(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%w: %s is a symbolic link", ErrUntrusted, path)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file", ErrUntrusted, path)
	}
	if err := checkLinks(path, fi); err != nil {
		return err
	}
	return checkOwner(path, fi, "file")
}

func checkOpenFile(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file", ErrUntrusted, path)
	}
	if err := checkLinks(path, fi); err != nil {
		return err
	}
	return checkOwner(path, fi, "file")
}

// checkLinks refuses a file with more than one name: a hard link planted
// in the state directory makes a write through one name change a file
// elsewhere (docs/design.md §6).
func checkLinks(path string, fi os.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		return fmt.Errorf("%w: %s has %d hard links; a record or log has one name only", ErrUntrusted, path, st.Nlink)
	}
	return nil
}

// openAppendTrusted opens or creates (0600) a file for appending, with the
// checks of openTrusted (and its O_NONBLOCK: opening a FIFO for writing
// would otherwise wait for a reader).
func openAppendTrusted(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|noFollow|noBlock, 0o600)
	if err != nil {
		return nil, openError(path, err)
	}
	if err := checkOpenFile(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openError classifies a failed open of a file in the state directory: a
// symbolic link (ELOOP with O_NOFOLLOW) or a FIFO without a reader (ENXIO)
// is untrusted; anything else is returned as it is.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, unix.ELOOP):
		return fmt.Errorf("%w: %s is a symbolic link", ErrUntrusted, path)
	case errors.Is(err, unix.ENXIO):
		return fmt.Errorf("%w: %s is not a regular file", ErrUntrusted, path)
	}
	return err
}
