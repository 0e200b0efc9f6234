//go:build linux

package reliability

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/marker"
)

// Exit codes of the posix profile (README.md, "Exit codes"), the default
// on Linux. The tests assert these numbers because callers rely on them.
const (
	codeSuccess     = 0
	codeBusy        = 112
	codeStateDir    = 114
	codeUntrusted   = 115
	codeCorrupt     = 116
	codeConflict    = 117
	codeInterrupted = 118
	codeUsage       = 125
)

// binDir holds the upwrap builds of this test process; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "upwrap-reliability-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The forged-record tests run these binaries as nobody.
	os.Chmod(d, 0o755)
	binDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

var (
	buildMu sync.Mutex
	builds  = map[string]string{}
)

// upwrapBin builds upwrap once per test process with the given build tags
// ("" for a release-like build) and returns the binary's path.
func upwrapBin(t testing.TB, tags string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := builds[tags]; ok {
		return p
	}
	name := "upwrap"
	if tags != "" {
		name += "-" + strings.ReplaceAll(tags, ",", "-")
	}
	p := filepath.Join(binDir, name)
	args := []string{"build", "-o", p}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, "github.com/upwrap/upwrap")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags %q: %v\n%s", tags, err, out)
	}
	os.Chmod(p, 0o755)
	builds[tags] = p
	return p
}

// result is what one upwrap process did.
type result struct {
	code           int
	signal         syscall.Signal // the signal that killed it, or 0
	stdout, stderr string
}

func (r result) String() string {
	if r.signal != 0 {
		return fmt.Sprintf("killed by %v; stderr:\n%s", r.signal, r.stderr)
	}
	return fmt.Sprintf("exit %d; stderr:\n%s", r.code, r.stderr)
}

// baseEnv is the environment of the processes the tests start: theirs,
// without any UPWRAP_ variable a developer may have set.
func baseEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "UPWRAP_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// runProc runs argv with env added to baseEnv, bounded so that a hang (the
// FIFO bug) fails the test instead of CI.
func runProc(t testing.TB, env []string, argv ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = baseEnv(env...)
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%q did not finish within 30 s (hang?); stderr:\n%s", argv, errb.String())
	}
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.signal = ws.Signal()
		}
	default:
		t.Fatalf("run %q: %v", argv, err)
	}
	return r
}

// upwrap runs the release-like build.
func upwrap(t testing.TB, args ...string) result {
	t.Helper()
	return runProc(t, nil, append([]string{upwrapBin(t, "")}, args...)...)
}

// startedChild returns a command line whose every start appends one line to
// count, so a test can tell how often the child was started.
func startedChild(count string) []string {
	return []string{"sh", "-c", `echo started >> "$1"`, "sh", count}
}

// starts returns how many times a startedChild was started.
func starts(t testing.TB, count string) int {
	t.Helper()
	b, err := os.ReadFile(count)
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("started\n"))
}

// readRecord parses a job's record straight from the file, or returns nil
// when there is none.
func readRecord(t testing.TB, stateDir, job string) *marker.Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(stateDir, job+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	r, err := marker.Parse(b)
	if err != nil {
		t.Fatalf("record of %s does not parse: %v\n%s", job, err, b)
	}
	return r
}

// entry is what a snapshot keeps of one file: enough to see any write.
type entry struct {
	Mode     string
	UID, GID uint32
	Size     int64
	Content  string // SHA-256 of a regular file, target of a symlink
}

// snapshot describes every file under root without following symbolic
// links, so a test can assert that nothing at all was written there.
func snapshot(t testing.TB, root string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		e := entry{Mode: fi.Mode().String(), UID: st.Uid, GID: st.Gid}
		switch {
		case fi.Mode().IsRegular():
			e.Size = fi.Size()
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = f.WriteTo(h)
			f.Close()
			if err != nil {
				return err
			}
			e.Content = hex.EncodeToString(h.Sum(nil))
		case fi.Mode()&fs.ModeSymlink != 0:
			e.Content, _ = os.Readlink(p)
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// unchanged fails the test when root differs from the snapshot before.
func unchanged(t testing.TB, root string, before map[string]entry) {
	t.Helper()
	if diff := cmp.Diff(before, snapshot(t, root)); diff != "" {
		t.Errorf("files under %s changed (-before +after):\n%s", root, diff)
	}
}

// wantRefusal checks an upwrap that must refuse: the exit code, and stderr
// that says so in upwrap's voice and matches every fragment.
func wantRefusal(t testing.TB, r result, code int, fragments ...string) {
	t.Helper()
	if r.signal != 0 || r.code != code {
		t.Errorf("got %v, want exit %d", r, code)
	}
	if !strings.HasPrefix(r.stderr, "upwrap: error: ") {
		t.Errorf("stderr does not start with \"upwrap: error: \":\n%s", r.stderr)
	}
	for _, f := range fragments {
		if !strings.Contains(r.stderr, f) {
			t.Errorf("stderr lacks %q:\n%s", f, r.stderr)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if !strings.HasPrefix(line, "upwrap: ") {
			t.Errorf("stderr line not in upwrap's voice: %q", line)
		}
	}
}

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root (CI runs as root)")
	}
}

var (
	nsOnce sync.Once
	nsErr  error
)

// requireMountNS skips unless this machine lets the tests make a private
// mount namespace and mount in it (root, and unshare(2) allowed).
func requireMountNS(t testing.TB) {
	t.Helper()
	requireRoot(t)
	nsOnce.Do(func() {
		out, err := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
			`d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"`).CombinedOutput()
		if err != nil {
			nsErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	if nsErr != nil {
		t.Skipf("skipped: cannot mount in a private mount namespace (unshare -m): %v", nsErr)
	}
}

// inNamespace prefixes argv so that it runs in a private mount namespace
// after the shell commands in setup (which see argv as "$@").
func inNamespace(setup string, argv ...string) []string {
	return append([]string{"unshare", "-m", "--propagation", "private", "sh", "-euc", setup + "\nexec \"$@\"", "sh"}, argv...)
}

// inNewBoot prefixes argv so that it runs as if the machine had restarted:
// in a private mount namespace whose /proc/sys/kernel/random/boot_id is a
// file holding a fresh boot id.
func inNewBoot(t testing.TB, argv ...string) []string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "boot_id")
	if err := os.WriteFile(f, []byte(fmt.Sprintf("00000000-0000-4000-8000-%012d\n", time.Now().UnixNano()%1e12)), 0o644); err != nil {
		t.Fatal(err)
	}
	return inNamespace(`mount --bind "`+f+`" /proc/sys/kernel/random/boot_id`, argv...)
}

// asNobody prefixes argv so that it runs as the unprivileged user nobody.
func asNobody(t testing.TB, argv ...string) []string {
	t.Helper()
	requireRoot(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("skipped: setpriv (util-linux) is not installed")
	}
	return append([]string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"}, argv...)
}

// publicTempDir is a t.TempDir that nobody may traverse, so that refusals
// seen by nobody come from upwrap's own modes, not from a private parent.
func publicTempDir(t testing.TB) string {
	t.Helper()
	d := t.TempDir()
	for p := d; p != os.TempDir() && p != "/"; p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return d
}
