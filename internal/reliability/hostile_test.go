//go:build linux

package reliability

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every hostile input: a clear message in upwrap's voice and the documented
// exit code, nothing written, the child not started.

// hostileRun runs "upwrap run" in argv's prefix (a namespace, another user)
// with the startedChild, and checks the refusal: code, message fragments,
// no file under root changed, the child never started.
func hostileRun(t *testing.T, root string, prefix []string, args []string, code int, fragments ...string) {
	t.Helper()
	count := countFor(t)
	os.Remove(count)
	before := snapshot(t, root)
	argv := append(append(append(prefix, upwrapBin(t, "")), args...), "--")
	r := runProc(t, nil, append(argv, jobChild(count)...)...)
	wantRefusal(t, r, code, fragments...)
	unchanged(t, root, before)
	if n := starts(t, count); n != 0 {
		t.Errorf("the child was started %d times; want never", n)
	}
}

// countFor is where the jobChild of test t counts its starts: one path per
// test, outside every directory a test snapshots, so that the job's command
// line is the same in its set-up and in hostileRun.
func countFor(t *testing.T) string {
	sum := sha256.Sum256([]byte(t.Name()))
	return filepath.Join(binDir, "count-"+hex.EncodeToString(sum[:8]))
}

// jobChild is the command line of the job the hostile tests set up and then
// try to run again: it counts its starts in count and fails while count.fail
// exists. (A record of another command line would be a conflict, refused
// before any of the checks under test.)
func jobChild(count string) []string {
	return []string{"sh", "-c", `echo started >> "$1"; [ ! -e "$1.fail" ]`, "sh", count}
}

// failOnce records job j in state as failed once, with jobChild's command
// line, run through prefix (a namespace): a run that trusted the record would
// start it again.
func failOnce(t *testing.T, prefix []string, state string) {
	t.Helper()
	count := countFor(t)
	if err := os.WriteFile(count+".fail", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(count + ".fail")
	argv := append(append(prefix, upwrapBin(t, ""), "run", "--state-dir", state, "--job", "j", "--"), jobChild(count)...)
	if r := runProc(t, nil, argv...); r.code != 1 {
		t.Fatalf("setup: %v", r)
	}
	os.Remove(count)
}

// TestHostileJobIDs: job ids that could escape the state directory, name a
// device, smuggle control characters or are absurdly long are refused
// before anything is created; case variants of an existing job are that
// job.
func TestHostileJobIDs(t *testing.T) {
	root := t.TempDir()
	state := filepath.Join(root, "state")
	if r := upwrap(t, "run", "--state-dir", state, "--job", "win11", "--", "true"); r.code != 0 {
		t.Fatalf("setup: %v", r)
	}
	for name, id := range map[string]string{
		"traversal":              "../escape",
		"traversal only":         "..",
		"traversal inside":       "a/../../escape",
		"absolute path":          "/etc/passwd",
		"slash":                  "a/b",
		"backslash":              `a\b`,
		"windows traversal":      `..\..\escape`,
		"drive letter":           "C:evil",
		"device CON":             "CON",
		"device nul.txt":         "nul.txt",
		"device Com1":            "Com1",
		"device LPT9.log":        "LPT9.log",
		"device CONIN$":          "CONIN$",
		"dot first":              ".hidden",
		"dash first":             "-rf",
		"trailing dot":           "win11.",
		"leading space":          " win11",
		"trailing space":         "win11 ",
		"newline":                "a\nb",
		"tab":                    "a\tb",
		"escape sequence":        "a\x1b[31mred",
		"DEL":                    "a\x7f",
		"carriage return":        "win11\r",
		"non-UTF-8 Latin-1":      "caf\xe9",
		"non-UTF-8 bytes":        "\xff\xfe",
		"UTF-8 non-ASCII":        "café",
		"fullwidth solidus":      "a\uff0fb",
		"10000 characters":       strings.Repeat("a", 10000),
		"65 characters":          strings.Repeat("a", 65),
		"glob":                   "win*",
		"wildcard question mark": "win1?",
	} {
		t.Run(name, func(t *testing.T) {
			hostileRun(t, root, nil, []string{"run", "--state-dir", state, "--job=" + id}, codeUsage, "invalid job id", "upwrap: hint: a job id is")
			// status and clear refuse the id too, and write nothing.
			before := snapshot(t, root)
			wantRefusal(t, upwrap(t, "status", "--state-dir", state, "--job="+id), codeUsage, "invalid job id")
			wantRefusal(t, upwrap(t, "clear", "--state-dir", state, "--job="+id), codeUsage, "invalid job id")
			unchanged(t, root, before)
		})
	}
	t.Run("message of a 10000-character id stays short", func(t *testing.T) {
		r := upwrap(t, "run", "--state-dir", state, "--job="+strings.Repeat("a", 10000), "--", "true")
		if len(r.stderr) > 1000 {
			t.Errorf("stderr is %d bytes; the id must be cut short:\n%.300s...", len(r.stderr), r.stderr)
		}
	})
	t.Run("no state directory is created for a bad id", func(t *testing.T) {
		fresh := filepath.Join(root, "fresh")
		hostileRun(t, root, nil, []string{"run", "--state-dir", fresh, "--job=../fresh"}, codeUsage, "invalid job id")
		if _, err := os.Lstat(fresh); err == nil {
			t.Errorf("%s was created", fresh)
		}
	})
	// Case variants: "Win11" and "win11" are one job on every OS.
	count := filepath.Join(root, "count")
	job := filepath.Join(state, "win11.json")
	for _, v := range []string{"Win11", "WIN11", "wIn11"} {
		t.Run("case variant "+v+" is the same job", func(t *testing.T) {
			before := snapshot(t, root)
			// The same command line: already done, nothing runs, nothing is written.
			if r := upwrap(t, "run", "--state-dir", state, "--job", v, "--", "true"); r.code != codeSuccess || !strings.Contains(r.stderr, "win11: succeeded") {
				t.Errorf("same command line: %v", r)
			}
			unchanged(t, root, before)
			// Another command line under a case variant: a conflict, not a
			// second job.
			r := upwrap(t, append([]string{"run", "--state-dir", state, "--job", v, "--"}, startedChild(count)...)...)
			if r.code != codeConflict || !strings.Contains(r.stderr, "conflict") {
				t.Errorf("different command line: %v", r)
			}
			if n := starts(t, count); n != 0 {
				t.Errorf("the child was started %d times", n)
			}
			unchanged(t, root, before)
		})
	}
	if _, err := os.Stat(job); err != nil {
		t.Error(err)
	}
}

// TestHostileStateDirs: a --state-dir that is not a usable directory of the
// caller's alone is refused.
func TestHostileStateDirs(t *testing.T) {
	t.Run("a regular file", func(t *testing.T) {
		root := t.TempDir()
		p := filepath.Join(root, "file")
		os.WriteFile(p, []byte("not a directory\n"), 0o600)
		hostileRun(t, root, nil, []string{"run", "--state-dir", p, "--job", "j"}, codeStateDir, "is not a directory", "upwrap: hint:")
	})
	t.Run("a FIFO", func(t *testing.T) {
		root := t.TempDir()
		p := filepath.Join(root, "fifo")
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
		hostileRun(t, root, nil, []string{"run", "--state-dir", p, "--job", "j"}, codeStateDir, "is not a directory")
	})
	t.Run("a symbolic link to a good directory", func(t *testing.T) {
		root := t.TempDir()
		real, link := filepath.Join(root, "real"), filepath.Join(root, "link")
		failOnce(t, nil, real)
		os.Symlink(real, link)
		hostileRun(t, root, nil, []string{"run", "--state-dir", link, "--job", "j"}, codeUntrusted, "is a symbolic link")
	})
	t.Run("a missing parent", func(t *testing.T) {
		root := t.TempDir()
		hostileRun(t, root, nil, []string{"run", "--state-dir", filepath.Join(root, "no", "such", "state"), "--job", "j"}, codeStateDir, "no such file or directory")
	})
	t.Run("read-only (bind mount)", func(t *testing.T) {
		requireMountNS(t)
		root := t.TempDir()
		state := filepath.Join(root, "state")
		// A job that failed once would run again: only the refusal stops it.
		failOnce(t, nil, state)
		ro := inNamespace(`mount --bind "` + state + `" "` + state + `" && mount -o remount,bind,ro "` + state + `"`)
		hostileRun(t, root, ro, []string{"run", "--state-dir", state, "--job", "j"}, codeStateDir, "read-only file system")
		hostileRun(t, root, ro, []string{"run", "--state-dir", state, "--job", "new"}, codeStateDir, "read-only file system")
		// The directory did not exist: it cannot be created on a read-only
		// file system either.
		roRoot := inNamespace(`mount --bind "` + root + `" "` + root + `" && mount -o remount,bind,ro "` + root + `"`)
		hostileRun(t, root, roRoot, []string{"run", "--state-dir", filepath.Join(root, "fresh"), "--job", "j"}, codeStateDir, "read-only file system")
	})
	t.Run("full (64 KiB tmpfs)", func(t *testing.T) {
		requireMountNS(t)
		testFullStateDir(t)
	})
}

// testFullStateDir: in a private mount namespace, a 64 KiB tmpfs holds the
// state directory with a record of a job that failed once (so a run would
// start it again); the tmpfs is filled. The record write fails cleanly, the
// previous record survives byte for byte, the child is not started.
func testFullStateDir(t *testing.T) {
	root := t.TempDir()
	state := filepath.Join(root, "state")
	// A process holds the namespace; upwrap enters it with nsenter, and the
	// test reads the tmpfs through view.
	enter, view := tmpfsNamespace(t, state, 64<<10)
	failOnce(t, enter, state)
	// Fill the tmpfs to the last page.
	runProc(t, nil, append(enter, "dd", "if=/dev/zero", "of="+filepath.Join(state, "fill"), "bs=4096")...)
	if r := runProc(t, nil, append(enter, "df", state)...); !strings.Contains(r.stdout, "100%") {
		t.Fatalf("the tmpfs is not full:\n%s", r.stdout)
	}
	old, err := os.ReadFile(filepath.Join(view, "j.json"))
	if err != nil {
		t.Fatal(err)
	}
	hostileRun(t, view, enter, []string{"run", "--state-dir", state, "--job", "j"}, codeStateDir, "no space left on device")
	if now, _ := os.ReadFile(filepath.Join(view, "j.json")); !bytes.Equal(old, now) {
		t.Errorf("the previous record changed:\n%s", now)
	}
	// status still reads it.
	if r := runProc(t, nil, append(enter, upwrapBin(t, ""), "status", "--state-dir", state, "--job", "j")...); !strings.Contains(r.stderr, "j: failed") {
		t.Errorf("status on the full directory: %v", r)
	}
}

// TestHostileRecords: records upwrap must not act on.
func TestHostileRecords(t *testing.T) {
	// setup makes a state directory whose job "j" failed once (a run would
	// start it again), then lets tamper change it; the run must refuse.
	setup := func(t *testing.T, tamper func(state string)) (root, state string) {
		root = t.TempDir()
		state = filepath.Join(root, "state")
		failOnce(t, nil, state)
		tamper(state)
		return root, state
	}
	rewrite := func(edit func(map[string]any)) func(string) {
		return func(state string) {
			p := filepath.Join(state, "j.json")
			b, _ := os.ReadFile(p)
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			edit(m)
			b, _ = json.MarshalIndent(m, "", "  ")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name      string
		root      bool
		tamper    func(state string)
		code      int
		fragments []string
	}{
		{"newer schema", false, rewrite(func(m map[string]any) { m["schema"] = 2 }), codeCorrupt,
			[]string{"newer schema", "record schema 2", "upwrap: hint: a newer upwrap wrote this record"}},
		{"10 MB in size", false, rewrite(func(m map[string]any) { m["x_padding"] = strings.Repeat("x", 10_000_000) }), codeCorrupt,
			[]string{"record is corrupt", "larger than 1048576 bytes"}},
		{"truncated", false, func(state string) {
			p := filepath.Join(state, "j.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o600)
		}, codeCorrupt, []string{"record is corrupt", "upwrap: hint: upwrap will not guess"}},
		{"owned by another user", true, func(state string) { os.Chown(filepath.Join(state, "j.json"), 65534, 65534) }, codeUntrusted,
			[]string{"belongs to uid 65534"}},
		{"a symbolic link", false, func(state string) {
			p := filepath.Join(state, "j.json")
			os.Rename(p, filepath.Join(state, "..", "elsewhere.json"))
			os.Symlink("../elsewhere.json", p)
		}, codeUntrusted, []string{"is a symbolic link"}},
		{"a FIFO", false, func(state string) {
			p := filepath.Join(state, "j.json")
			os.Remove(p)
			syscall.Mkfifo(p, 0o600)
		}, codeUntrusted, []string{"is not a regular file"}},
		{"a directory", false, func(state string) {
			p := filepath.Join(state, "j.json")
			os.Remove(p)
			os.Mkdir(p, 0o700)
		}, codeUntrusted, []string{"is not a regular file"}},
		{"log is a FIFO", false, func(state string) {
			p := filepath.Join(state, "j.log")
			os.Remove(p)
			syscall.Mkfifo(p, 0o600)
		}, codeUntrusted, []string{"j.log is not a regular file"}},
		{"log is a symbolic link", false, func(state string) {
			p := filepath.Join(state, "j.log")
			os.Remove(p)
			os.Symlink("/etc/passwd", p)
		}, codeUntrusted, []string{"j.log is a symbolic link"}},
		{"lock is a symbolic link", false, func(state string) {
			p := filepath.Join(state, "j.lock")
			os.Remove(p)
			os.Symlink("/etc/passwd", p)
		}, codeUntrusted, []string{"j.lock is a symbolic link"}},
		{"lock is a FIFO", false, func(state string) {
			p := filepath.Join(state, "j.lock")
			os.Remove(p)
			syscall.Mkfifo(p, 0o600)
		}, codeUntrusted, []string{"j.lock is not a regular file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.root {
				requireRoot(t)
			}
			root, state := setup(t, tc.tamper)
			hostileRun(t, root, nil, []string{"run", "--state-dir", state, "--job", "j"}, tc.code, tc.fragments...)
		})
	}
	t.Run("a command line too long to record", func(t *testing.T) {
		root := t.TempDir()
		state := filepath.Join(root, "state")
		args := []string{"run", "--state-dir", state, "--job", "long", "--", "sh", "-c", "exit 0"}
		for i := 0; i < 12; i++ {
			args = append(args, strings.Repeat("x", 100_000))
		}
		r := upwrap(t, args...)
		wantRefusal(t, r, codeUsage, "record too large", "upwrap: hint: the command line is too long")
		if _, err := os.Stat(filepath.Join(state, "long.json")); err == nil {
			t.Error("a record was written")
		}
	})
}

// TestUnknownKeysAreNotHostile: docs/design.md §6 lets new keys appear. A record
// with keys this version does not know is read and acted on, and the keys
// survive the rewrite.
func TestUnknownKeysAreNotHostile(t *testing.T) {
	root := t.TempDir()
	state, count := filepath.Join(root, "state"), countFor(t)
	args := append([]string{"run", "--state-dir", state, "--job", "j", "--"}, jobChild(count)...)
	failOnce(t, nil, state)
	p := filepath.Join(state, "j.json")
	b, _ := os.ReadFile(p)
	extra := `"x_added_by_v2": {"phase": "download", "bytes": [1, 2, 3]}, "zz_flag": true, `
	b = bytes.Replace(b, []byte(`"state":`), []byte(extra+`"state":`), 1)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := upwrap(t, args...); r.code != codeSuccess {
		t.Fatalf("run with unknown keys: %v", r)
	}
	if n := starts(t, count); n != 1 {
		t.Errorf("child started %d times, want 1 (the job had failed once)", n)
	}
	rec := readRecord(t, state, "j")
	got := map[string]string{}
	for k, v := range rec.Extra {
		got[k] = string(v)
	}
	want := map[string]string{"x_added_by_v2": `{"phase":"download","bytes":[1,2,3]}`, "zz_flag": "true"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unknown keys after the rewrite (-want +got):\n%s", diff)
	}
	if rec.State != "succeeded" || rec.Attempts != 2 {
		t.Errorf("record: state %s attempts %d, want succeeded 2", rec.State, rec.Attempts)
	}
}
