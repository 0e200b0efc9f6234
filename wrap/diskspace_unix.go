//go:build unix

package wrap

import "golang.org/x/sys/unix"

// diskSpace returns the size of the file system holding dir and the bytes
// an unprivileged write may still use on it.
func diskSpace(dir string) (total, free uint64, ok bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, false
	}
	bs := uint64(st.Bsize)
	return uint64(st.Blocks) * bs, uint64(st.Bavail) * bs, true
}
