package marker

import (
	"os"

	"golang.org/x/sys/windows"
)

// openWriteTrusted opens the existing file name in dir for writing (not
// appending), with the checks of openNoFollow, and with DELETE access: the
// write renames it into place through this handle (renameDurable), which
// FILE_RENAME_INFORMATION allows only to a handle with DELETE access
// (https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/ns-ntifs-_file_rename_information).
func openWriteTrusted(dir *os.File, name string) (*os.File, error) {
	return openNoFollow(dir, name, windows.GENERIC_WRITE|windows.DELETE, windows.FILE_OPEN)
}
