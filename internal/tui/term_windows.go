package tui

import (
	"os"

	"golang.org/x/sys/windows"
)

// enableTerminal reports whether f is a console that processes the escape
// sequences of the status line, turning that processing on (Windows 10
// 1511 and later) when it is off. Only kernel32 is used: upwrap's main
// process must never load user32 (docs/design.md §8).
func enableTerminal(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}

// width is the console window's width in columns, 0 when unknown.
func width(fd uintptr) int {
	var info windows.ConsoleScreenBufferInfo
	if err := windows.GetConsoleScreenBufferInfo(windows.Handle(fd), &info); err != nil {
		return 0
	}
	return int(info.Window.Right-info.Window.Left) + 1
}
