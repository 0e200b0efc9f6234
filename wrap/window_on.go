//go:build !upwrap_nowindow

package wrap

// windowEnabled: the shutdown window of docs/design.md §12 is on. The build
// tag upwrap_nowindow turns it off, for the harnesses' negative control
// only: they must see the double run that the window prevents.
const windowEnabled = true
