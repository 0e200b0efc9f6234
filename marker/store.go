package marker

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Store is a state directory: one record, one lock file and one log per job.
type Store struct {
	dir string
	// d is the state directory, opened once by Open and checked through
	// this handle. Every file in it is opened, created, renamed and
	// removed relative to d, never by path, so that a rename or a swap of
	// the directory's path after Open cannot redirect a write
	// (docs/design.md §6). On Windows the handle also pins the directory:
	// it was opened without FILE_SHARE_DELETE.
	d *os.File

	// swept holds the jobs whose stale temporary files this Store has
	// removed (sweepTemps); sweptMu guards it.
	sweptMu sync.Mutex
	swept   map[ID]bool
}

// Open returns the store in dir after checking that dir is the caller's
// alone. With create, a missing dir is created (mode 0700; on Windows with a
// protected DACL for SYSTEM and Administrators); its parent must exist. Errors wrap [ErrStateDir] or [ErrUntrusted].
func Open(dir string, create bool) (*Store, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: no state directory given", ErrStateDir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrStateDir, dir, err)
	}
	if create {
		if err := makeStateDir(abs); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%w: create %s: %v", ErrStateDir, abs, unwrapPath(err))
		}
	}
	d, err := openStateDir(abs)
	if err != nil {
		return nil, err
	}
	return &Store{dir: abs, d: d}, nil
}

// Close lets go of the state directory's handle. A store is not used after
// Close.
func (s *Store) Close() error { return s.d.Close() }

// Dir returns the absolute path of the state directory.
func (s *Store) Dir() string { return s.dir }

// RecordPath returns the path of a job's record.
func (s *Store) RecordPath(id ID) string { return filepath.Join(s.dir, string(id)+".json") }

// LogPath returns the path of a job's default log.
func (s *Store) LogPath(id ID) string { return filepath.Join(s.dir, string(id)+".log") }

// The names of a job's files in the state directory, each opened relative
// to the directory's handle.
func recordName(id ID) string { return string(id) + ".json" }
func logName(id ID) string    { return string(id) + ".log" }
func lockName(id ID) string   { return string(id) + ".lock" }

// tempName returns a new temporary file name for a job's record: unique, so
// that a stale one held open by antivirus never blocks a write.
func tempName(id ID) string {
	var b [6]byte
	rand.Read(b[:])
	return "." + string(id) + ".json." + hex.EncodeToString(b[:]) + ".tmp"
}

// tempPattern matches the name of every temporary file of a job's record,
// and the fixed name of older versions.
func tempPattern(id ID) string { return "." + string(id) + ".json*.tmp" }

// Read returns a job's record. Errors wrap [ErrNotFound], [ErrCorrupt],
// [ErrNewerSchema] or [ErrUntrusted].
func (s *Store) Read(id ID) (*Record, error) {
	b, err := s.readRaw(id)
	if err != nil {
		return nil, err
	}
	r, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.RecordPath(id), err)
	}
	if r.Job != id {
		return nil, fmt.Errorf("%s: %w: it names job %q", s.RecordPath(id), ErrCorrupt, r.Job)
	}
	return r, nil
}

// readRaw returns the bytes of a job's record after the trust checks.
func (s *Store) readRaw(id ID) ([]byte, error) {
	p := s.RecordPath(id)
	f, err := openTrusted(s.d, recordName(id))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("job %s: %w", id, ErrNotFound)
		}
		return nil, err
	}
	defer f.Close()
	b, err := readLimited(f, MaxRecordSize+1)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if len(b) > MaxRecordSize {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", p, ErrCorrupt, MaxRecordSize)
	}
	return b, nil
}

// Write replaces a job's record atomically and durably (see the package
// doc). When the record on disk already has exactly these bytes, nothing is
// written. r.Job must equal id. A record that would encode to more than
// [MaxRecordSize] bytes is refused with an error wrapping [ErrTooLarge].
// A job with a registry mirror ([Store.EnableMirror]) has it updated after
// the record; an error wrapping [ErrMirror] means the record itself was
// written.
func (s *Store) Write(id ID, r *Record) error {
	return s.write(id, r, "", time.Now().Add(renameRetry))
}

// WriteBy is [Store.Write] with the rename retried (while another process
// holds the record) at most until deadline, e.g. what is left of the few
// seconds Windows gives a process at shutdown.
func (s *Store) WriteBy(id ID, r *Record, deadline time.Time) error {
	return s.write(id, r, "", deadline)
}

// WriteReserved is [Store.Write] in the room [Store.Reserve] set aside for
// the job, when there is any: the reservation is used up (or, if it cannot
// be used, given back before the write makes its own temporary file).
func (s *Store) WriteReserved(id ID, r *Record) error {
	return s.write(id, r, spareName(id), time.Now().Add(renameRetry))
}

func (s *Store) write(id ID, r *Record, spare string, deadline time.Time) error {
	if r.Job != id {
		return fmt.Errorf("write record %s: record names job %q", id, r.Job)
	}
	if r.Schema == 0 {
		r.Schema = Schema
	}
	b, err := r.Encode()
	if err != nil {
		return err
	}
	if len(b) > MaxRecordSize {
		// Parse refuses it: writing it would leave a job that every later
		// run reports corrupt.
		return fmt.Errorf("write record %s: %w: %d bytes encoded, at most %d can be read back", id, ErrTooLarge, len(b), MaxRecordSize)
	}
	if old, err := s.readRaw(id); err == nil && bytes.Equal(old, b) {
		return s.mirror(id, r, b)
	}
	s.sweepTemps(id)
	if err := writeDurable(s.d, tempName(id), recordName(id), b, spare, deadline); err != nil {
		return fmt.Errorf("write record %s: %w: %w", id, ErrStateDir, err)
	}
	return s.mirror(id, r, b)
}

// sweepTemps removes the temporary files a writer that died mid-write
// left for job id, when s writes the job's record, until none is left.
// Once they are gone, once is enough: a write that fails removes its own
// temporary file, and the listing costs time in proportion to the files in
// the directory, which the record written at a shutdown notice must not
// pay again (docs/design.md §6).
func (s *Store) sweepTemps(id ID) {
	s.sweptMu.Lock()
	defer s.sweptMu.Unlock()
	if s.swept[id] || !removeStaleTemps(s.d, tempPattern(id)) {
		return
	}
	if s.swept == nil {
		s.swept = make(map[ID]bool)
	}
	s.swept[id] = true
}

// Remove deletes a job's record durably. The lock file stays: deleting it
// would let a second process lock a new file while the first holds the old.
func (s *Store) Remove(id ID) error {
	if err := removeAt(s.d, recordName(id)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("job %s: %w", id, ErrNotFound)
		}
		return fmt.Errorf("remove record %s: %w", id, err)
	}
	s.Release(id)
	if err := syncDirFn(s.d); err != nil {
		return fmt.Errorf("remove record %s: %w", id, err)
	}
	if err := deleteMirror(id); err != nil {
		return fmt.Errorf("remove record %s: %w: %v", id, ErrMirror, err)
	}
	return nil
}

// List returns the ids of every job with a record, sorted.
func (s *Store) List() ([]ID, error) {
	// Names only: os.ReadDir would build and sort an entry for each of the
	// three files of every job before the ids are sorted anyway.
	names, err := listNames(s.d)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", s.dir, err)
	}
	var ids []ID
	for _, n := range names {
		name, ok := strings.CutSuffix(n, ".json")
		if !ok || strings.HasPrefix(name, ".") {
			continue
		}
		id, err := ParseID(name)
		if err != nil || string(id) != name {
			continue
		}
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

// OpenLog opens (creating if needed, mode 0600) a log file for appending,
// refusing a symbolic link or a file someone else could have written. For
// the job's own log in the state directory use [Store.OpenLog].
func OpenLog(path string) (*os.File, error) {
	return openAppendTrusted(nil, path)
}

// OpenLog opens the job's default log ([Store.LogPath]) as the package's
// OpenLog does, relative to the state directory's handle.
func (s *Store) OpenLog(id ID) (*os.File, error) {
	return openAppendTrusted(s.d, logName(id))
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readLimited reads r to its end or to limit bytes. It starts with a buffer
// that holds a typical record whole, so a record is read in one read and
// its end found in a second (io.ReadAll, starting at 512 bytes, took three).
func readLimited(r io.Reader, limit int) ([]byte, error) {
	b := make([]byte, 0, min(1024, limit))
	for len(b) < limit {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):min(cap(b), limit)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}
