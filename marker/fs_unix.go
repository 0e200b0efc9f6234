//go:build unix

package marker

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// renameByHandle is false: a POSIX rename goes by name (renameat, relative
// to the state directory's descriptor), after the close, and the directory
// flush makes it durable.
const renameByHandle = false

// The state directory is a descriptor and every file in it is reached with
// the *at calls relative to it (openat, renameat, unlinkat, fstatat), with
// O_NOFOLLOW on the name itself. os.Root would do the relative part, but
// it follows a symbolic link whose target stays inside the root, and a
// record or a log must never be a link at all (docs/design.md §6).

// dirFD is the descriptor of dir, or AT_FDCWD when there is none (a log
// outside the state directory, given by path).
func dirFD(dir *os.File) int {
	if dir == nil {
		return unix.AT_FDCWD
	}
	return descriptorOf(dir)
}

// descriptorOf is the fault-injection seam of the state directory's
// handle: the upwrap_pathdir build (a negative control) replaces it.
// Production code never changes it.
var descriptorOf = func(dir *os.File) int { return int(dir.Fd()) }

// at is the path of name in dir, for messages and the name of an os.File.
func at(dir *os.File, name string) string {
	if dir == nil {
		return name
	}
	return filepath.Join(dir.Name(), name)
}

// openAt opens name relative to dir, retrying an interrupted call, and
// returns it as an *os.File named by its path.
func openAt(dir *os.File, name string, flag int, perm uint32) (*os.File, error) {
	for {
		fd, err := unix.Openat(dirFD(dir), name, flag|unix.O_CLOEXEC, perm)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: at(dir, name), Err: err}
		}
		return os.NewFile(uintptr(fd), at(dir, name)), nil
	}
}

// createTempFile creates the temporary file name in dir, 0600, never over
// an existing file or through a symbolic link.
func createTempFile(dir *os.File, name string) (*os.File, error) {
	return openAt(dir, name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, 0o600)
}

// renameDurable renames from over to, both in dir. renameat(2) is atomic
// and never fails because another process holds either file, so there is
// nothing to retry; f (closed) and deadline are unused.
func renameDurable(dir, f *os.File, from, to string, deadline time.Time) error {
	return renameAt(dir, from, to)
}

// renameAt renames from to to, both names in dir.
func renameAt(dir *os.File, from, to string) error {
	if err := unix.Renameat(dirFD(dir), from, dirFD(dir), to); err != nil {
		return &os.LinkError{Op: "renameat", Old: at(dir, from), New: at(dir, to), Err: err}
	}
	return nil
}

// removeAt removes name from dir.
func removeAt(dir *os.File, name string) error {
	if err := unix.Unlinkat(dirFD(dir), name, 0); err != nil {
		return &fs.PathError{Op: "unlinkat", Path: at(dir, name), Err: err}
	}
	return nil
}

// statAt returns the size of name in dir and whether it is a regular file
// (a symbolic link is not followed).
func statAt(dir *os.File, name string) (size int64, regular bool, err error) {
	var st unix.Stat_t
	if err := unix.Fstatat(dirFD(dir), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, false, &fs.PathError{Op: "fstatat", Path: at(dir, name), Err: err}
	}
	return st.Size, st.Mode&unix.S_IFMT == unix.S_IFREG, nil
}

// listNames returns the names in dir, read through a new descriptor of the
// same directory (openat of "."), so that each listing starts at the
// beginning.
func listNames(dir *os.File) ([]string, error) {
	d, err := openAt(dir, ".", os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

// syncDir flushes the state directory, through its descriptor, so that a
// rename in it survives a power cut. Filesystems that cannot sync a
// directory (EINVAL, ENOTSUP) are tolerated, as restic does: there is
// nothing more a program can do on them.
func syncDir(dir *os.File) error {
	if err := dir.Sync(); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOTSUP) {
		return err
	}
	return nil
}

func makeStateDir(dir string) error { return os.Mkdir(dir, 0o700) }

// openStateDir opens the state directory once, refusing a symbolic link
// (O_NOFOLLOW) and anything but a directory (O_DIRECTORY, which also keeps
// a FIFO from blocking the open), and checks the open directory itself
// (fstat): owned by the caller, not writable by group or others. The
// descriptor is what the store uses from then on.
func openStateDir(dir string) (*os.File, error) {
	d, err := openAt(nil, dir, os.O_RDONLY|unix.O_DIRECTORY|noFollow, 0)
	if err != nil {
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
			// Which one: the name itself, not what it points to.
			if fi, lerr := os.Lstat(dir); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
				return nil, fmt.Errorf("%w: state directory %s is a symbolic link; give the real path", ErrUntrusted, dir)
			}
			return nil, fmt.Errorf("%w: %s is not a directory", ErrStateDir, dir)
		}
		if errors.Is(err, unix.EACCES) {
			// Not even ours to read: say whose it is, as the check of an
			// open directory would.
			if fi, lerr := os.Lstat(dir); lerr == nil {
				if cerr := checkOwner(dir, fi, "state directory"); cerr != nil {
					return nil, cerr
				}
			}
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrStateDir, dir, unwrapPath(err))
	}
	fi, err := d.Stat()
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrStateDir, dir, unwrapPath(err))
	}
	if err := checkOwner(dir, fi, "state directory"); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func checkOwner(path string, fi os.FileInfo, what string) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return checkOwnerIDs(path, int(st.Uid), fi.Mode().Perm(), fi.IsDir(), what)
}

func checkOwnerIDs(path string, uid int, perm os.FileMode, dir bool, what string) error {
	if euid := os.Geteuid(); uid != euid {
		return fmt.Errorf("%w: %s %s belongs to uid %d, not to uid %d running upwrap", ErrUntrusted, what, path, uid, euid)
	}
	if perm&0o022 != 0 {
		return fmt.Errorf("%w: %s %s is writable by group or others (mode %04o); make it %s", ErrUntrusted, what, path, perm, map[bool]string{true: "0700", false: "0600"}[dir])
	}
	return nil
}

// openTrusted opens the existing file name in dir for reading without
// following a symbolic link, and checks the open file: regular, the
// caller's, not writable by group or others. O_NONBLOCK keeps a FIFO
// planted in the state directory from blocking the open forever; it
// changes nothing for the regular files that pass the check.
func openTrusted(dir *os.File, name string) (*os.File, error) {
	return openChecked(dir, name, os.O_RDONLY)
}

// openChecked opens the existing file name in dir with mode (os.O_RDONLY
// or os.O_WRONLY) and the checks of openTrusted.
func openChecked(dir *os.File, name string, mode int) (*os.File, error) {
	f, err := openAt(dir, name, mode|noFollow|noBlock, 0)
	if err != nil {
		return nil, openError(at(dir, name), err)
	}
	if err := checkOpenFile(f, at(dir, name)); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkTrusted applies the checks of openTrusted to name in dir without
// opening it (fstatat, not following a symbolic link): a regular file,
// one name only, the caller's, not writable by group or others.
func checkTrusted(dir *os.File, name string) error {
	path := at(dir, name)
	var st unix.Stat_t
	if err := unix.Fstatat(dirFD(dir), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &fs.PathError{Op: "fstatat", Path: path, Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		return fmt.Errorf("%w: %s is a symbolic link", ErrUntrusted, path)
	case unix.S_IFREG:
	default:
		return fmt.Errorf("%w: %s is not a regular file", ErrUntrusted, path)
	}
	if err := checkLinkCount(path, uint64(st.Nlink)); err != nil {
		return err
	}
	return checkOwnerIDs(path, int(st.Uid), os.FileMode(st.Mode&0o777), false, "file")
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
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return checkLinkCount(path, uint64(st.Nlink))
	}
	return nil
}

func checkLinkCount(path string, n uint64) error {
	if n > 1 {
		return fmt.Errorf("%w: %s has %d hard links; a record or log has one name only", ErrUntrusted, path, n)
	}
	return nil
}

// openAppendTrusted opens or creates (0600) the file name in dir (a path
// when dir is nil) for appending, with the checks of openTrusted (and its
// O_NONBLOCK: opening a FIFO for writing would otherwise wait for a
// reader).
func openAppendTrusted(dir *os.File, name string) (*os.File, error) {
	f, err := openAt(dir, name, os.O_WRONLY|os.O_APPEND|os.O_CREATE|noFollow|noBlock, 0o600)
	if err != nil {
		return nil, openError(at(dir, name), err)
	}
	if err := checkOpenFile(f, at(dir, name)); err != nil {
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
