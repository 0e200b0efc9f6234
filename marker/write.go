package marker

import (
	"fmt"
	"os"

	"github.com/upwrap/upwrap/internal/crashpoint"
)

// Fault-injection seams: the tests replace them to fail each step of a
// write. Production code never changes them.
var (
	createTemp = func(path string) (*os.File, error) {
		return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, 0o600)
	}
	writeFile = func(f *os.File, b []byte) (int, error) { return f.Write(b) }
	syncFile  = func(f *os.File) error { return f.Sync() }
	closeFile = func(f *os.File) error { return f.Close() }
	rename    = renameDurable
	syncDirFn = syncDir
)

// writeDurable replaces dst with b: write a temporary file in the same
// directory, flush it, close it (Windows cannot rename an open file), rename
// it over dst, then flush the directory so the rename itself survives a
// power cut. On any error the temporary file is removed and dst is
// untouched, except after a successful rename, when only the directory
// flush failed and the caller must not claim durability.
//
// With spare set, the room reserved there ([Store.Reserve]) becomes the
// temporary file: b overwrites its first bytes and the rest is cut off, so
// the write needs no new blocks. Without a spare (or one that cannot be
// used) the temporary file is created as usual.
func writeDurable(dir, tmp, dst string, b []byte, spare string) (err error) {
	// A temporary file left by a process that died mid-write: the caller
	// holds the job's lock, so no one else is writing it.
	os.Remove(tmp)
	f := openSpare(spare, tmp)
	reused := f != nil
	if !reused {
		if f, err = createTemp(tmp); err != nil {
			return fmt.Errorf("create temporary file: %w", err)
		}
	}
	crashpoint.Hit("after-temp-create")
	renamed := false
	defer func() {
		if err != nil && !renamed {
			f.Close()
			os.Remove(tmp)
		}
	}()
	n, err := writeFile(f, b)
	if err == nil && n != len(b) {
		err = fmt.Errorf("short write: %d of %d bytes", n, len(b))
	}
	if err == nil && reused {
		err = f.Truncate(int64(len(b)))
	}
	if err != nil {
		return fmt.Errorf("write temporary file: %w", err)
	}
	crashpoint.Hit("after-write")
	if err := syncFile(f); err != nil {
		return fmt.Errorf("flush temporary file: %w", err)
	}
	crashpoint.Hit("after-fsync")
	if err := closeFile(f); err != nil {
		return fmt.Errorf("close temporary file: %w", err)
	}
	if err := rename(tmp, dst); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	renamed = true
	crashpoint.Hit("after-rename")
	crashpoint.Hit("before-dir-sync")
	if err := syncDirFn(dir); err != nil {
		return fmt.Errorf("flush directory: %w", err)
	}
	crashpoint.Hit("after-dir-sync")
	return nil
}
