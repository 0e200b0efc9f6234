package marker

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func TestReadLimited(t *testing.T) {
	for _, n := range []int{0, 1, 700, 1023, 1024, 1025, 5000, 70000} {
		in := bytes.Repeat([]byte("x"), n)
		got, err := readLimited(bytes.NewReader(in), 1<<20)
		if err != nil || !bytes.Equal(got, in) {
			t.Errorf("%d bytes: got %d bytes, %v", n, len(got), err)
		}
		got, err = readLimited(iotest.OneByteReader(bytes.NewReader(in)), 1<<20)
		if err != nil || !bytes.Equal(got, in) {
			t.Errorf("%d bytes one at a time: got %d bytes, %v", n, len(got), err)
		}
		// A limit below the size stops at the limit.
		if got, err := readLimited(bytes.NewReader(in), 1000); err != nil || len(got) != min(n, 1000) {
			t.Errorf("%d bytes, limit 1000: got %d bytes, %v", n, len(got), err)
		}
	}
	boom := errors.New("boom")
	if _, err := readLimited(iotest.ErrReader(boom), 100); !errors.Is(err, boom) {
		t.Errorf("read error: got %v, want %v", err, boom)
	}
}

// Reading a record: a big one is read whole, a missing one is ErrNotFound,
// one reached through a symbolic link is refused.
func TestReadRecordFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	st, err := Open(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	r := benchRecord()
	r.Reason = strings.Repeat("long reason ", 500)
	if err := st.Write("os-upgrade", r); err != nil {
		t.Fatal(err)
	}
	got, err := st.Read("os-upgrade")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("record mismatch (-written +read):\n%s", diff)
	}
	if _, err := st.Read("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing record: got %v, want ErrNotFound", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	if err := os.Symlink(st.RecordPath("os-upgrade"), st.RecordPath("linked")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Read("linked"); !errors.Is(err, ErrUntrusted) {
		t.Errorf("record through a symbolic link: got %v, want ErrUntrusted", err)
	}
}
