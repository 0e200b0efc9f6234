package cli

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// In-process cost of the command line (urfave/cli parsing, the exit-code
// mapping, the report line) on top of the wrap paths. scripts/bench runs
// them; the whole-process figures come from hyperfine there.

func BenchmarkCLIVersion(b *testing.B) {
	for b.Loop() {
		if code := run("dev", []string{"upwrap", "version"}, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkCLIRunSucceeded is "upwrap run" of a job that already succeeded,
// the path every agent restart takes.
func BenchmarkCLIRunSucceeded(b *testing.B) {
	args := []string{"upwrap", "run", "--state-dir", filepath.Join(b.TempDir(), "state"), "--job", "done", "--", "true"}
	if code := run("dev", args, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
		b.Fatalf("first run: exit %d", code)
	}
	for b.Loop() {
		if code := run("dev", args, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
