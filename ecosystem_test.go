package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The test binary doubles as upwrap: run with UPWRAP_ECO_TEST_MAIN=1 it is
// the real CLI (main), so the tests below drive the real binary — flags,
// streams, exit codes — without a separate build.
func init() {
	if os.Getenv("UPWRAP_ECO_TEST_MAIN") == "1" {
		os.Unsetenv("UPWRAP_ECO_TEST_MAIN")
		main()
	}
}

// invocation is one run of the upwrap binary.
type invocation struct {
	args []string
	env  []string // added to the environment
	// boot, when set, gives the process a private boot identity (a
	// simulated restart: harnesses.md §1).
	boot string
	// uptime, with boot, is the time since that boot in seconds (a private
	// /proc/uptime); "" keeps the machine's.
	uptime string
	stderr *os.File // when set, stderr goes to this file
}

// result is what an invocation printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// upwrap runs the binary and returns its streams and exit code.
func upwrap(t *testing.T, inv invocation) result {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var cmd *exec.Cmd
	if inv.boot != "" {
		requireUnshare(t)
		f := filepath.Join(t.TempDir(), "boot_id")
		if err := os.WriteFile(f, []byte(inv.boot+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		up := ""
		if inv.uptime != "" {
			up = filepath.Join(t.TempDir(), "uptime")
			if err := os.WriteFile(up, []byte(inv.uptime+" "+inv.uptime+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		script := `mount --bind "$1" /proc/sys/kernel/random/boot_id && { [ -z "$2" ] || mount --bind "$2" /proc/uptime; } && shift 2 && exec "$@"`
		cmd = exec.Command("unshare", append([]string{"-m", "sh", "-c", script, "sh", f, up, self}, inv.args...)...)
	} else {
		cmd = exec.Command(self, inv.args...)
	}
	cmd.Env = append(append(ecoCleanEnv(), "UPWRAP_ECO_TEST_MAIN=1"), inv.env...)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	if inv.stderr != nil {
		cmd.Stderr = inv.stderr
	} else {
		cmd.Stderr = &errb
	}
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("upwrap %v: %v", inv.args, err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// ecoCleanEnv is the environment without UPWRAP_ variables or JOURNAL_STREAM,
// so that the machine's settings cannot leak into a test.
func ecoCleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "UPWRAP_") || strings.HasPrefix(kv, "JOURNAL_STREAM=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// requireUnshare skips a test that needs a private mount namespace where
// there is none (not Linux, not root, unshare missing or forbidden).
func requireUnshare(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("a simulated restart needs Linux and root (unshare -m)")
	}
	if err := exec.Command("unshare", "-m", "true").Run(); err != nil {
		t.Skipf("a simulated restart needs unshare -m: %v", err)
	}
}

func requirePOSIX(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the commands here are POSIX shell")
	}
}
