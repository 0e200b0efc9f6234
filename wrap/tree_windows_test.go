package wrap

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upwrap/upwrap/internal/wintest"
)

// These run on Windows and under Wine (scripts/wine-harness). The test
// binary doubles as the installer: UPWRAP_TEST_HELPER=spawn:FILE starts a
// copy of itself in mode late:FILE and exits at once, as setup programs
// that re-launch themselves do; late:FILE waits 1.5 s, then writes FILE.

func TestMain(m *testing.M) {
	if mode, file, ok := strings.Cut(os.Getenv("UPWRAP_TEST_HELPER"), ":"); ok {
		os.Exit(helper(mode, file))
	}
	os.Exit(m.Run())
}

func helper(mode, file string) int {
	switch mode {
	case "spawn":
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "UPWRAP_TEST_HELPER=late:"+file)
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		return 0
	case "late":
		time.Sleep(1500 * time.Millisecond)
		os.WriteFile(file, []byte("done"), 0o600)
		return 0
	}
	return 3
}

// startInstaller starts the self-relaunching installer in a job, as
// runChild does, and waits for the direct child to exit.
func startInstaller(t *testing.T) (tr *tree, file string) {
	t.Helper()
	file = filepath.Join(wintest.TempDir(t), "grandchild-done")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "UPWRAP_TEST_HELPER=spawn:"+file)
	tr = newTree(cmd, true, nil)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tr.started(cmd.Process.Pid)
	if !tr.inJob {
		t.Fatal("the child was not put in a job object")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("installer: %v", err)
	}
	return tr, file
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestWindowsJobWaitsForGrandchild: the wait ends when the last process of
// the job ends (ACTIVE_PROCESS_ZERO), not when the child does.
func TestWindowsJobWaitsForGrandchild(t *testing.T) {
	tr, file := startInstaller(t)
	if fileExists(file) {
		t.Fatal("the grandchild finished before its parent: the test proves nothing")
	}
	tr.waitRest(nil)
	tr.restore()
	if !fileExists(file) {
		t.Error("waitRest returned before the grandchild finished")
	}
}

// TestWindowsJobKill: --timeout terminates the whole job, grandchild too.
func TestWindowsJobKill(t *testing.T) {
	tr, file := startInstaller(t)
	tr.kill()
	tr.waitRest(nil)
	tr.restore()
	time.Sleep(2500 * time.Millisecond)
	if fileExists(file) {
		t.Error("the grandchild survived the kill")
	}
}

// TestWindowsJobSurvivesUpwrap: releasing the job, as happens when upwrap
// dies, does not kill the upgrade (no KILL_ON_JOB_CLOSE).
func TestWindowsJobSurvivesUpwrap(t *testing.T) {
	tr, file := startInstaller(t)
	tr.restore()
	deadline := time.Now().Add(10 * time.Second)
	for !fileExists(file) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !fileExists(file) {
		t.Error("the grandchild died with the job handle")
	}
}

// TestWindowsVerifyQuoting: --verify reaches cmd.exe as typed, quoted
// paths with spaces included.
func TestWindowsVerifyQuoting(t *testing.T) {
	dir := filepath.Join(wintest.TempDir(t), "Program Files")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "app v2.txt")
	os.WriteFile(f, nil, 0o600)
	tests := []struct {
		command string
		want    bool
	}{
		{`if exist "` + f + `" (exit 0) else (exit 1)`, true},
		{`if exist "` + f + `.missing" (exit 0) else (exit 1)`, false},
		{`echo "quoted \ backslash\" & exit 0`, true},
		{`exit 3`, false},
	}
	for _, tt := range tests {
		if ok, detail := runVerify(context.Background(), tt.command, 0, nil); ok != tt.want {
			t.Errorf("verify %s = %v (%s), want %v", tt.command, ok, detail, tt.want)
		}
	}
}
