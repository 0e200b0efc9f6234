package marker

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// spareName is the file that holds the room reserved for a job's next
// record ([Store.Reserve]), in the state directory.
func spareName(id ID) string { return "." + string(id) + ".json.spare" }

// allocateSpare is the fault-injection seam of the reservation: the
// upwrap_nospare build (a negative control) replaces it. Production code
// never changes it.
var allocateSpare = allocate

// sparePage is the unit of allocation the reservation is rounded up to: a
// page of tmpfs, a block of ext4, XFS and NTFS.
const sparePage = 4096

// SpareSize is the room [Store.Reserve] sets aside for a record that encodes
// to about n bytes: twice n, for the keys a final record adds (reason, exit
// code, pending sources), and 8 KiB more, in whole 4 KiB pages. For a
// typical record (under 2 KiB) it is 12 KiB.
func SpareSize(n int) int64 {
	s := int64(2*n) + 8<<10
	return (s + sparePage - 1) / sparePage * sparePage
}

// Reserve sets aside n bytes on the state directory's file system for the
// job's next record: a file of n allocated bytes beside the record, which
// [Store.WriteReserved] turns into the record. A full disk at the end of an
// upgrade then still records how it ended (docs/design.md §6). A spare file
// left by an earlier process is replaced. The caller holds the job's lock.
// Errors wrap [ErrStateDir].
func (s *Store) Reserve(id ID, n int64) error {
	p := spareName(id)
	if err := removeAt(s.d, p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reserve room for record %s: %w: %v", id, ErrStateDir, unwrapPath(err))
	}
	f, err := createTemp(s.d, p)
	if err != nil {
		return fmt.Errorf("reserve room for record %s: %w: %v", id, ErrStateDir, unwrapPath(err))
	}
	err = allocateSpare(f, n)
	if err == nil {
		err = syncFile(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		removeAt(s.d, p)
		return fmt.Errorf("reserve %d bytes for record %s: %w: %v", n, id, ErrStateDir, unwrapPath(err))
	}
	return nil
}

// Reserved returns the bytes reserved for the job's next record, 0 when
// none are.
func (s *Store) Reserved(id ID) int64 {
	size, regular, err := statAt(s.d, spareName(id))
	if err != nil || !regular {
		return 0
	}
	return size
}

// Release gives back the room reserved for the job's next record. Nothing
// reserved is not an error.
func (s *Store) Release(id ID) error {
	if err := removeAt(s.d, spareName(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("release room for record %s: %w", id, err)
	}
	return nil
}

// openSpare turns the spare file into the temporary file of a write: it is
// renamed to tmp and opened for writing, with the trust checks of a record,
// both relative to dir. It returns nil when there is no spare (or it cannot
// be used: the write then makes its temporary file as usual, in the room
// the spare gave back).
func openSpare(dir *os.File, spare, tmp string) *os.File {
	if spare == "" {
		return nil
	}
	if err := renameAt(dir, spare, tmp); err != nil {
		return nil
	}
	f, err := openWriteTrusted(dir, tmp)
	if err != nil {
		removeAt(dir, tmp)
		return nil
	}
	return f
}

// writeZeros allocates n bytes by writing them: what a file system without
// fallocate (or Windows) needs to set real blocks aside.
func writeZeros(f *os.File, n int64) error {
	buf := make([]byte, min(n, 32<<10))
	for n > 0 {
		k := min(n, int64(len(buf)))
		if _, err := writeFile(f, buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}
