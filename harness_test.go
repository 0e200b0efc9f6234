package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The one way the Go tests run the binary: TestMain (testscript.Main) puts
// a copy of the test binary on PATH as "upwrap", which runs main exactly as
// the real binary does; invocation.command starts it as an admin or an
// agent would, in a clean environment.

// upwrapBinary returns the path of the "upwrap" TestMain put on PATH.
func upwrapBinary(t *testing.T) string {
	t.Helper()
	exe, err := exec.LookPath("upwrap")
	if err != nil {
		t.Fatalf("upwrap is not on PATH (TestMain sets it up): %v", err)
	}
	return exe
}

// cleanEnv is the environment of every process a test starts: this one's
// without what the developer's shell or a service manager could leak into
// upwrap (UPWRAP_* settings, JOURNAL_STREAM, NO_COLOR, TERM, the locale and
// time zone), with UTC times and a UTF-8 locale, plus extra (which wins).
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "UPWRAP_"), strings.HasPrefix(name, "LC_"),
			name == "JOURNAL_STREAM", name == "NO_COLOR", name == "TERM", name == "TZ", name == "LANG":
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "TZ=UTC", "LANG=C.UTF-8"), extra...)
}

// invocation is one run of the upwrap binary.
type invocation struct {
	args []string
	env  []string // added to cleanEnv's
	// boot, when set, gives the process a private boot identity (a
	// simulated restart: a private mount namespace with its own boot_id,
	// docs/design.md §8).
	boot string
	// uptime, with boot, is the time since that boot in seconds (a private
	// /proc/uptime); "" keeps the machine's.
	uptime string
	stderr io.Writer // when set, stderr goes here instead of result.stderr
}

// command is the process of inv, not started; its streams are unset.
func (inv invocation) command(t *testing.T) *exec.Cmd {
	t.Helper()
	exe := upwrapBinary(t)
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
		cmd = exec.Command("unshare", append([]string{"-m", "sh", "-c", script, "sh", f, up, exe}, inv.args...)...)
	} else {
		cmd = exec.Command(exe, inv.args...)
	}
	cmd.Env = cleanEnv(inv.env...)
	return cmd
}

// result is what an invocation printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// upwrap runs inv to its end, with stdout and stderr piped (no terminal),
// and returns its streams and exit code.
func upwrap(t *testing.T, inv invocation) result {
	t.Helper()
	cmd := inv.command(t)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if inv.stderr != nil {
		cmd.Stderr = inv.stderr
	}
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("upwrap %v: %v", inv.args, err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
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

// requirePOSIX skips a test whose commands are POSIX shell.
func requirePOSIX(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the commands here are POSIX shell")
	}
}
