//go:build linux

package reliability

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSyscallOrder runs upwrap under strace and checks the write protocol of
// marker (ALICE's lesson, reduced to one protocol): each record write is
// write(temp) → fsync(temp) → rename(temp, record) → fsync(directory), and
// upwrap reports the state only after the last of them. The same check must
// fail for an upwrap built with upwrap_nodirsync, which skips the directory
// fsync: that proves the test sees what it claims to.
func TestSyscallOrder(t *testing.T) {
	requireStrace(t)
	for _, tc := range []struct {
		name, tags string
		wantErr    string
	}{
		{"release build", "", ""},
		{"negative control: upwrap_nodirsync build", "upwrap_nodirsync", "no fsync(dir)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := upwrapBin(t, tc.tags)
			dir := t.TempDir()
			state, trace := filepath.Join(dir, "state"), filepath.Join(dir, "trace")
			r := runProc(t, nil, "strace", "-f", "-qq", "-s", "64", "-o", trace,
				"-e", "trace=open,openat,write,fsync,fdatasync,rename,renameat,renameat2",
				bin, "run", "--state-dir", state, "--job", "order", "--", "true")
			if r.code != 0 {
				t.Fatalf("upwrap under strace: %v", r)
			}
			evs, err := traceEvents(trace, state, "order")
			if err != nil {
				t.Fatal(err)
			}
			err = checkWriteOrder(evs)
			t.Logf("events: %s", strings.Join(evs, " "))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("write protocol broken: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("the check passed for a build without the directory fsync; it must fail")
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("check failed with %q, want %q", err, tc.wantErr)
			}
		})
	}
}

func requireStrace(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("skipped: strace is not installed (.ci/run installs it: apt-get install strace)")
	}
	if out, err := exec.Command("strace", "-f", "-qq", "-e", "trace=none", "true").CombinedOutput(); err != nil {
		t.Skipf("skipped: strace cannot trace here (ptrace not permitted?): %v: %s", err, out)
	}
}

var (
	straceLine = regexp.MustCompile(`^(\d+)\s+(.*)$`)
	resumed    = regexp.MustCompile(`^<\.\.\. \w+ resumed>(.*)$`)
	callRet    = regexp.MustCompile(`^(\w+)\((.*)\)\s+=\s+(-?\d+)`)
)

// traceEvents reads an strace -f log and returns the events of the
// protocol, in the order the calls completed: open-temp, write-temp,
// fsync-temp, rename, open-dir, fsync-dir, report.
func traceEvents(path, stateDir, job string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pending := map[string]string{} // pid -> start of an unfinished call
	fds := map[int]string{}        // fd -> "temp" or "dir"
	// Each write has a temporary file of its own: .JOB.json.<hex>.tmp.
	// marker opens the state directory once and names its files relative
	// to that descriptor (openat/renameat with the directory's fd and a
	// bare name); a write by path is not what marker does.
	tempName := regexp.QuoteMeta("."+job+".json.") + `[0-9a-f]+\.tmp`
	temp := regexp.MustCompile(`^(\d+), "` + tempName + `"`)
	record := regexp.MustCompile(`(^|, )(\d+), "` + regexp.QuoteMeta(job+".json") + `"`)
	// inDir: a relative name's descriptor must be the state directory's.
	inDir := func(m []string) bool {
		if m[1] == "" {
			return true
		}
		fd, _ := strconv.Atoi(m[1])
		return fds[fd] == "dir"
	}
	var evs []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := straceLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		pid, call := m[1], m[2]
		if head, ok := strings.CutSuffix(call, " <unfinished ...>"); ok {
			pending[pid] = head
			continue
		}
		if r := resumed.FindStringSubmatch(call); r != nil {
			call = pending[pid] + r[1]
			delete(pending, pid)
		}
		c := callRet.FindStringSubmatch(call)
		if c == nil {
			continue
		}
		name, args := c[1], c[2]
		ret, _ := strconv.Atoi(c[3])
		fd := -1
		if a, _, ok := strings.Cut(args, ","); ok {
			fd, _ = strconv.Atoi(a)
		} else {
			fd, _ = strconv.Atoi(args)
		}
		switch name {
		case "open", "openat":
			if ret < 0 {
				continue
			}
			switch m := temp.FindStringSubmatch(args); {
			case m != nil && inDir(m):
				fds[ret] = "temp"
				evs = append(evs, "open-temp")
			case strings.Contains(args, strconv.Quote(stateDir)+","):
				fds[ret] = "dir"
				evs = append(evs, "open-dir")
			default:
				delete(fds, ret)
			}
		case "write":
			switch {
			case fds[fd] == "temp" && ret > 0:
				evs = append(evs, "write-temp")
			case (fd == 1 || fd == 2) && strings.Contains(args, `"upwrap: `+job+`: `):
				evs = append(evs, "report")
			}
		case "fsync", "fdatasync":
			if k := fds[fd]; k != "" && ret == 0 {
				evs = append(evs, "fsync-"+k)
			}
		case "rename", "renameat", "renameat2":
			from, to := temp.FindStringSubmatch(args), record.FindStringSubmatch(args)
			if ret == 0 && from != nil && to != nil && inDir(from) && inDir(to[1:]) {
				evs = append(evs, "rename")
			}
		}
	}
	return evs, sc.Err()
}

// checkWriteOrder checks the protocol on the events of traceEvents: every
// rename of a temporary file over the record follows a write and then an
// fsync of that file, and is followed by an fsync of the directory before
// the next record write starts or upwrap reports; the report comes after
// the last record write is durable.
func checkWriteOrder(evs []string) error {
	var wrote, synced, renamed, dirSynced bool
	writes, reports := 0, 0
	for i, e := range evs {
		switch e {
		case "open-temp":
			if renamed && !dirSynced {
				return fmt.Errorf("event %d: record write %d started before write %d's rename was made durable: no fsync(dir)", i, writes+1, writes)
			}
			wrote, synced, renamed, dirSynced = false, false, false, false
		case "write-temp":
			wrote, synced = true, false
		case "fsync-temp":
			if wrote {
				synced = true
			}
		case "rename":
			if !wrote || !synced {
				return fmt.Errorf("event %d: rename before write(temp) → fsync(temp) (wrote %v, synced %v)", i, wrote, synced)
			}
			renamed, dirSynced = true, false
			writes++
		case "fsync-dir":
			if renamed {
				dirSynced = true
			}
		case "report":
			reports++
			if writes == 0 {
				return fmt.Errorf("event %d: upwrap reported before any record write", i)
			}
			if !dirSynced {
				return fmt.Errorf("event %d: upwrap reported before the rename of record write %d was made durable: no fsync(dir)", i, writes)
			}
		}
	}
	if writes == 0 || reports == 0 {
		return fmt.Errorf("saw %d record writes and %d reports; want at least one of each", writes, reports)
	}
	return nil
}

// TestCheckWriteOrder pins the checker itself on the orders it must refuse.
func TestCheckWriteOrder(t *testing.T) {
	good := "open-temp write-temp fsync-temp rename open-dir fsync-dir report"
	for _, tc := range []struct {
		evs     string
		wantErr string
	}{
		{good, ""},
		{good + " " + good, ""},
		{"open-temp write-temp rename open-dir fsync-dir report", "rename before write(temp) → fsync(temp)"},
		{"open-temp fsync-temp write-temp rename open-dir fsync-dir report", "rename before write(temp) → fsync(temp)"},
		{"open-temp fsync-temp rename open-dir fsync-dir report", "rename before write(temp) → fsync(temp)"},
		{"open-temp write-temp fsync-temp open-dir fsync-dir rename report", "no fsync(dir)"},
		{"open-temp write-temp fsync-temp rename report open-dir fsync-dir", "no fsync(dir)"},
		{"open-temp write-temp fsync-temp rename open-temp write-temp fsync-temp rename open-dir fsync-dir report", "no fsync(dir)"},
		{"report " + good, "reported before any record write"},
		{"open-temp write-temp fsync-temp rename open-dir fsync-dir", "0 reports"},
	} {
		err := checkWriteOrder(strings.Fields(tc.evs))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if (tc.wantErr == "") != (err == nil) || !strings.Contains(got, tc.wantErr) {
			t.Errorf("checkWriteOrder(%s) = %q, want an error containing %q", tc.evs, got, tc.wantErr)
		}
	}
}
