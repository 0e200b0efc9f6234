//go:build upwrap_nowindow

package wrap

// windowEnabled is false in the negative-control build (tag
// upwrap_nowindow): a child's abnormal end is classified at once, with no
// queued notice taken, no witness asked and no grace waited. Never ship it.
const windowEnabled = false
