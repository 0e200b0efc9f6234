//go:build unix

package marker

import "os"

// openWriteTrusted opens an existing file for writing (not appending),
// with the checks of openTrusted.
func openWriteTrusted(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|noFollow|noBlock, 0)
	if err != nil {
		return nil, openError(path, err)
	}
	if err := checkOpenFile(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
