//go:build !linux

package marker

import "os"

// allocate sets n bytes aside for f by writing zeros.
func allocate(f *os.File, n int64) error { return writeZeros(f, n) }
