package promtext

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// leftovers lists the files in dir besides upwrap.prom and the lock file.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name() != FileName && e.Name() != lockName {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWriteFileReplaces(t *testing.T) {
	dir := t.TempDir()
	// A temporary file of a writer that was killed is removed.
	if err := os.WriteFile(filepath.Join(dir, ".upwrap.prom.123.tmp"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"a 1\n", "b 2\n"} {
		if err := WriteFile(context.Background(), dir, []byte(text)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, FileName))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(text, string(got)); diff != "" {
			t.Errorf("file (-want +got):\n%s", diff)
		}
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("left in the directory: %v", l)
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644: the exporter runs as its own user", fi.Mode().Perm())
	}
}

// TestWriteFileErrorLeavesNothing: when the rename fails (upwrap.prom is a
// directory) the error says so and no temporary file is left.
func TestWriteFileErrorLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, FileName, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(context.Background(), dir, []byte("a 1\n")); err == nil {
		t.Fatal("no error when upwrap.prom is a non-empty directory")
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("left in the directory: %v", l)
	}
	if err := WriteFile(context.Background(), filepath.Join(dir, "missing"), []byte("a 1\n")); err == nil {
		t.Error("no error for a missing directory")
	}
}

// TestWriteFileConcurrent: writers in parallel leave one whole file (one of
// theirs) and nothing else.
func TestWriteFileConcurrent(t *testing.T) {
	dir := t.TempDir()
	texts := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 8 {
		text := fmt.Sprintf("writer %d\n", i)
		texts[text] = true
		wg.Go(func() {
			for range 20 {
				if err := WriteFile(context.Background(), dir, []byte(text)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil || !texts[string(got)] {
		t.Errorf("file %q, %v", got, err)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("left in the directory: %v", l)
	}
}
