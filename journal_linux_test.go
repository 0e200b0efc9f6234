package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestJournalStderr: when JOURNAL_STREAM names upwrap's stderr (as systemd
// sets it for a service), every stderr line carries a syslog priority —
// the child's output information, a failure an error; when the variable
// names another stream (inherited, stderr redirected), nothing is added.
func TestJournalStderr(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the journal is Linux's")
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	run := func(name string, matching bool, args ...string) string {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var st unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &st); err != nil {
			t.Fatal(err)
		}
		ino := st.Ino
		if !matching {
			ino++
		}
		upwrap(t, invocation{args: args, stderr: f, env: []string{fmt.Sprintf("JOURNAL_STREAM=%d:%d", st.Dev, ino)}})
		b, _ := os.ReadFile(f.Name())
		return string(b)
	}
	job := []string{"run", "--state-dir", state, "--job", "jr", "--max-attempts", "5", "--", "sh", "-c", "echo to-stderr >&2; exit 3"}
	// Each line of stderr, reduced to its priority prefix (if any) and the
	// start of its text.
	lines := func(s string) []string {
		var out []string
		for _, l := range strings.SplitAfter(s, "\n") {
			if l == "" {
				continue
			}
			if len(l) > 20 {
				l = l[:20]
			}
			out = append(out, l)
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		matching bool
		args     []string
		want     []string
	}{
		{"failed run", true, job, []string{"<6>to-stderr\n", "<3>upwrap: jr: faile"}},
		{"not the journal", false, job, []string{"to-stderr\n", "upwrap: jr: failed ("}},
		{"usage error", true, []string{"status", "--state-dir", state}, []string{"<3>upwrap: error: gi", "<6>upwrap: hint: run"}},
		{"unknown command", true, []string{"frob"}, []string{"<3>upwrap: error: no", "<6>upwrap: hint: run"}},
		{"warning", true, []string{"pending", "--ignore-pending", "nosuch"}, []string{"<4>upwrap: warning: "}},
		{"reboot required", true, []string{"run", "--state-dir", state, "--job", "rr", "--reboot-codes", "7", "--", "sh", "-c", "exit 7"},
			[]string{"<5>upwrap: rr: reboo"}},
	} {
		if diff := cmp.Diff(tc.want, lines(run(tc.name, tc.matching, tc.args...))); diff != "" {
			t.Errorf("%s: stderr (-want +got):\n%s", tc.name, diff)
		}
	}
}
