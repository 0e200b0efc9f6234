//go:build unix

package marker

import "os"

// openWriteTrusted opens an existing file for writing (not appending),
// with the checks of openTrusted.
func openWriteTrusted(path string) (*os.File, error) { return openChecked(path, os.O_WRONLY) }
