package wrap

import (
	"os"
	"path/filepath"
)

// shellCommand runs a --verify command with %ComSpec% /C (cmd.exe).
func shellCommand(command string) (string, []string) {
	sh := os.Getenv("ComSpec")
	if sh == "" {
		sh = filepath.Join(os.Getenv("SystemRoot"), "System32", "cmd.exe")
	}
	return sh, []string{"/C", command}
}
