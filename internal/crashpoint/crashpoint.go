//go:build !upwrap_crashpoints

// Package crashpoint names the steps of a record write and of a run at which
// the crash tests kill upwrap. In a normal build (and every release build)
// [Hit] does nothing and costs nothing; built with the upwrap_crashpoints tag,
// a process whose UPWRAP_CRASH_AT names a step kills itself with SIGKILL
// there, so tests can prove that every step leaves a record that reads right.
//
// UPWRAP_CRASH_AT is a comma-separated list of steps. A step alone fires the
// first time it is reached; "step@N" fires the Nth time it is reached in the
// process, so a test can pick one record write of a run (the running record
// is write 1, the final record write 2) with, for example,
// "after-rename@2".
package crashpoint

// Hit marks that the named step has just been reached.
func Hit(step string) {}
