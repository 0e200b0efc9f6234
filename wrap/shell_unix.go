//go:build !windows

package wrap

import (
	"context"
	"os/exec"
)

// shellCommand runs a --verify command with /bin/sh -c.
func shellCommand(ctx context.Context, command string) *exec.Cmd {
	return exec.CommandContext(ctx, "/bin/sh", "-c", command)
}
