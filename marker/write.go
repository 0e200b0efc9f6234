package marker

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/upwrap/upwrap/internal/crashpoint"
)

// renameRetry bounds how long a rename is retried while another process
// (antivirus, an indexer) holds the record, when the caller gives no
// earlier deadline ([Store.WriteBy]).
const renameRetry = 2 * time.Second

// Fault-injection seams: the tests replace them to fail each step of a
// write. Production code never changes them.
var (
	createTemp = createTempFile
	writeFile  = func(f *os.File, b []byte) (int, error) { return f.Write(b) }
	syncFile   = func(f *os.File) error { return f.Sync() }
	closeFile  = func(f *os.File) error { return f.Close() }
	rename     = renameDurable
	syncDirFn  = syncDir
)

// Every file of a write is named relative to dir, the state directory's
// handle (docs/design.md §6): tmp, dst and spare are names in it, never
// paths.

// writeDurable replaces dst with b: write a temporary file in the same
// directory (dir, the open handle), flush it, rename it over dst, then make the rename itself
// durable. Where the rename goes by path (POSIX), the file is closed first
// and the directory flushed after; where it goes through the open handle
// (Windows, renameByHandle), the file is flushed again after the rename and
// closed last. Renames are retried at most until deadline. On any error the
// temporary file is removed and dst is untouched, except after a
// successful rename, when only the last flush failed and the caller must
// not claim durability.
//
// With spare set, the room reserved there ([Store.Reserve]) becomes the
// temporary file: b overwrites its first bytes and the rest is cut off, so
// the write needs no new blocks. Without a spare (or one that cannot be
// used) the temporary file is created as usual.
func writeDurable(dir *os.File, tmp, dst string, b []byte, spare string, deadline time.Time) (err error) {
	f := openSpare(dir, spare, tmp)
	reused := f != nil
	if !reused {
		if f, err = createTemp(dir, tmp); err != nil {
			return fmt.Errorf("create temporary file: %w", err)
		}
	}
	crashpoint.Hit("after-temp-create")
	renamed, closed := false, false
	defer func() {
		if err != nil && !renamed {
			if !closed {
				f.Close()
			}
			removeAt(dir, tmp)
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
	if !renameByHandle {
		closed = true
		if err := closeFile(f); err != nil {
			return fmt.Errorf("close temporary file: %w", err)
		}
	}
	if err := rename(dir, f, tmp, dst, deadline); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	renamed = true
	crashpoint.Hit("after-rename")
	if renameByHandle {
		err := syncFile(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("flush after the rename: %w", err)
		}
	}
	crashpoint.Hit("before-dir-sync")
	if err := syncDirFn(dir); err != nil {
		return fmt.Errorf("flush directory: %w", err)
	}
	crashpoint.Hit("after-dir-sync")
	return nil
}

// removeStaleTemps removes the temporary files of a job (names matching
// pattern in dir) left by a process that died mid-write, and reports
// whether none is left: false when the directory could not be listed or a
// file could not be removed (on Windows, one antivirus still holds). The
// caller holds the job's lock, so no one else is writing them.
func removeStaleTemps(dir *os.File, pattern string) bool {
	names, err := listNames(dir)
	if err != nil {
		return false
	}
	clean := true
	for _, n := range names {
		if ok, _ := filepath.Match(pattern, n); ok {
			if err := removeAt(dir, n); err != nil && !errors.Is(err, fs.ErrNotExist) {
				clean = false
			}
		}
	}
	return clean
}
