package marker

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "state"), true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpenCreatesPrivateDirectory(t *testing.T) {
	s := newStore(t)
	fi, err := os.Stat(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("state directory mode = %04o, want 0700", got)
	}
}

func TestOpenRefusesUntrustedDirectories(t *testing.T) {
	base := t.TempDir()
	writable := filepath.Join(base, "writable")
	os.Mkdir(writable, 0o700)
	os.Chmod(writable, 0o777)
	groupw := filepath.Join(base, "groupw")
	os.Mkdir(groupw, 0o700)
	os.Chmod(groupw, 0o770)
	real := filepath.Join(base, "real")
	os.Mkdir(real, 0o700)
	link := filepath.Join(base, "link")
	os.Symlink(real, link)
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)

	tests := []struct {
		name string
		dir  string
		want error
	}{
		{"world-writable", writable, ErrUntrusted},
		{"group-writable", groupw, ErrUntrusted},
		{"symlink", link, ErrUntrusted},
		{"file", file, ErrStateDir},
		{"missing parent", filepath.Join(base, "no", "state"), ErrStateDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Open(tt.dir, true); !errors.Is(err, tt.want) {
				t.Errorf("Open(%s) = %v, want %v", tt.dir, err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(base, "no")); !os.IsNotExist(err) {
		t.Errorf("Open created the missing parent")
	}
}

func TestReadRefusesUntrustedRecords(t *testing.T) {
	s := newStore(t)
	r := sampleRecord()
	if err := s.Write("win11", r); err != nil {
		t.Fatal(err)
	}
	p := s.RecordPath("win11")
	os.Chmod(p, 0o666)
	if _, err := s.Read("win11"); !errors.Is(err, ErrUntrusted) {
		t.Errorf("Read of a world-writable record = %v, want ErrUntrusted", err)
	}
	os.Chmod(p, 0o600)
	other := filepath.Join(t.TempDir(), "elsewhere.json")
	b, _ := r.Encode()
	os.WriteFile(other, b, 0o600)
	os.Remove(p)
	os.Symlink(other, p)
	if _, err := s.Read("win11"); !errors.Is(err, ErrUntrusted) {
		t.Errorf("Read through a symlink = %v, want ErrUntrusted", err)
	}
}

func TestReadMissingIsNotFound(t *testing.T) {
	s := newStore(t)
	if _, err := s.Read("nothing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Read = %v, want ErrNotFound", err)
	}
}

func TestReadRefusesRecordOfAnotherJob(t *testing.T) {
	s := newStore(t)
	r := sampleRecord()
	s.Write("win11", r)
	os.Rename(s.RecordPath("win11"), s.RecordPath("other"))
	if _, err := s.Read("other"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Read = %v, want ErrCorrupt", err)
	}
}

func TestWriteIsIdempotent(t *testing.T) {
	s := newStore(t)
	r := sampleRecord()
	if err := s.Write("win11", r); err != nil {
		t.Fatal(err)
	}
	p := s.RecordPath("win11")
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	os.Chtimes(p, old, old)
	before, _ := os.Stat(p)
	if err := s.Write("win11", sampleRecord()); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(p)
	if !after.ModTime().Equal(old) || !os.SameFile(before, after) {
		t.Errorf("writing the recorded state again touched the file")
	}
}

func TestWriteFailuresKeepTheOldRecord(t *testing.T) {
	boom := errors.New("injected")
	steps := []struct {
		name   string
		inject func()
	}{
		{"create", func() { createTemp = func(*os.File, string) (*os.File, error) { return nil, boom } }},
		{"write", func() { writeFile = func(*os.File, []byte) (int, error) { return 0, boom } }},
		{"short write", func() { writeFile = func(f *os.File, b []byte) (int, error) { return f.Write(b[:len(b)/2]) } }},
		{"sync", func() { syncFile = func(*os.File) error { return boom } }},
		{"close", func() { closeFile = func(f *os.File) error { f.Close(); return boom } }},
		{"rename", func() { rename = func(*os.File, *os.File, string, string, time.Time) error { return boom } }},
		{"dir sync", func() { syncDirFn = func(*os.File) error { return boom } }},
	}
	saved := []any{createTemp, writeFile, syncFile, closeFile, rename, syncDirFn}
	restore := func() {
		createTemp = saved[0].(func(*os.File, string) (*os.File, error))
		writeFile = saved[1].(func(*os.File, []byte) (int, error))
		syncFile = saved[2].(func(*os.File) error)
		closeFile = saved[3].(func(*os.File) error)
		rename = saved[4].(func(*os.File, *os.File, string, string, time.Time) error)
		syncDirFn = saved[5].(func(*os.File) error)
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			defer restore()
			s := newStore(t)
			old := sampleRecord()
			if err := s.Write("win11", old); err != nil {
				t.Fatal(err)
			}
			st.inject()
			next := sampleRecord()
			next.State = Succeeded
			err := s.Write("win11", next)
			if err == nil {
				t.Fatal("Write succeeded despite the injected failure")
			}
			if !errors.Is(err, ErrStateDir) {
				t.Errorf("Write error %v does not wrap ErrStateDir", err)
			}
			restore()
			got, err := s.Read("win11")
			if err != nil {
				t.Fatalf("after a failed write the record does not read: %v", err)
			}
			// Before the rename the old record stands; after it (only the
			// directory flush failed) the new one does. Never anything else.
			if got.State != old.State && got.State != next.State {
				t.Errorf("record state %q is neither the old nor the new one", got.State)
			}
			if st.name != "dir sync" && got.State != old.State {
				t.Errorf("a write that failed at %s replaced the record", st.name)
			}
			ents, _ := os.ReadDir(s.Dir())
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			if diff := cmp.Diff([]string{"win11.json"}, names); diff != "" {
				t.Errorf("files left behind (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStaleTempFileIsReplaced(t *testing.T) {
	s := newStore(t)
	stale := []string{filepath.Join(s.Dir(), tempName("win11")), filepath.Join(s.Dir(), ".win11.json.tmp")}
	for _, p := range stale {
		os.WriteFile(p, []byte("torn"), 0o600)
	}
	if err := s.Write("win11", sampleRecord()); err != nil {
		t.Fatalf("Write with a stale temporary file: %v", err)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("temporary file %s left behind", p)
		}
	}

	// A writer killed after this run's first write leaves its temporary
	// file; the next run (a new Store) removes it with its first write.
	killed := filepath.Join(s.Dir(), tempName("win11"))
	os.WriteFile(killed, []byte("torn"), 0o600)
	next, err := Open(s.Dir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	r := sampleRecord()
	r.Attempts++
	if err := next.Write("win11", r); err != nil {
		t.Fatalf("next run's Write: %v", err)
	}
	if _, err := os.Stat(killed); !os.IsNotExist(err) {
		t.Errorf("the next run left the temporary file %s behind", killed)
	}
}

func TestLockIsExclusiveAndReleased(t *testing.T) {
	s := newStore(t)
	l, err := s.TryLock("win11")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.TryLock("win11"); !errors.Is(err, ErrLocked) {
		t.Errorf("second TryLock = %v, want ErrLocked", err)
	}
	if locked, err := s.Locked("win11"); err != nil || !locked {
		t.Errorf("Locked = %v, %v; want true", locked, err)
	}
	if _, err := s.TryLock("other"); err != nil {
		t.Errorf("lock of another job: %v", err)
	}
	l.Unlock()
	if locked, _ := s.Locked("win11"); locked {
		t.Errorf("Locked after Unlock = true")
	}
	l2, err := s.TryLock("win11")
	if err != nil {
		t.Errorf("TryLock after Unlock: %v", err)
	}
	l2.Unlock()
}

func TestListAndRemove(t *testing.T) {
	s := newStore(t)
	for _, id := range []ID{"b", "a", "c.d"} {
		r := sampleRecord()
		r.Job = id
		if err := s.Write(id, r); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(s.Dir(), ".a.json.tmp"), nil, 0o600)
	os.WriteFile(filepath.Join(s.Dir(), "Upper.json"), nil, 0o600)
	got, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ID{"a", "b", "c.d"}, got); diff != "" {
		t.Errorf("List mismatch (-want +got):\n%s", diff)
	}
	if err := s.Remove("b"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Remove = %v, want ErrNotFound", err)
	}
}

// TestHardLinkRefused: a record with a second name (a hard link planted
// in the state directory, or pointing out of it) is refused, not read or
// written through.
func TestHardLinkRefused(t *testing.T) {
	s := newStore(t)
	if err := s.Write("win11", sampleRecord()); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "elsewhere.json")
	if err := os.Link(s.RecordPath("win11"), other); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	if _, err := s.Read("win11"); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "hard links") {
		t.Errorf("Read of a hard-linked record = %v, want ErrUntrusted naming the links", err)
	}
}

// TestStateDirSwappedAfterOpen: the state directory's path is renamed and
// another directory put in its place after Open (what another user with
// write access to the parent could do). Every later write, read, lock,
// reservation, listing and removal of the store still goes to the
// directory that was opened and checked; the one now at the path is never
// touched (docs/design.md §6).
func TestStateDirSwappedAfterOpen(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "state")
	s, err := Open(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Write("win11", sampleRecord()); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(base, "moved")
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	next := sampleRecord()
	next.State = Succeeded
	if err := s.Write("win11", next); err != nil {
		t.Fatalf("write after the swap: %v", err)
	}
	l, err := s.TryLock("win11")
	if err != nil {
		t.Fatalf("lock after the swap: %v", err)
	}
	defer l.Unlock()
	if err := s.Reserve("win11", 8192); err != nil {
		t.Fatalf("reserve after the swap: %v", err)
	}
	next.Reason = "written into the reserved room"
	if err := s.WriteReserved("win11", next); err != nil {
		t.Fatalf("reserved write after the swap: %v", err)
	}
	log, err := s.OpenLog("win11")
	if err != nil {
		t.Fatalf("log after the swap: %v", err)
	}
	log.Close()
	other := sampleRecord()
	other.Job = "other"
	if err := s.Write("other", other); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("other"); err != nil {
		t.Fatalf("remove after the swap: %v", err)
	}
	if got, err := s.Read("win11"); err != nil || got.State != Succeeded {
		t.Errorf("read after the swap: %+v, %v", got, err)
	}
	if ids, err := s.List(); err != nil || !cmp.Equal(ids, []ID{"win11"}) {
		t.Errorf("List after the swap = %v, %v; want [win11]", ids, err)
	}
	b, err := os.ReadFile(filepath.Join(moved, "win11.json"))
	if err != nil || !strings.Contains(string(b), `"succeeded"`) {
		t.Errorf("the opened directory's record: %q, %v; want the succeeded record", b, err)
	}
	names := func(d string) []string {
		ents, _ := os.ReadDir(d)
		var n []string
		for _, e := range ents {
			n = append(n, e.Name())
		}
		return n
	}
	if diff := cmp.Diff([]string{"win11.json", "win11.lock", "win11.log"}, names(moved)); diff != "" {
		t.Errorf("files in the opened directory (-want +got):\n%s", diff)
	}
	if n := names(dir); len(n) != 0 {
		t.Errorf("the directory put in its place got files: %v", n)
	}
}
