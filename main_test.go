package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"upwrap": main,
	})
}

// helperScripts are small shell tools the scripts use.
var helperScripts = map[string]string{
	// rc runs a command and prints its exit code, so scripts can assert it.
	"rc": `#!/bin/sh
"$@"
echo "exit=$?"
`,
	// waitfile waits (at most 20 s) for a file to exist.
	"waitfile": `#!/bin/sh
i=0
while [ ! -e "$1" ]; do
  i=$((i+1)); [ $i -gt 2000 ] && { echo "waitfile: $1 never appeared" >&2; exit 1; }
  sleep 0.01
done
`,
	// waitgrep waits (at most 20 s) until a line of the file matches the
	// extended regular expression: waitgrep PATTERN FILE.
	"waitgrep": `#!/bin/sh
i=0
until grep -qE -- "$1" "$2" 2>/dev/null; do
  i=$((i+1)); [ $i -gt 2000 ] && { echo "waitgrep: $2 never matched $1" >&2; exit 1; }
  sleep 0.01
done
`,
	// waitgone waits (at most 20 s) until the process whose pid is in the
	// file has ended (a zombie counts as ended).
	"waitgone": `#!/bin/sh
pid=$(cat "$1")
i=0
while [ -e /proc/$pid ] && ! grep -q ') Z ' /proc/$pid/stat 2>/dev/null; do
  i=$((i+1)); [ $i -gt 2000 ] && { echo "waitgone: $pid still runs" >&2; exit 1; }
  sleep 0.01
done
`,
	// waitchild waits (at most 20 s) until the running record of the job
	// names its started child.
	"waitchild": `#!/bin/sh
i=0
until grep -q '"child"' "$UPWRAP_STATE_DIR/$1.json" 2>/dev/null; do
  i=$((i+1)); [ $i -gt 2000 ] && { echo "waitchild: $1 never recorded its child" >&2; exit 1; }
  sleep 0.01
done
`,
	// reboot-sim runs a command as if the machine had restarted: in a
	// private mount namespace whose boot_id is different (upwrap's boot identity,
	// docs/design.md §8).
	"reboot-sim": `#!/bin/sh
echo "$1" >"$WORK/.boot_id"
shift
exec unshare -m sh -c 'mount --bind "$WORK/.boot_id" /proc/sys/kernel/random/boot_id && exec "$@"' sh "$@"
`,
	// uptime-sim runs a command as if the current boot had begun SECONDS
	// ago: in a private mount namespace whose /proc/uptime says so (inside
	// reboot-sim, to set the time since the simulated restart).
	"uptime-sim": `#!/bin/sh
echo "$1.00 $1.00" >"$WORK/.uptime"
shift
exec unshare -m sh -c 'mount --bind "$WORK/.uptime" /proc/uptime && exec "$@"' sh "$@"
`,
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			bin := filepath.Join(env.WorkDir, ".bin")
			if err := os.Mkdir(bin, 0o755); err != nil {
				return err
			}
			for name, body := range helperScripts {
				if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
					return err
				}
			}
			env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
			// Every script gets its own private state directory.
			env.Setenv("UPWRAP_STATE_DIR", filepath.Join(env.WorkDir, "state"))
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			case "unshare":
				// Can this process make a private mount namespace and bind
				// over boot_id? (root, and not forbidden by a sandbox)
				if os.Geteuid() != 0 {
					return false, nil
				}
				err := exec.Command("unshare", "-m", "sh", "-c", "mount --bind /proc/sys/kernel/random/boot_id /proc/sys/kernel/random/boot_id").Run()
				return err == nil, nil
			case "pidns":
				// Can this process be PID 1 of a new PID namespace with its
				// own /proc and /run, as a fake init for shutdown_pidns.txtar?
				if os.Geteuid() != 0 {
					return false, nil
				}
				err := exec.Command("unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", "mount -t tmpfs tmpfs /run").Run()
				return err == nil, nil
			}
			return false, nil
		},
	})
}
