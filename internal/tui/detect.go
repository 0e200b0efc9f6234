package tui

import (
	"os"
	"runtime"
)

// Terminal reports whether f is a terminal that understands the status
// line: a terminal (a console on Windows, where its escape-sequence
// processing is turned on) whose TERM is set and is not "dumb". Windows
// consoles need no TERM. getenv is os.Getenv, or a test's.
func Terminal(f *os.File, getenv func(string) string) bool {
	if f == nil {
		return false
	}
	if t := getenv("TERM"); t == "dumb" || (t == "" && runtime.GOOS != "windows") {
		return false
	}
	return enableTerminal(f)
}

// Color reports whether output to f may be coloured: f is a [Terminal] and
// NO_COLOR is unset or empty (https://no-color.org).
func Color(f *os.File, getenv func(string) string) bool {
	return getenv("NO_COLOR") == "" && Terminal(f, getenv)
}

// Width is the width of the terminal f in columns, 0 when unknown.
func Width(f *os.File) int { return width(f.Fd()) }
