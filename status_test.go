//go:build linux || darwin

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestStatusAll: "status --all" prints an aligned table of the jobs on
// stdout, and JSON lines (one record per line) with --json.
func TestStatusAll(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	env := []string{"UPWRAP_STATE_DIR=" + state}

	r := upwrap(t, invocation{args: []string{"status", "--all"}, env: env})
	if diff := cmp.Diff(result{stderr: "upwrap: no jobs in " + state + "\n"}, r, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("no jobs (-want +got):\n%s", diff)
	}

	upwrap(t, invocation{args: []string{"run", "--job", "upgrade-2024", "--", "true"}, env: env})
	upwrap(t, invocation{args: []string{"run", "--job", "b", "--", "sh", "-c", "exit 3"}, env: env})
	upwrap(t, invocation{args: []string{"run", "--job", "b", "--", "sh", "-c", "exit 3"}, env: env})
	upwrap(t, invocation{args: []string{"run", "--job", "rr", "--reboot-codes", "3", "--", "sh", "-c", "exit 3"}, env: env})
	busy := invocation{args: []string{"run", "--job", "busy", "--", "sleep", "1"}, env: env}.command(t)
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	defer busy.Wait()
	waitForState(t, state, "busy", "running")

	finished := func(job string) string {
		b, err := os.ReadFile(filepath.Join(state, job+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			FinishedAt *time.Time `json:"finished_at"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		if rec.FinishedAt == nil {
			return "-"
		}
		return rec.FinishedAt.UTC().Format("2006-01-02 15:04")
	}
	want := strings.Join([]string{
		"JOB           STATE            ATTEMPTS  FINISHED          REASON",
		"b             failed           2         " + finished("b") + "  child exited with 3",
		"busy          running          1         -                 started",
		"rr            reboot-required  1         " + finished("rr") + "  succeeded; child exited with 3: a reboot is required",
		"upgrade-2024  succeeded        1         " + finished("upgrade-2024") + "  child exited with 0",
	}, "\n") + "\n"
	r = upwrap(t, invocation{args: []string{"status", "--all"}, env: env})
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("table mismatch (-want +got):\n%s", diff)
	}
	if r.stderr != "" || r.code != 0 {
		t.Errorf("stderr %q, exit %d; want nothing, 0", r.stderr, r.code)
	}

	// On a terminal: the same table, the reason cut to the width, the
	// state coloured unless NO_COLOR is set.
	raw, _ := runOnPTY(t, invocation{args: []string{"status", "--all"}, env: append(env, "TERM=xterm")}, nil)
	rows := strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n")
	if len(rows) != 5 || !strings.Contains(rows[3], "\x1b[33mreboot-required\x1b[0m  1 ") {
		t.Errorf("terminal table:\n%s", raw)
	}
	for _, row := range replay([]byte(sgr.ReplaceAllString(string(raw), ""))) {
		if len(row) > ptyCols-1 {
			t.Errorf("row wider than the terminal: %q", row)
		}
	}
	raw, _ = runOnPTY(t, invocation{args: []string{"status", "--all"}, env: append(env, "TERM=xterm", "NO_COLOR=1")}, nil)
	if sgr.Match(raw) {
		t.Errorf("colour with NO_COLOR:\n%q", raw)
	}

	r = upwrap(t, invocation{args: []string{"status", "--all", "--json"}, env: env})
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	var jobs []string
	for _, l := range lines {
		var rec struct {
			Job, State string
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		jobs = append(jobs, rec.Job+" "+rec.State)
	}
	if diff := cmp.Diff([]string{"b failed", "busy running", "rr reboot-required", "upgrade-2024 succeeded"}, jobs); diff != "" {
		t.Errorf("JSON lines mismatch (-want +got):\n%s", diff)
	}
	if r.stderr != "" {
		t.Errorf("stderr %q with --json", r.stderr)
	}
}
