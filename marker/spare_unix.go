//go:build unix

package marker

import "os"

// openWriteTrusted opens the existing file name in dir for writing (not
// appending), with the checks of openTrusted.
func openWriteTrusted(dir *os.File, name string) (*os.File, error) {
	return openChecked(dir, name, os.O_WRONLY)
}
