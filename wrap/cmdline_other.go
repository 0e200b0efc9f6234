//go:build !windows

package wrap

import (
	"fmt"
	"os/exec"
)

// childCmdLine is "" outside Windows: the argv is handed to the program
// as it is. --raw-cmdline is a usage error there.
func childCmdLine(argv []string, raw bool) (string, error) {
	if raw {
		return "", fmt.Errorf("%w: --raw-cmdline exists only on Windows, where a program receives one command line; elsewhere the argv reaches the command as given", ErrUsage)
	}
	return "", nil
}

// setCmdLine does nothing outside Windows.
func setCmdLine(cmd *exec.Cmd, line string) {}
