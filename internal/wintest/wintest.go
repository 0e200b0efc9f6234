// Package wintest holds helpers for the tests that run under Wine
// (scripts/wine-harness), where os.RemoveAll fails ("unlinkat: Invalid
// function") and so does the cleanup of testing.T.TempDir.
package wintest

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TempDir returns a new directory that is removed, file by file, when the
// test ends. A file that cannot be removed is left behind and logged, never
// a failure: the Wine prefix is thrown away after the run.
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "upwrap-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(t, dir) })
	return dir
}

// removeTree removes dir bottom-up with os.Remove.
func removeTree(t testing.TB, dir string) {
	var paths []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil
	})
	// Deepest first: a directory sorts before what it holds.
	sort.Sort(sort.Reverse(sort.StringSlice(paths)))
	for _, p := range paths {
		if err := os.Remove(p); err != nil {
			t.Logf("cleanup: %v", err)
		}
	}
}

// Wine reports whether the test runs under Wine rather than Windows: Wine's
// ntdll.dll exports wine_get_version, Windows' does not. Tests use it to say
// plainly what only real Windows can show.
func Wine() bool {
	return wineVersion() != ""
}
