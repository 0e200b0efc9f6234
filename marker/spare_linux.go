package marker

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// allocate sets n bytes aside for f: fallocate, which reserves blocks
// without writing them, or zeros where the file system lacks it.
func allocate(f *os.File, n int64) error {
	err := unix.Fallocate(int(f.Fd()), 0, 0, n)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
		return writeZeros(f, n)
	}
	return err
}
