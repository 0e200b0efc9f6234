//go:build linux

package reliability

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/marker"
)

// The record of the crash tests before the crashed run: the job failed once
// (attempts 1), so a run that finds this record starts the child again.
// "old" in the table means these bytes, unchanged.
const oldRecord = "old"

// next is what the run after the crash must do (docs/design.md §3).
type next struct {
	code    int
	state   marker.State
	failure string
	// child: the next run starts the child.
	child bool
	// attempts, when not 0, is the attempts the record must count after
	// the next run.
	attempts int
}

// crashRow is one crash point of the table.
type crashRow struct {
	// at is UPWRAP_CRASH_AT: a step, and @N for the Nth record write of
	// the run (1: the running record, 2: the child's identity added to it,
	// 3: the final record).
	at string
	// record is what the crash leaves: oldRecord, or the state of the new
	// record.
	record string
	// childRan: the crashed run had started the child.
	childRan bool
	// sameBoot: the next run in the same boot; newBootExpect: after a
	// restart, the crashed and the next run with --expect-reboot;
	// newBoot: after a restart, without it.
	sameBoot, newBootExpect, newBoot next
}

var (
	runAgain    = next{code: codeSuccess, state: marker.Succeeded, child: true}
	interrupted = next{code: codeInterrupted, state: marker.Failed, failure: "interrupted"}
	keepDone    = next{code: codeSuccess, state: marker.Succeeded}
	// notStarted: a running record without the child's identity.
	notStarted = next{code: codeInterrupted, state: marker.Failed, failure: "interrupted", attempts: 1}
	// restartObserved: running + boot changed + --expect-reboot.
	restartObserved = next{code: codeSuccess, state: marker.Succeeded}
)

func crashRows() []crashRow {
	var rows []crashRow
	// A crash in the write of the running record: before the rename the old
	// record stands and the child never started, so the job runs; after it
	// the record says running with no child identity: the child never
	// started, which is not a success (not even after a restart) and not an
	// attempt (docs/design.md §8).
	for _, s := range []string{"after-temp-create", "after-write", "after-fsync"} {
		rows = append(rows, crashRow{at: s + "@1", record: oldRecord, sameBoot: runAgain, newBootExpect: runAgain, newBoot: runAgain})
	}
	for _, s := range []string{"after-rename", "before-dir-sync", "after-dir-sync"} {
		rows = append(rows, crashRow{at: s + "@1", record: "running", sameBoot: notStarted, newBootExpect: notStarted, newBoot: notStarted})
	}
	rows = append(rows, crashRow{at: "after-running-record", record: "running", sameBoot: notStarted, newBootExpect: notStarted, newBoot: notStarted})
	// The child has been started; a crash inside the write of its identity
	// leaves the record without one. That window (one record write) is the
	// only place where a started child reads as never started.
	for _, s := range []string{"after-temp-create", "after-write", "after-fsync"} {
		rows = append(rows, crashRow{at: s + "@2", record: "running", childRan: true, sameBoot: notStarted, newBootExpect: notStarted, newBoot: notStarted})
	}
	// From here the record names the started child: it says running until
	// the final record's rename; never start the child again unasked.
	for _, s := range []string{"after-rename", "before-dir-sync", "after-dir-sync"} {
		rows = append(rows, crashRow{at: s + "@2", record: "running", childRan: true, sameBoot: interrupted, newBootExpect: restartObserved, newBoot: interrupted})
	}
	for _, s := range []string{"after-child-start", "after-child-exit", "before-final-record"} {
		rows = append(rows, crashRow{at: s, record: "running", childRan: true, sameBoot: interrupted, newBootExpect: restartObserved, newBoot: interrupted})
	}
	for _, s := range []string{"after-temp-create", "after-write", "after-fsync"} {
		rows = append(rows, crashRow{at: s + "@3", record: "running", childRan: true, sameBoot: interrupted, newBootExpect: restartObserved, newBoot: interrupted})
	}
	for _, s := range []string{"after-rename", "before-dir-sync", "after-dir-sync"} {
		rows = append(rows, crashRow{at: s + "@3", record: "succeeded", childRan: true, sameBoot: keepDone, newBootExpect: keepDone, newBoot: keepDone})
	}
	return rows
}

// TestCrashPointsCovered: every crashpoint.Hit in the code has a row, so a
// new step cannot go untested.
func TestCrashPointsCovered(t *testing.T) {
	hit := regexp.MustCompile(`crashpoint\.Hit\("([a-z-]+)"\)`)
	inCode := map[string]bool{}
	for _, dir := range []string{"../../marker", "../../wrap"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range hit.FindAllSubmatch(b, -1) {
				inCode[string(m[1])] = true
			}
		}
	}
	inTable := map[string]bool{}
	for _, r := range crashRows() {
		step, _, _ := strings.Cut(r.at, "@")
		inTable[step] = true
	}
	if diff := cmp.Diff(inCode, inTable); diff != "" {
		t.Errorf("crash points in the code vs the table (-code +table):\n%s", diff)
	}
}

// TestCrashPoints kills a real upwrap (built with upwrap_crashpoints) at
// every step of a record write and of a run, then runs the same command
// line again. The record must be the old one or the new one, valid; the
// next run must take the decision of docs/design.md §3; the child must be started
// again only where that table says so. Each row is tried in the same boot
// and, where a private mount namespace can fake /proc's boot id, after a
// restart with and without --expect-reboot.
func TestCrashPoints(t *testing.T) {
	bin := upwrapBin(t, "upwrap_crashpoints")
	type column struct {
		name    string
		newBoot bool
		flags   []string
		want    func(crashRow) next
	}
	columns := []column{
		{"same boot", false, nil, func(r crashRow) next { return r.sameBoot }},
		{"restart, --expect-reboot", true, []string{"--expect-reboot"}, func(r crashRow) next { return r.newBootExpect }},
		{"restart, no --expect-reboot", true, nil, func(r crashRow) next { return r.newBoot }},
	}
	got := map[string][]string{}
	for _, col := range columns {
		t.Run(col.name, func(t *testing.T) {
			if col.newBoot {
				requireMountNS(t)
			}
			for _, row := range crashRows() {
				t.Run(row.at, func(t *testing.T) {
					cell := crashOnce(t, bin, row, col.newBoot, col.flags, col.want(row))
					got[row.at] = append(got[row.at], col.name+": "+cell)
				})
			}
		})
	}
	// The crash points × outcomes table, for the closing note (go test -v).
	var b strings.Builder
	fmt.Fprintln(&b, "| crash point | record after the crash | next run: same boot | after a restart, --expect-reboot | after a restart, no --expect-reboot |")
	fmt.Fprintln(&b, "|---|---|---|---|---|")
	for _, row := range crashRows() {
		cells := got[row.at]
		sort.SliceStable(cells, func(i, j int) bool { return colIndex(cells[i]) < colIndex(cells[j]) })
		fmt.Fprintf(&b, "| %s | %s%s |", row.at, row.record, map[bool]string{true: " (child started)", false: ""}[row.childRan])
		for _, c := range cells {
			_, v, _ := strings.Cut(c, ": ")
			fmt.Fprintf(&b, " %s |", v)
		}
		fmt.Fprintln(&b)
	}
	t.Logf("crash points × outcomes:\n%s", b.String())
}

func colIndex(cell string) int {
	switch {
	case strings.HasPrefix(cell, "same boot"):
		return 0
	case strings.HasPrefix(cell, "restart, --"):
		return 1
	}
	return 2
}

// crashOnce runs one cell: a failed first run, the crashed run, the next
// run. It returns the cell of the outcomes table.
func crashOnce(t *testing.T, bin string, row crashRow, newBoot bool, flags []string, want next) string {
	dir := t.TempDir()
	state, count, fail := filepath.Join(dir, "state"), filepath.Join(dir, "count"), filepath.Join(dir, "fail")
	// The child counts its starts and fails while the file "fail" exists.
	child := []string{"sh", "-c", `echo started >> "$1"; test ! -e "$2"`, "sh", count, fail}
	args := append(append([]string{bin, "run", "--state-dir", state, "--job", "crash"}, flags...), "--")
	args = append(args, child...)

	if err := os.WriteFile(fail, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runProc(t, nil, args...); r.code != 1 {
		t.Fatalf("first run: got %v, want the child's exit 1", r)
	}
	os.Remove(fail)
	recPath := filepath.Join(state, "crash.json")
	old, err := os.ReadFile(recPath)
	if err != nil {
		t.Fatal(err)
	}

	// The crashed run.
	r := runProc(t, []string{"UPWRAP_CRASH_AT=" + row.at}, args...)
	if r.signal != syscall.SIGKILL {
		t.Fatalf("crashed run: got %v, want killed by SIGKILL at %s", r, row.at)
	}
	wantStarts := 1
	if row.childRan {
		wantStarts = 2
		// The orphaned child finishes on its own.
		waitStarts(t, count, wantStarts)
	}
	if n := starts(t, count); n != wantStarts {
		t.Fatalf("after the crash the child has been started %d times, want %d", n, wantStarts)
	}
	after, err := os.ReadFile(recPath)
	if err != nil {
		t.Fatalf("after the crash: %v", err)
	}
	rec, err := marker.Parse(after)
	if err != nil {
		t.Fatalf("after the crash the record does not parse: %v\n%s", err, after)
	}
	if row.record == oldRecord {
		if !bytes.Equal(old, after) {
			t.Fatalf("after the crash the old record changed:\nold:\n%s\nnow:\n%s", old, after)
		}
	} else if string(rec.State) != row.record {
		t.Fatalf("after the crash the record says %q, want %q", rec.State, row.record)
	}
	if rec.Child != nil && rec.State == marker.Running {
		// The next run answers busy while the orphaned child lives; the
		// rows are about the run after it.
		awaitGone(t, rec.Child.PID)
	}

	// The next run, as an agent would start it.
	nextArgs := args
	if newBoot {
		nextArgs = inNewBoot(t, args...)
	}
	r = runProc(t, nil, nextArgs...)
	final := readRecord(t, state, "crash")
	started := starts(t, count) > wantStarts
	cell := fmt.Sprintf("exit %d, %s", r.code, final.State)
	if final.Failure != "" {
		cell += " (" + final.Failure + ")"
	}
	cell += map[bool]string{true: ", child started", false: ", child not started"}[started]
	if want.attempts != 0 && final.Attempts != want.attempts {
		t.Errorf("next run: the record counts %d attempts, want %d", final.Attempts, want.attempts)
	}
	if r.signal != 0 || r.code != want.code || final.State != want.state || final.Failure != want.failure || started != want.child {
		t.Errorf("next run: %s; want exit %d, %s (%s), child started %v; stderr:\n%s", cell, want.code, want.state, want.failure, want.child, r.stderr)
	}
	// A temporary file left by the crash is removed by the next write and
	// is never taken for a record.
	if tmps, _ := filepath.Glob(filepath.Join(state, ".*.tmp")); len(tmps) > 0 {
		t.Errorf("temporary files left after the next run: %v", tmps)
	}
	if r := upwrap(t, "status", "--state-dir", state, "--all", "--json"); r.code != 0 || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("status --all after the crash: %v\nstdout:\n%s", r, r.stdout)
	}
	return cell
}

// waitStarts waits up to ten seconds for the child to have been started n
// times.
func waitStarts(t *testing.T, count string, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if starts(t, count) >= n {
			return
		}
	}
}

// awaitGone waits (at most 10 s) until pid has ended (a zombie counts as
// ended).
func awaitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || bytes.Contains(b, []byte(") Z ")) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the child %d still runs after 10 s", pid)
}
