package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The detection-script contract (Intune custom detection script;
// Configuration Manager script detection method):
//   - exit 0 and something on stdout: the app is installed;
//   - exit 0 and nothing on stdout: not installed — and for Configuration
//     Manager stderr must then be empty too, or the result is "unknown";
//   - a non-zero exit: detection failed (unknown), whatever was printed.
// upwrap status --detection must say "installed" exactly when the job's
// effective state is succeeded, decide every other known state with exit 0
// and silent streams, and fail (non-zero, nothing on stdout) only when it
// cannot decide.

// detectCase prepares a state directory, then asks for detection.
type detectCase struct {
	name  string
	setup func(t *testing.T, state string)
	// args of the detection call after "status"; default --job j --detection
	args []string
	env  []string
	boot string // the detection runs in this (simulated) boot
	// installed: stdout is the one line; error: a non-zero exit
	installed, error bool
	// recorded is the state the setup leaves on disk ("" for none)
	recorded string
}

func runJob(t *testing.T, state string, boot string, args ...string) result {
	t.Helper()
	return upwrap(t, invocation{args: append([]string{"run", "--state-dir", state, "--job", "j"}, args...), boot: boot})
}

func TestStatusDetection(t *testing.T) {
	requirePOSIX(t)
	cases := []detectCase{
		{name: "no state directory", setup: func(t *testing.T, state string) {}},
		{name: "no record", setup: func(t *testing.T, state string) {
			runJob(t, state, "", "--job", "other", "--", "true")
		}},
		{name: "succeeded", recorded: "succeeded", installed: true, setup: func(t *testing.T, state string) {
			runJob(t, state, "", "--", "true")
		}},
		{name: "succeeded, job id from the environment", recorded: "succeeded", installed: true, args: []string{"--detection"}, env: []string{"UPWRAP_JOB=J"},
			setup: func(t *testing.T, state string) { runJob(t, state, "", "--", "true") }},
		{name: "failed, will run again", recorded: "failed", setup: func(t *testing.T, state string) {
			runJob(t, state, "", "--", "sh", "-c", "exit 3")
		}},
		{name: "gave up", recorded: "failed", setup: func(t *testing.T, state string) {
			runJob(t, state, "", "--max-attempts", "1", "--", "sh", "-c", "exit 3")
		}},
		{name: "not found", recorded: "failed", setup: func(t *testing.T, state string) {
			runJob(t, state, "", "--", "/nonexistent/setup")
		}},
		{name: "reboot required, same boot", recorded: "reboot-required", setup: func(t *testing.T, state string) {
			runJob(t, state, "", "--reboot-codes", "7", "--", "sh", "-c", "exit 7")
		}},
		{name: "reboot required, restarted", recorded: "reboot-required", installed: true, boot: "boot-after", setup: func(t *testing.T, state string) {
			runJob(t, state, "boot-before", "--reboot-codes", "7", "--", "sh", "-c", "exit 7")
		}},
		{name: "reboot required, restarted, verify fails", recorded: "reboot-required", boot: "boot-after", setup: func(t *testing.T, state string) {
			runJob(t, state, "boot-before", "--reboot-codes", "7", "--verify", "test -f "+filepath.Join(state, "..", "v2"), "--", "sh", "-c", "exit 7")
		}},
		{name: "reboot required, restarted, verify passes", recorded: "reboot-required", installed: true, boot: "boot-after", setup: func(t *testing.T, state string) {
			v2 := filepath.Join(state, "..", "v2")
			runJob(t, state, "boot-before", "--reboot-codes", "7", "--verify", "test -f "+v2, "--", "sh", "-c", "touch "+v2+"; exit 7")
		}},
		{name: "restart started by the child, same boot", recorded: "rebooting", setup: func(t *testing.T, state string) {
			runJob(t, state, "", "--restart-codes", "9", "--", "sh", "-c", "exit 9")
		}},
		{name: "restart started by the child, restarted", recorded: "rebooting", installed: true, boot: "boot-after", setup: func(t *testing.T, state string) {
			runJob(t, state, "boot-before", "--restart-codes", "9", "--", "sh", "-c", "exit 9")
		}},
		{name: "marked succeeded by setupcomplete.cmd", recorded: "succeeded", installed: true, setup: func(t *testing.T, state string) {
			upwrap(t, invocation{args: []string{"mark", "--state-dir", state, "--job", "j", "--state", "succeeded"}})
		}},
		{name: "marked failed by setuprollback.cmd", recorded: "failed", boot: "boot-after", setup: func(t *testing.T, state string) {
			runJob(t, state, "boot-before", "--restart-codes", "9", "--", "sh", "-c", "exit 9")
			upwrap(t, invocation{args: []string{"mark", "--state-dir", state, "--job", "j", "--state", "failed", "--reason", "rolled back"}, boot: "boot-after"})
		}},
		{name: "corrupt record", error: true, setup: func(t *testing.T, state string) {
			runJob(t, state, "", "--", "true")
			os.WriteFile(filepath.Join(state, "j.json"), []byte("{not json"), 0o600)
		}},
		{name: "untrusted state directory", error: true, setup: func(t *testing.T, state string) {
			runJob(t, state, "", "--", "true")
			os.Chmod(state, 0o777)
		}},
		{name: "with --all", error: true, args: []string{"--all", "--detection"}, setup: func(t *testing.T, state string) {
			runJob(t, state, "", "--", "true")
		}},
		{name: "with --json", error: true, args: []string{"--job", "j", "--json", "--detection"}, setup: func(t *testing.T, state string) {
			runJob(t, state, "", "--", "true")
		}},
		{name: "without a job", error: true, args: []string{"--detection"}, setup: func(t *testing.T, state string) {}},
		{name: "bad job id", error: true, args: []string{"--job", "../x", "--detection"}, setup: func(t *testing.T, state string) {}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			tc.setup(t, state)
			if !tc.error {
				if got := recordedState(t, filepath.Join(state, "j.json")); got != tc.recorded {
					t.Fatalf("setup recorded %q, want %q", got, tc.recorded)
				}
			}
			before := snapshot(t, state)
			args := tc.args
			if args == nil {
				args = []string{"--job", "j", "--detection"}
			}
			profiles := []string{"posix"}
			if runtime.GOOS == "windows" {
				// Elsewhere exit codes are 8 bits: msi is refused.
				profiles = append(profiles, "msi")
			}
			for _, profile := range profiles {
				r := upwrap(t, invocation{args: append([]string{"status", "--state-dir", state, "--exit-codes", profile}, args...), env: tc.env, boot: tc.boot})
				switch {
				case tc.error:
					if r.code == 0 || r.stdout != "" {
						t.Errorf("%s: exit %d, stdout %q; want a non-zero exit and nothing on stdout", profile, r.code, r.stdout)
					}
					if !strings.HasPrefix(r.stderr, "upwrap: error: ") {
						t.Errorf("%s: stderr %q; want an upwrap: error: line", profile, r.stderr)
					}
				default:
					want := result{}
					if tc.installed {
						want.stdout = "upwrap: j succeeded\n"
					}
					if diff := cmp.Diff(want, r, cmp.AllowUnexported(result{})); diff != "" {
						t.Errorf("%s: (-want +got):\n%s", profile, diff)
					}
				}
			}
			if diff := cmp.Diff(before, snapshot(t, state)); diff != "" {
				t.Errorf("status --detection changed the state directory (-before +after):\n%s", diff)
			}
		})
	}
}

// TestStatusDetectionWhileRunning: a job another upwrap is running is not
// installed yet, and asking does not disturb it.
func TestStatusDetectionWhileRunning(t *testing.T) {
	requirePOSIX(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	started, stop := filepath.Join(dir, "started"), filepath.Join(dir, "stop")
	done := make(chan result, 1)
	go func() {
		// The child waits (at most 20 s) for the test to let it finish.
		done <- runJob(t, state, "", "--", "sh", "-c",
			"touch "+started+"; i=0; while [ ! -f "+stop+" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done")
	}()
	for i := 0; ; i++ {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if i == 400 {
			t.Fatal("the job's child never started")
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := upwrap(t, invocation{args: []string{"status", "--state-dir", state, "--job", "j", "--detection"}})
	os.WriteFile(stop, nil, 0o600)
	if diff := cmp.Diff(result{}, r, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("detection while the job runs (-want +got):\n%s", diff)
	}
	if run := <-done; run.code != 0 {
		t.Errorf("the running job ended with %d: %s", run.code, run.stderr)
	}
	r = upwrap(t, invocation{args: []string{"status", "--state-dir", state, "--job", "j", "--detection"}})
	if r.stdout != "upwrap: j succeeded\n" || r.code != 0 {
		t.Errorf("after the job: %+v", r)
	}
}

// recordedState is the state key of the record at path, "" when there is
// none.
func recordedState(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return ""
	}
	var r struct{ State string }
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r.State
}

// snapshot is the content of every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			m[strings.TrimPrefix(p, dir)] = fi.Mode().String() + " " + string(b)
		}
		return nil
	})
	return m
}
