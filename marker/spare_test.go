package marker

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSpareSize(t *testing.T) {
	got := map[int]int64{}
	for _, n := range []int{0, 700, 2048, 4096, 100_000} {
		got[n] = SpareSize(n)
	}
	want := map[int]int64{0: 8192, 700: 12288, 2048: 12288, 4096: 16384, 100_000: 208896}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SpareSize (-want +got):\n%s", diff)
	}
}

// dirNames lists the state directory.
func dirNames(t *testing.T, s *Store) []string {
	t.Helper()
	ents, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestWriteReservedUsesTheSpare: the reserved file becomes the record (the
// same file, so no new blocks were needed), nothing is left beside it, and
// a plain Write leaves the reservation alone.
func TestWriteReservedUsesTheSpare(t *testing.T) {
	s := newStore(t)
	if err := s.Write("win11", sampleRecord()); err != nil {
		t.Fatal(err)
	}
	n := SpareSize(1000)
	if err := s.Reserve("win11", n); err != nil {
		t.Fatal(err)
	}
	if got := s.Reserved("win11"); got != n {
		t.Errorf("Reserved = %d, want %d", got, n)
	}
	spare, err := os.Stat(filepath.Join(s.Dir(), spareName("win11")))
	if err != nil {
		t.Fatal(err)
	}
	mid := sampleRecord()
	mid.Reason = "a write during the run"
	if err := s.Write("win11", mid); err != nil {
		t.Fatal(err)
	}
	if s.Reserved("win11") != n {
		t.Fatal("a plain Write used the reservation")
	}
	next := sampleRecord()
	next.State = Succeeded
	if err := s.WriteReserved("win11", next); err != nil {
		t.Fatal(err)
	}
	got, err := s.Read("win11")
	if err != nil || got.State != Succeeded {
		t.Fatalf("after WriteReserved: %+v, %v", got, err)
	}
	rec, _ := os.Stat(s.RecordPath("win11"))
	if !os.SameFile(spare, rec) {
		t.Error("the record is not the reserved file")
	}
	b, _ := next.Encode()
	if rec.Size() != int64(len(b)) {
		t.Errorf("record is %d bytes, want %d (the spare's tail cut off)", rec.Size(), len(b))
	}
	if diff := cmp.Diff([]string{"win11.json"}, dirNames(t, s)); diff != "" {
		t.Errorf("files beside the record (-want +got):\n%s", diff)
	}
	// Without a reservation WriteReserved is Write.
	next.Reason = "again"
	if err := s.WriteReserved("win11", next); err != nil {
		t.Fatal(err)
	}
}

// TestReserveReplacesAndReleases: a spare left by an earlier process is
// replaced; Release and Remove give the room back.
func TestReserveReplacesAndReleases(t *testing.T) {
	s := newStore(t)
	os.WriteFile(filepath.Join(s.Dir(), spareName("win11")), []byte("left by a crash"), 0o600)
	if err := s.Reserve("win11", 8192); err != nil {
		t.Fatal(err)
	}
	if got := s.Reserved("win11"); got != 8192 {
		t.Errorf("Reserved = %d after replacing a stale spare", got)
	}
	if err := s.Release("win11"); err != nil || s.Reserved("win11") != 0 {
		t.Errorf("Release: %v, %d bytes still reserved", err, s.Reserved("win11"))
	}
	if err := s.Release("win11"); err != nil {
		t.Errorf("Release with nothing reserved: %v", err)
	}
	if err := s.Write("win11", sampleRecord()); err != nil {
		t.Fatal(err)
	}
	s.Reserve("win11", 8192)
	if err := s.Remove("win11"); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, s); len(names) != 0 {
		t.Errorf("after Remove: %v", names)
	}
}

// TestWriteReservedFailuresKeepTheOldRecord: a write into the reserved room
// that fails at any step leaves the old record, and nothing beside it.
func TestWriteReservedFailuresKeepTheOldRecord(t *testing.T) {
	boom := errors.New("injected")
	saved := []any{writeFile, syncFile, rename}
	restore := func() {
		writeFile = saved[0].(func(*os.File, []byte) (int, error))
		syncFile = saved[1].(func(*os.File) error)
		rename = saved[2].(func(*os.File, *os.File, string, string, time.Time) error)
	}
	for name, inject := range map[string]func(){
		"write":  func() { writeFile = func(*os.File, []byte) (int, error) { return 0, boom } },
		"sync":   func() { syncFile = func(*os.File) error { return boom } },
		"rename": func() { rename = func(*os.File, *os.File, string, string, time.Time) error { return boom } },
	} {
		t.Run(name, func(t *testing.T) {
			defer restore()
			s := newStore(t)
			if err := s.Write("win11", sampleRecord()); err != nil {
				t.Fatal(err)
			}
			if err := s.Reserve("win11", 8192); err != nil {
				t.Fatal(err)
			}
			inject()
			next := sampleRecord()
			next.State = Succeeded
			if err := s.WriteReserved("win11", next); !errors.Is(err, ErrStateDir) {
				t.Fatalf("WriteReserved: %v, want an error wrapping ErrStateDir", err)
			}
			restore()
			if got, err := s.Read("win11"); err != nil || got.State != sampleRecord().State {
				t.Errorf("after a failed write: %+v, %v; want the old record", got, err)
			}
			if diff := cmp.Diff([]string{"win11.json"}, dirNames(t, s)); diff != "" {
				t.Errorf("files left behind (-want +got):\n%s", diff)
			}
		})
	}
}
