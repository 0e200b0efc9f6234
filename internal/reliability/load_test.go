//go:build linux

package reliability

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/upwrap/upwrap/marker"
)

const (
	loadJobs  = 200
	loadLines = 100
)

// loadChild prints loadLines numbered lines on stdout and on stderr, stays
// alive a moment so that every job overlaps, and ends with a last line.
var loadChild = []string{"sh", "-c", `i=0
while [ $i -lt ` + fmt.Sprint(loadLines) + ` ]; do echo "$1 out $i"; echo "$1 err $i" >&2; i=$((i+1)); done
sleep 0.5
echo "$1 end"`, "sh"}

// TestLoad runs 200 jobs at once, one upwrap process each, in one state
// directory: every record must be right, every log complete, every lock
// free afterwards, and no temporary file left.
func TestLoad(t *testing.T) {
	bin := upwrapBin(t, "")
	state := filepath.Join(t.TempDir(), "state")
	type proc struct {
		cmd      *exec.Cmd
		out, err bytes.Buffer
	}
	procs := make([]*proc, loadJobs)
	start := time.Now()
	for i := range procs {
		job := fmt.Sprintf("load-%03d", i)
		p := &proc{cmd: exec.Command(bin, append([]string{"run", "--state-dir", state, "--job", job, "--"}, append(loadChild, job)...)...)}
		p.cmd.Env = baseEnv()
		p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.err
		if err := p.cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", job, err)
		}
		procs[i] = p
	}
	for i, p := range procs {
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("load-%03d: %v\n%s", i, err, p.err.String())
		}
	}
	wall := time.Since(start)
	t.Logf("%d jobs by %d concurrent upwrap processes, each child writing %d+%d lines: wall time %v", loadJobs, loadJobs, loadLines, loadLines, wall.Round(time.Millisecond))

	for i, p := range procs {
		job := fmt.Sprintf("load-%03d", i)
		want := expectedLines(job, "out")
		want = append(want, job+" end")
		if got := linesOf(p.out.String(), job+" "); !slices.Equal(got, want) {
			t.Errorf("%s: upwrap's stdout has %d of the child's %d lines", job, len(got), len(want))
		}
		rec := readRecord(t, state, job)
		if rec == nil || rec.State != marker.Succeeded || rec.Attempts != 1 || rec.ExitCode == nil || *rec.ExitCode != 0 ||
			string(rec.Job) != job || !slices.Equal(rec.Argv, append(slices.Clone(loadChild), job)) || rec.ArgvSHA256 != marker.ArgvHash(rec.Argv) {
			t.Errorf("%s: wrong record: %+v", job, rec)
			continue
		}
		log, err := os.ReadFile(filepath.Join(state, job+".log"))
		if err != nil {
			t.Fatal(err)
		}
		if got := linesOf(string(log), job+" out "); !slices.Equal(got, expectedLines(job, "out")) {
			t.Errorf("%s: log has %d of %d stdout lines, in order: %v", job, len(got), loadLines, slices.Equal(got, expectedLines(job, "out")[:len(got)]))
		}
		if got := linesOf(string(log), job+" err "); !slices.Equal(got, expectedLines(job, "err")) {
			t.Errorf("%s: log has %d of %d stderr lines", job, len(got), loadLines)
		}
		if !strings.Contains(string(log), job+" end\n") || !strings.Contains(string(log), "state recorded") {
			t.Errorf("%s: log lacks the last line or the final event", job)
		}
		if strings.Count(string(log), "load-") != strings.Count(string(log), job) {
			t.Errorf("%s: log holds lines of other jobs", job)
		}
	}
	noTempFiles(t, state)
	locksFree(t, state, loadJobs)
	r := upwrap(t, "status", "--state-dir", state, "--all", "--json")
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m struct{ State string }
		if json.Unmarshal([]byte(line), &m) == nil && m.State == "succeeded" {
			n++
		}
	}
	if n != loadJobs {
		t.Errorf("status --all reports %d succeeded jobs, want %d", n, loadJobs)
	}
}

// TestLoadOneJob starts one job from 50 upwrap processes at once: the child
// runs exactly once; every other process answers busy, or success once the
// job is done.
func TestLoadOneJob(t *testing.T) {
	bin := upwrapBin(t, "")
	dir := t.TempDir()
	state, count := filepath.Join(dir, "state"), filepath.Join(dir, "count")
	child := []string{"sh", "-c", `echo started >> "$1"; sleep 0.5`, "sh", count}
	var wg sync.WaitGroup
	codes := make([]int, 50)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := runProc(t, nil, append([]string{bin, "run", "--state-dir", state, "--job", "one", "--"}, child...)...)
			codes[i] = r.code
		}()
	}
	wg.Wait()
	if n := starts(t, count); n != 1 {
		t.Errorf("the child was started %d times by 50 concurrent runs, want 1", n)
	}
	tally := map[int]int{}
	for _, c := range codes {
		tally[c]++
	}
	if tally[codeSuccess]+tally[codeBusy] != len(codes) || tally[codeSuccess] < 1 {
		t.Errorf("exit codes %v; want only %d (success) and %d (busy)", tally, codeSuccess, codeBusy)
	}
	t.Logf("50 concurrent runs of one job: exit codes %v, child started once", tally)
	if rec := readRecord(t, state, "one"); rec == nil || rec.State != marker.Succeeded || rec.Attempts != 1 {
		t.Errorf("record: %+v", rec)
	}
	noTempFiles(t, state)
	locksFree(t, state, 1)
}

func expectedLines(job, stream string) []string {
	var out []string
	for i := 0; i < loadLines; i++ {
		out = append(out, fmt.Sprintf("%s %s %d", job, stream, i))
	}
	return out
}

// linesOf returns the lines of s that start with prefix, in order.
func linesOf(s, prefix string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

func noTempFiles(t *testing.T, state string) {
	t.Helper()
	if tmps, _ := filepath.Glob(filepath.Join(state, ".*")); len(tmps) > 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}

// locksFree checks that there are n lock files and that no process holds
// any of them: an exclusive non-blocking flock succeeds on each.
func locksFree(t *testing.T, state string, n int) {
	t.Helper()
	locks, _ := filepath.Glob(filepath.Join(state, "*.lock"))
	if len(locks) != n {
		t.Errorf("%d lock files, want %d", len(locks), n)
	}
	for _, l := range locks {
		f, err := os.Open(l)
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			t.Errorf("%s is still held: %v", l, err)
		}
		f.Close()
	}
}
