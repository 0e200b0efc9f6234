package wrap

import (
	"fmt"
	"os"
	"path/filepath"
)

// DefaultLogMaxSize is the size at which a job log stops growing when
// --log-max-size is not given: far more than an upgrade's own output, far
// less than what would fill a /var that an upgrade needs.
const DefaultLogMaxSize = 64 << 20

// eventRoom is how far upwrap's own events may take the log past its size
// limit, so that it still tells how the job ended.
const eventRoom = 64 << 10

// spaceCheckEvery is how many bytes the log grows, at most, between two
// checks of the free space on its file system.
const spaceCheckEvery = 256 << 10

// logBudget decides whether the job log may grow (docs/design.md §6): the
// child's output stops at the size limit, or when the log's file system is
// short of space (less than keepFree), or at the first failed write;
// upwrap's events may use eventRoom more (never after a failed write). It is
// guarded by the jobLog's mutex.
type logBudget struct {
	max       int64 // 0: no limit
	size      int64 // the file's size: what it had when opened and what was written since
	dir       string
	keepFree  uint64
	unchecked int64  // bytes written since the last free-space check
	every     int64  // bytes between two checks
	stopped   string // why the log stopped growing; "" while it grows
	broken    bool   // a write failed: nothing more is written
	noted     bool   // the stop was said
}

// init sets the budget of the log file f (nil: none) at path.
func (b *logBudget) init(f *os.File, path string, max int64) {
	b.max = max
	b.dir = filepath.Dir(path)
	if f != nil {
		if fi, err := f.Stat(); err == nil {
			b.size = fi.Size()
		}
	}
	b.keepFree = 1 << 20
	if total, _, ok := diskSpace(b.dir); ok && total/20 < b.keepFree {
		// A small file system (a test's tmpfs): 5 % of it.
		b.keepFree = total / 20
	}
	// Checked often enough that the log cannot eat the room kept free
	// between two checks.
	b.every = min(spaceCheckEvery, int64(b.keepFree/2))
	b.unchecked = b.every // check before the first write
}

// allow reports whether n more bytes may be written.
func (b *logBudget) allow(n int, child bool) bool {
	if b.broken || child && b.stopped != "" {
		return false
	}
	limit := b.max
	if !child && limit > 0 {
		limit += eventRoom
	}
	if limit > 0 && b.size+int64(n) > limit {
		if child {
			b.stop(fmt.Sprintf("the log reached its size limit of %d bytes (--log-max-size)", b.max))
		}
		return false
	}
	if child && b.unchecked >= b.every {
		b.unchecked = 0
		if _, free, ok := diskSpace(b.dir); ok && free < b.keepFree+uint64(n) {
			b.stop(fmt.Sprintf("its file system has only %d bytes free, kept for the record and the upgrade", free))
			return false
		}
	}
	return true
}

// wrote accounts for a write of n bytes that returned err.
func (b *logBudget) wrote(n int, err error) {
	b.size += int64(n)
	b.unchecked += int64(n)
	if err != nil {
		b.stop("writing it failed: " + unwrapPathErr(err).Error())
		b.broken = true
	}
}

func (b *logBudget) stop(why string) {
	if b.stopped == "" {
		b.stopped = why
	}
}

// takeNote returns why the log stopped, once; "" otherwise.
func (b *logBudget) takeNote() string {
	if b.stopped == "" || b.noted {
		return ""
	}
	b.noted = true
	return b.stopped
}
