//go:build linux || darwin

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/upwrap/upwrap/marker"
)

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
