//go:build upwrap_nospare

package marker

import "os"

// Built with the upwrap_nospare tag, upwrap reserves no room for the final
// record (the spare file is created empty). This is the negative control of
// the full-disk test (internal/reliability): that test must fail for this
// build, which proves it sees the room the reservation keeps. Never part of
// a release build.
func init() { allocateSpare = func(*os.File, int64) error { return nil } }
