//go:build linux || darwin

package tui

import (
	"os"

	"golang.org/x/sys/unix"
)

// enableTerminal reports whether f is a terminal.
func enableTerminal(f *os.File) bool {
	_, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	return err == nil
}

// width is the terminal's width in columns, 0 when unknown.
func width(fd uintptr) int {
	ws, err := unix.IoctlGetWinsize(int(fd), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
