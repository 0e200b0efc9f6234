//go:build !windows

package wrap

// openPlatformSystemLog: upwrap writes no system log of its own here. On
// Linux under systemd its stderr is the journal (see internal/journal).
func openPlatformSystemLog() systemLog { return nil }
