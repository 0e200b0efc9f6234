package tui

// Style is a text attribute of the status line and of upwrap's summary.
type Style string

// Styles (SGR sequences).
const (
	Bold   Style = "\x1b[1m"
	Dim    Style = "\x1b[2m"
	Red    Style = "\x1b[31m"
	Green  Style = "\x1b[32m"
	Yellow Style = "\x1b[33m"
	Cyan   Style = "\x1b[36m"
)

const reset = "\x1b[0m"

// Paint returns s in style st when on is true, else s unchanged. Empty s
// stays empty.
func Paint(on bool, st Style, s string) string {
	if !on || s == "" {
		return s
	}
	return string(st) + s + reset
}
