package cli

import (
	"runtime"
	"testing"
)

// requirePOSIX skips a test whose commands are POSIX shell.
func requirePOSIX(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the commands here are POSIX shell")
	}
}
