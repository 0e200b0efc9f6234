//go:build linux

package reliability

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tmpfsNamespace mounts a tmpfs of size bytes on dir in a private mount
// namespace held by a sleeping process. enter prefixes a command to run it
// in that namespace; view is dir as this process sees the tmpfs (through
// /proc/PID/root).
func tmpfsNamespace(t *testing.T, dir string, size int) (enter []string, view string) {
	t.Helper()
	requireMountNS(t)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	holder := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-euc",
		`mount -t tmpfs -o size=$2,mode=0700 tmpfs "$1"; echo ready; exec sleep 600`, "sh", dir, strconv.Itoa(size))
	out, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	buf := make([]byte, 6)
	if _, err := out.Read(buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("namespace holder: %q, %v", buf, err)
	}
	pid := strconv.Itoa(holder.Process.Pid)
	return []string{"nsenter", "-t", pid, "-m", "--"}, filepath.Join("/proc", pid, "root") + dir
}

// smallDisk is a test's 1 MiB tmpfs in a private mount namespace: mnt holds
// the state directory in a subdirectory (state), so that a child can fill
// the file system beside it too; enter prefixes a command to run it in the
// namespace, and view is the state directory as this process sees it.
type smallDisk struct {
	root, mnt, state, view string
	enter                  []string
}

func newSmallDisk(t *testing.T) smallDisk {
	t.Helper()
	root := t.TempDir()
	mnt := filepath.Join(root, "var")
	enter, view := tmpfsNamespace(t, mnt, 1<<20)
	return smallDisk{root: root, mnt: mnt, state: filepath.Join(mnt, "state"), view: filepath.Join(view, "state"), enter: enter}
}

// startInside starts argv in the disk's namespace (stderr to stderr, if
// given) and waits until the child has created started.
func (d smallDisk) startInside(t *testing.T, argv []string, started string, stderr io.Writer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(d.enter[0], append(d.enter[1:], argv...)...)
	cmd.Env = baseEnv()
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(started); err == nil {
			return cmd
		}
		if time.Now().After(deadline) {
			t.Fatal("the child never started")
		}
	}
}

// fillingChild is an upgrade that fills the state directory's file system
// while it runs and exits 0: it counts its start in count, prints lines of
// 210 bytes (which go to the job log, on the same file system) and, with
// fill, fills the file system half way through them and leaves it full.
func fillingChild(count, state string, lines int, fill bool) []string {
	return []string{"sh", "-c", `
echo started >>"$1"
line=$(printf '%0200d' 0)
i=0; while [ $i -lt "$3" ]; do echo "before $i $line"; i=$((i+1)); done
if [ "$4" = fill ]; then
	dd if=/dev/zero of="$2/../fill" bs=4096 2>/dev/null || true
	dd if=/dev/zero of="$2/fill" bs=4096 2>/dev/null || true
fi
i=0; while [ $i -lt "$3" ]; do echo "after $i $line"; i=$((i+1)); done
exit 0`, "sh", count, state, strconv.Itoa(lines), map[bool]string{true: "fill", false: "no"}[fill]}
}

// TestFullDiskAtTheEnd: the upgrade fills the file system of the state
// directory (and of its log) and exits 0. The room reserved before it
// started still records how it ended: exit 0, the record succeeded, the
// log stopped growing (and said so), and the next run does not start the
// upgrade again. The negative control, a build that reserves nothing, must
// fail the same check: that proves the test sees the reservation.
func TestFullDiskAtTheEnd(t *testing.T) {
	for _, tc := range []struct {
		name, tags string
		args       []string
		lines      int
		fill       bool
		// logSays: the log itself says it stopped (it cannot when the
		// disk was filled under it: then stderr says so alone).
		logSays bool
		control bool
	}{
		{name: "the child fills the disk; the log fails", lines: 1000, fill: true},
		{name: "the log fills the disk (no size limit); it stops first", args: []string{"--log-max-size", "0"}, lines: 4000, logSays: true},
		{name: "the log reaches its size limit", args: []string{"--log-max-size", "100K"}, lines: 2000, fill: true, logSays: true},
		{name: "negative control: upwrap_nospare build", tags: "upwrap_nospare", lines: 1000, fill: true, control: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newSmallDisk(t)
			enter, state := d.enter, d.state
			count := filepath.Join(d.root, "count")
			bin := upwrapBin(t, tc.tags)
			args := append([]string{bin, "run", "--state-dir", state, "--job", "j", "--record-retry", "2s"}, tc.args...)
			args = append(append(args, "--"), fillingChild(count, state, tc.lines, tc.fill)...)
			r := runProc(t, nil, append(enter, args...)...)
			rec := readRecord(t, d.view, "j")
			ok := r.code == 0 && rec != nil && rec.State == "succeeded" && rec.ExitCode != nil && *rec.ExitCode == 0
			if tc.control {
				if ok {
					t.Errorf("the build without reservation recorded the outcome on a full disk; the test cannot see the reservation")
				}
				return
			}
			if !ok {
				t.Fatalf("run on a disk the child filled: %v\nrecord: %+v", r, rec)
			}
			if !strings.Contains(r.stderr, "upwrap: warning: the job log stopped growing") {
				t.Errorf("stderr does not say that the log stopped:\n%s", r.stderr)
			}
			df := runProc(t, nil, append(enter, "df", "-B1", "--output=avail", d.mnt)...)
			fi, err := os.Stat(filepath.Join(d.view, "j.log"))
			if err != nil {
				t.Fatal(err)
			}
			log, _ := os.ReadFile(filepath.Join(d.view, "j.log"))
			if tc.logSays && !strings.Contains(string(log), "log stopped") {
				t.Errorf("the log does not say it stopped; its end:\n%s", tail(string(log), 600))
			}
			t.Logf("figure: log of %d bytes on a 1 MiB tmpfs; the record (%d bytes) was still written; free after the run: %s",
				fi.Size(), len(mustRead(t, filepath.Join(d.view, "j.json"))), strings.Join(strings.Fields(df.stdout)[1:], ""))
			if spare, _ := filepath.Glob(filepath.Join(d.view, ".*")); len(spare) > 0 {
				t.Errorf("files left beside the record: %v", spare)
			}
			// The next run, on the still-full disk: done, not started again.
			again := runProc(t, nil, append(enter, args...)...)
			if again.code != 0 || !strings.Contains(again.stderr, "not started again") {
				t.Errorf("next run: %v", again)
			}
			if n := starts(t, count); n != 1 {
				t.Errorf("the upgrade was started %d times, want once", n)
			}
		})
	}
}

// TestReadOnlyAfterStart: the state directory's file system is remounted
// read-only while the child runs. The final write is retried: when the file
// system comes back within --record-retry the record is written (and the
// operator told it took several attempts); when it does not, upwrap says how
// the job ended and that it could not record it, exits with the
// state-directory code, and leaves the record running (never a false
// outcome).
//
// The state directory is its own bind mount from the start, and that mount
// is made read-only while the child runs: upwrap holds the directory open
// and writes through that handle (docs/design.md §6), so a read-only mount
// put over the path afterwards would not reach it — only the mount it
// opened turning read-only does, as a file system that fails does. The job
// log is kept outside it: a file open for writing on a mount keeps the
// remount from succeeding (EBUSY), which the kernel's own remount on an
// error does not wait for.
func TestReadOnlyAfterStart(t *testing.T) {
	for _, tc := range []struct {
		name    string
		backRW  bool
		code    int
		state   string
		stderrs []string
	}{
		{"back read-write within the retry", true, codeSuccess, "succeeded",
			[]string{"but the record cannot be written", "read-only file system", "retrying for up to 5s", "the record was written at attempt"}},
		{"read-only for good", false, codeStateDir, "running",
			[]string{"upwrap: error: job j ended succeeded (child exited with 0), but the record could not be written within 5s", "read-only file system"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newSmallDisk(t)
			enter, state := d.enter, d.state
			count, started, release := filepath.Join(d.root, "count"), filepath.Join(d.root, "started"), filepath.Join(d.root, "release")
			child := []string{"sh", "-c", `echo started >>"$1"; : >"$2"; while [ ! -e "$3" ]; do sleep 0.01; done; exit 0`, "sh", count, started, release}
			if err := os.Mkdir(d.view, 0o700); err != nil {
				t.Fatal(err)
			}
			if r := runProc(t, nil, append(enter, "mount", "--bind", state, state)...); r.code != 0 {
				t.Fatalf("bind mount: %v", r)
			}
			args := append([]string{upwrapBin(t, ""), "run", "--state-dir", state, "--job", "j", "--record-retry", "5s",
				"--log", filepath.Join(d.root, "j.log"), "--"}, child...)
			var stderr strings.Builder
			cmd := d.startInside(t, args, started, &stderr)
			if r := runProc(t, nil, append(enter, "mount", "-o", "remount,bind,ro", state)...); r.code != 0 {
				t.Fatalf("remount read-only: %v", r)
			}
			os.WriteFile(release, nil, 0o600)
			if tc.backRW {
				// Await the first refused write, then give the file
				// system back.
				for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "retrying"); time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("upwrap never said it retries:\n%s", stderr.String())
					}
				}
				if r := runProc(t, nil, append(enter, "mount", "-o", "remount,bind,rw", state)...); r.code != 0 {
					t.Fatalf("back to read-write: %v", r)
				}
			}
			err := cmd.Wait()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			for _, f := range tc.stderrs {
				if !strings.Contains(stderr.String(), f) {
					t.Errorf("stderr lacks %q:\n%s", f, stderr.String())
				}
			}
			if rec := readRecord(t, d.view, "j"); rec == nil || string(rec.State) != tc.state {
				t.Errorf("record %+v, want state %s", rec, tc.state)
			}
			if n := starts(t, count); n != 1 {
				t.Errorf("the child started %d times", n)
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestFullDiskAfterCrash: upwrap dies (SIGKILL) while the upgrade runs,
// the disk fills up, the machine restarts. The room reserved before the
// upgrade started is still there, and the boot-time resume writes the
// outcome into it: succeeded (restart observed), nothing left beside the
// record.
func TestFullDiskAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		name, tags string
		control    bool
	}{
		{name: "release build"},
		{name: "negative control: upwrap_nospare build", tags: "upwrap_nospare", control: true},
	} {
		t.Run(tc.name, func(t *testing.T) { testFullDiskAfterCrash(t, tc.tags, tc.control) })
	}
}

func testFullDiskAfterCrash(t *testing.T, tags string, control bool) {
	d := newSmallDisk(t)
	enter, state := d.enter, d.state
	started, release := filepath.Join(d.root, "started"), filepath.Join(d.root, "release")
	child := []string{"sh", "-c", `: >"$1"; while [ ! -e "$2" ]; do sleep 0.01; done`, "sh", started, release}
	args := append([]string{upwrapBin(t, tags), "run", "--state-dir", state, "--job", "j", "--expect-reboot", "--"}, child...)
	cmd := d.startInside(t, args, started, nil)
	// nsenter execs upwrap: this is upwrap's pid.
	cmd.Process.Kill()
	cmd.Wait()
	os.WriteFile(release, nil, 0o600)
	runProc(t, nil, append(enter, "dd", "if=/dev/zero", "of="+filepath.Join(d.mnt, "fill"), "bs=4096")...)
	if rec := readRecord(t, d.view, "j"); rec == nil || rec.State != "running" {
		t.Fatalf("record after the crash: %+v", rec)
	}
	r := runProc(t, nil, append(enter, inNewBoot(t, upwrapBin(t, tags), "resume", "--state-dir", state, "--job", "j")...)...)
	rec := readRecord(t, d.view, "j")
	if control {
		if r.code == 0 {
			t.Errorf("the build without reservation recorded the outcome on a full disk; the test cannot see the reservation")
		}
		return
	}
	if r.code != 0 || rec == nil || rec.State != "succeeded" || rec.Source != "boot-change" {
		t.Fatalf("resume on the full disk after the crash: %v\nrecord: %+v", r, rec)
	}
	if left, _ := filepath.Glob(filepath.Join(d.view, ".*")); len(left) > 0 {
		t.Errorf("files left beside the record: %v", left)
	}
}
