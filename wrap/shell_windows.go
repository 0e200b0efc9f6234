package wrap

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// shellCommand runs a --verify command with %ComSpec% (cmd.exe). The
// command line is given whole (SysProcAttr.CmdLine), because cmd.exe does
// not parse the C runtime's \" escapes that os/exec would add.
func shellCommand(ctx context.Context, command string) *exec.Cmd {
	sh := os.Getenv("ComSpec")
	if sh == "" {
		sh = filepath.Join(os.Getenv("SystemRoot"), "System32", "cmd.exe")
	}
	cmd := exec.CommandContext(ctx, sh)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: cmdShellLine(sh, command)}
	return cmd
}
