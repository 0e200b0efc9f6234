//go:build linux

package reliability

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nobodyUID is the unprivileged user of the forged-record tests.
const nobodyUID = 65534

// TestNobodyCannotTouchRootsRecords: an unprivileged user, through upwrap or
// directly, cannot create, change or delete a record in root's state
// directory.
func TestNobodyCannotTouchRootsRecords(t *testing.T) {
	requireRoot(t)
	root := publicTempDir(t)
	state := filepath.Join(root, "state")
	pwned := filepath.Join(root, "pwned")
	// Root's job, done; and root's umask cannot make the files public.
	r := runProc(t, nil, "sh", "-c", `umask 000; exec "$@"`, "sh", upwrapBin(t, ""), "run", "--state-dir", state, "--job", "j", "--", "true")
	if r.code != 0 {
		t.Fatalf("setup: %v", r)
	}
	for name, want := range map[string]os.FileMode{"": 0o700 | os.ModeDir, "j.json": 0o600, "j.lock": 0o600, "j.log": 0o600} {
		fi, err := os.Lstat(filepath.Join(state, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s/%s has mode %v under umask 000, want %v", state, name, fi.Mode(), want)
		}
	}
	before := snapshot(t, root)
	bin := upwrapBin(t, "")
	for _, args := range [][]string{
		{"run", "--state-dir", state, "--job", "j", "--", "touch", pwned},
		{"run", "--state-dir", state, "--job", "forged", "--", "touch", pwned},
		{"mark", "--state-dir", state, "--job", "j", "--state", "failed"},
		{"mark", "--state-dir", state, "--job", "forged", "--state", "succeeded"},
		{"clear", "--state-dir", state, "--job", "j"},
		{"resume", "--state-dir", state, "--all"},
		{"status", "--state-dir", state, "--job", "j"},
	} {
		name := "upwrap " + args[0] + " " + strings.Join(args[3:], " ")
		t.Run(strings.ReplaceAll(name, root, "ROOT"), func(t *testing.T) {
			r := runProc(t, nil, asNobody(t, append([]string{bin}, args...)...)...)
			wantRefusal(t, r, codeUntrusted, "belongs to uid 0, not to uid 65534")
			unchanged(t, root, before)
		})
	}
	for name, script := range map[string]string{
		"overwrite the record":       `echo '{"schema":1,"job":"j","state":"failed"}' > "$1/j.json"`,
		"append to the record":       `echo x >> "$1/j.json"`,
		"truncate the record":        `: > "$1/j.json"`,
		"delete the record":          `rm -f "$1/j.json"`,
		"rename the record":          `mv "$1/j.json" "$1/k.json"`,
		"create a record":            `echo '{"schema":1,"job":"forged","state":"succeeded"}' > "$1/forged.json"`,
		"plant a temporary file":     `echo x > "$1/.j.json.tmp"`,
		"plant a symlink":            `ln -s /etc/passwd "$1/forged.json"`,
		"hard-link the record":       `ln "$1/j.json" "$1/../stolen.json"`,
		"replace the directory":      `mv "$1" "$1.old"`,
		"chmod the directory":        `chmod 777 "$1"`,
		"take the lock":              `exec 9<"$1/j.lock"`,
		"read the record":            `cat "$1/j.json"`,
		"remove the state directory": `rm -rf "$1"`,
	} {
		t.Run(name, func(t *testing.T) {
			r := runProc(t, nil, asNobody(t, "sh", "-c", script, "sh", state)...)
			if r.code == 0 {
				t.Errorf("nobody could %s", name)
			}
			unchanged(t, root, before)
		})
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Error("a child started by nobody's upwrap ran")
	}
}

// TestRootRefusesForgeableRecords: a record that another user could have
// written — its file, its directory or the files beside it writable or
// owned by someone else — is refused by root's upwrap: clear message, exit
// untrusted, nothing written, the child not started.
func TestRootRefusesForgeableRecords(t *testing.T) {
	requireRoot(t)
	chown := func(p string) {
		if err := os.Lchown(p, nobodyUID, nobodyUID); err != nil {
			t.Fatal(err)
		}
	}
	chmod := func(p string, m os.FileMode) {
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		tamper func(root, state string)
		// logOnly: only the log is forgeable; status and resume, which
		// write no log here, may read the trusted record.
		logOnly   bool
		fragments []string
	}{
		{"record owned by nobody", func(_, s string) { chown(filepath.Join(s, "j.json")) }, false, []string{"j.json belongs to uid 65534"}},
		{"record world-writable", func(_, s string) { chmod(filepath.Join(s, "j.json"), 0o666) }, false, []string{"j.json is writable by group or others"}},
		{"record group-writable by nogroup", func(_, s string) {
			p := filepath.Join(s, "j.json")
			os.Lchown(p, 0, nobodyUID)
			chmod(p, 0o620)
		}, false, []string{"j.json is writable by group or others"}},
		{"state directory world-writable", func(_, s string) { chmod(s, 0o777) }, false, []string{"writable by group or others"}},
		{"state directory world-writable, sticky", func(_, s string) { chmod(s, 0o1777) }, false, []string{"writable by group or others"}},
		{"state directory group-writable", func(_, s string) { chmod(s, 0o770) }, false, []string{"writable by group or others"}},
		{"state directory owned by nobody", func(_, s string) { chown(s) }, false, []string{"belongs to uid 65534"}},
		{"lock file owned by nobody", func(_, s string) { chown(filepath.Join(s, "j.lock")) }, false, []string{"j.lock belongs to uid 65534"}},
		{"log file owned by nobody", func(_, s string) { chown(filepath.Join(s, "j.log")) }, true, []string{"j.log belongs to uid 65534"}},
		{"log file world-writable", func(_, s string) { chmod(filepath.Join(s, "j.log"), 0o666) }, true, []string{"j.log is writable by group or others"}},
		{"record is a symlink to a root-owned record", func(root, s string) {
			p := filepath.Join(s, "j.json")
			os.Rename(p, filepath.Join(root, "real.json"))
			os.Symlink(filepath.Join(root, "real.json"), p)
		}, false, []string{"j.json is a symbolic link"}},
		{"nobody wrote the record with upwrap in a directory of their own", func(root, s string) {
			// The state directory lives in a directory nobody may write:
			// nobody replaces it with one of their own, where their own
			// upwrap writes a genuine-looking record.
			chmod(root, 0o777)
			r := runProc(t, nil, asNobody(t, "sh", "-euc", `mv "$1" "$1.root"; exec "$2" run --state-dir "$1" --job j -- true`, "sh", s, upwrapBin(t, ""))...)
			if r.code != 0 {
				t.Fatalf("nobody's own run: %v", r)
			}
		}, false, []string{"belongs to uid 65534, not to uid 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := publicTempDir(t)
			state := filepath.Join(root, "state")
			// A job that failed once: a run that trusted the record would
			// start the child.
			failOnce(t, nil, state)
			tc.tamper(root, state)
			hostileRun(t, root, nil, []string{"run", "--state-dir", state, "--job", "j"}, codeUntrusted, append(tc.fragments, "untrusted", "upwrap: hint:")...)
			// status and resume refuse it too, and write nothing.
			before := snapshot(t, root)
			for _, cmd := range []string{"status", "resume"} {
				r := upwrap(t, cmd, "--state-dir", state, "--job", "j")
				if tc.logOnly {
					if r.code != 1 || !strings.Contains(r.stderr, "j: failed") {
						t.Errorf("%s with only the log forgeable: %v; want the record reported (exit 1)", cmd, r)
					}
				} else {
					wantRefusal(t, r, codeUntrusted, "untrusted")
				}
			}
			unchanged(t, root, before)
		})
	}
}
