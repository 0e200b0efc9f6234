//go:build upwrap_pathdir && unix

package marker

import (
	"os"

	"golang.org/x/sys/unix"
)

// Built with the upwrap_pathdir tag, upwrap reaches the state directory by
// its path at every file operation instead of through the handle Open
// checked (and leaks a descriptor each time). This is the negative control
// of the swap test (internal/reliability): that test must fail for this
// build, which proves it sees a write that follows the path. Never part of
// a release build.
func init() {
	descriptorOf = func(dir *os.File) int {
		fd, err := unix.Open(dir.Name(), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1
		}
		return fd
	}
}
