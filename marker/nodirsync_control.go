//go:build upwrap_nodirsync

package marker

import "os"

// Built with the upwrap_nodirsync tag, upwrap never flushes the state
// directory after a rename. This is the negative control of the
// syscall-order test (internal/reliability): that test must fail for this
// build, which proves it can see a missing directory fsync. Never part of a
// release build.
func init() { syncDirFn = func(*os.File) error { return nil } }
