//go:build linux || darwin

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/upwrap/upwrap/marker"
)

// upwrapBinary returns the binary the tests of issue 9 run as an admin
// would: TestMain (testscript.Main) puts a copy of the test binary on PATH
// as "upwrap", which runs main's run exactly as the real binary does.
func upwrapBinary(t *testing.T) string {
	t.Helper()
	exe, err := exec.LookPath("upwrap")
	if err != nil {
		t.Fatalf("upwrap is not on PATH (TestMain sets it up): %v", err)
	}
	return exe
}

// cleanEnv is a clean environment for the binary: no UPWRAP_* or NO_COLOR
// from the developer's shell, UTC times, plus extra.
func cleanEnv(extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TZ=UTC", "LANG=C.UTF-8"}
	return append(env, extra...)
}

// pipedResult is one finished invocation with its streams piped.
type pipedResult struct {
	stdout, stderr string
	code           int
}

// runPiped runs the binary with stdout and stderr piped (no terminal).
func runPiped(t *testing.T, exe string, env []string, args ...string) pipedResult {
	t.Helper()
	cmd := exec.Command(exe, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return pipedResult{out.String(), errb.String(), code}
}

// waitForState polls a job's record until it is in state (bounded).
func waitForState(t *testing.T, stateDir, job, state string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(filepath.Join(stateDir, job+".json"))
		if strings.Contains(string(b), `"state":"`+state+`"`) || strings.Contains(string(b), `"state": "`+state+`"`) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job %s never reached state %s", job, state)
}

// jobChild waits until the job's running record names its started child
// and returns the child's pid.
func jobChild(t *testing.T, stateDir, job string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(filepath.Join(stateDir, job+".json"))
		if r, err := marker.Parse(b); err == nil && r.Child != nil {
			return r.Child.PID
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("job %s never recorded its child", job)
	return 0
}

// killAndAwait kills pid (not upwrap's child) and waits until it has ended.
func killAndAwait(t *testing.T, pid int) {
	t.Helper()
	syscall.Kill(pid, syscall.SIGKILL)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || bytes.Contains(st, []byte(") Z ")) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("process %d still runs", pid)
}
