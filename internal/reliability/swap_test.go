//go:build linux

package reliability

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestStateDirSwappedWhileRunning: while the upgrade runs, the state
// directory's path is renamed and a new directory (the caller's, 0700, so
// that it would pass every check) put in its place. The outcome is still
// written into the directory upwrap opened and checked, and the new one
// receives nothing (docs/design.md §6). The negative control, a build that
// reaches the directory by its path at every operation (upwrap_pathdir),
// must fail the same check: that proves the test sees where the write goes.
func TestStateDirSwappedWhileRunning(t *testing.T) {
	for _, tc := range []struct {
		name, tags string
		control    bool
	}{
		{name: "release build"},
		{name: "negative control: upwrap_pathdir build", tags: "upwrap_pathdir", control: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir, moved := filepath.Join(root, "state"), filepath.Join(root, "moved")
			started, release := filepath.Join(root, "started"), filepath.Join(root, "release")
			child := []string{"sh", "-c", `: >"$1"; while [ ! -e "$2" ]; do sleep 0.01; done; exit 0`, "sh", started, release}
			cmd := exec.Command(upwrapBin(t, tc.tags), append([]string{"run", "--state-dir", dir, "--job", "j", "--"}, child...)...)
			cmd.Env = baseEnv()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if _, err := os.Stat(started); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the child never started")
				}
			}
			if err := os.Rename(dir, moved); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(release, nil, 0o600)
			err := cmd.Wait()
			rec := readRecord(t, moved, "j")
			ents, _ := os.ReadDir(dir)
			ok := err == nil && rec != nil && rec.State == "succeeded" && len(ents) == 0
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			state := "none"
			if rec != nil {
				state = string(rec.State)
			}
			t.Logf("upwrap: %v; record in the opened directory: %s; files in the new directory: %v", err, state, names)
			if tc.control {
				// The control must fail for the reason the test is about:
				// its outcome went to the directory now at the path.
				if got := readRecord(t, dir, "j"); ok || got == nil || got.State != "succeeded" {
					t.Errorf("the build that follows the path did not write its outcome into the new directory (%v); the test cannot see where writes go", got)
				}
				return
			}
			if !ok {
				t.Errorf("after the swap the outcome did not go (only) to the directory upwrap opened")
			}
		})
	}
}
