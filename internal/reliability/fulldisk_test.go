//go:build linux

package reliability

import (
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
			root := t.TempDir()
			// The tmpfs holds the state directory in a subdirectory, so
			// that the child can fill it beside the state directory too.
			mnt := filepath.Join(root, "var")
			enter, view := tmpfsNamespace(t, mnt, 1<<20)
			state := filepath.Join(mnt, "state")
			count := filepath.Join(root, "count")
			bin := upwrapBin(t, tc.tags)
			args := append([]string{bin, "run", "--state-dir", state, "--job", "j", "--record-retry", "2s"}, tc.args...)
			args = append(append(args, "--"), fillingChild(count, state, tc.lines, tc.fill)...)
			r := runProc(t, nil, append(enter, args...)...)
			rec := readRecord(t, filepath.Join(view, "state"), "j")
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
			df := runProc(t, nil, append(enter, "df", "-B1", "--output=avail", mnt)...)
			fi, err := os.Stat(filepath.Join(view, "state", "j.log"))
			if err != nil {
				t.Fatal(err)
			}
			log, _ := os.ReadFile(filepath.Join(view, "state", "j.log"))
			if tc.logSays && !strings.Contains(string(log), "log stopped") {
				t.Errorf("the log does not say it stopped; its end:\n%s", tail(string(log), 600))
			}
			t.Logf("figure: log of %d bytes on a 1 MiB tmpfs; the record (%d bytes) was still written; free after the run: %s",
				fi.Size(), len(mustRead(t, filepath.Join(view, "state", "j.json"))), strings.Join(strings.Fields(df.stdout)[1:], ""))
			if spare, _ := filepath.Glob(filepath.Join(view, "state", ".*")); len(spare) > 0 {
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
			root := t.TempDir()
			mnt := filepath.Join(root, "var")
			enter, view := tmpfsNamespace(t, mnt, 1<<20)
			state := filepath.Join(mnt, "state")
			count, started, release := filepath.Join(root, "count"), filepath.Join(root, "started"), filepath.Join(root, "release")
			child := []string{"sh", "-c", `echo started >>"$1"; : >"$2"; while [ ! -e "$3" ]; do sleep 0.01; done; exit 0`, "sh", count, started, release}
			args := append([]string{upwrapBin(t, ""), "run", "--state-dir", state, "--job", "j", "--record-retry", "5s", "--"}, child...)
			cmd := exec.Command(enter[0], append(enter[1:], args...)...)
			cmd.Env = baseEnv()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if _, err := os.Stat(started); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the child never started")
				}
			}
			// A read-only bind mount over the state directory: the files
			// upwrap holds open (lock, log) keep a plain remount from
			// succeeding, as they would on a real disk.
			if r := runProc(t, nil, append(enter, "sh", "-euc", `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"`, "sh", state)...); r.code != 0 {
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
				if r := runProc(t, nil, append(enter, "umount", state)...); r.code != 0 {
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
			if rec := readRecord(t, filepath.Join(view, "state"), "j"); rec == nil || string(rec.State) != tc.state {
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
	root := t.TempDir()
	mnt := filepath.Join(root, "var")
	enter, view := tmpfsNamespace(t, mnt, 1<<20)
	state := filepath.Join(mnt, "state")
	started, release := filepath.Join(root, "started"), filepath.Join(root, "release")
	child := []string{"sh", "-c", `: >"$1"; while [ ! -e "$2" ]; do sleep 0.01; done`, "sh", started, release}
	args := append([]string{upwrapBin(t, tags), "run", "--state-dir", state, "--job", "j", "--expect-reboot", "--"}, child...)
	cmd := exec.Command(enter[0], append(enter[1:], args...)...)
	cmd.Env = baseEnv()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child never started")
		}
	}
	// nsenter execs upwrap: this is upwrap's pid.
	cmd.Process.Kill()
	cmd.Wait()
	os.WriteFile(release, nil, 0o600)
	runProc(t, nil, append(enter, "dd", "if=/dev/zero", "of="+filepath.Join(mnt, "fill"), "bs=4096")...)
	if rec := readRecord(t, filepath.Join(view, "state"), "j"); rec == nil || rec.State != "running" {
		t.Fatalf("record after the crash: %+v", rec)
	}
	r := runProc(t, nil, append(enter, inNewBoot(t, upwrapBin(t, tags), "resume", "--state-dir", state, "--job", "j")...)...)
	rec := readRecord(t, filepath.Join(view, "state"), "j")
	if control {
		if r.code == 0 {
			t.Errorf("the build without reservation recorded the outcome on a full disk; the test cannot see the reservation")
		}
		return
	}
	if r.code != 0 || rec == nil || rec.State != "succeeded" || rec.Source != "boot-change" {
		t.Fatalf("resume on the full disk after the crash: %v\nrecord: %+v", r, rec)
	}
	if left, _ := filepath.Glob(filepath.Join(view, "state", ".*")); len(left) > 0 {
		t.Errorf("files left beside the record: %v", left)
	}
}
