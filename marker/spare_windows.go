package marker

import (
	"os"

	"golang.org/x/sys/windows"
)

// openWriteTrusted opens an existing file for writing (not appending),
// with the checks of openNoFollow.
func openWriteTrusted(path string) (*os.File, error) {
	return openNoFollow(path, windows.GENERIC_WRITE, windows.OPEN_EXISTING)
}
