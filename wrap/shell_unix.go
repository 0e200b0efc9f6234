//go:build !windows

package wrap

import (
	"context"
	"os/exec"
	"syscall"
)

// shellCommand runs a --verify command with /bin/sh -c, in a process group
// of its own that is killed whole when ctx ends.
func shellCommand(ctx context.Context, command string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd
}
