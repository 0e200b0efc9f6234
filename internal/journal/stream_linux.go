package journal

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Connected reports whether f is the stream systemd connected to the
// journal: JOURNAL_STREAM holds "device:inode" and f has that device and
// inode.
func Connected(f *os.File) bool {
	return matches(os.Getenv("JOURNAL_STREAM"), f)
}

func matches(env string, f *os.File) bool {
	devS, inoS, ok := strings.Cut(env, ":")
	if !ok {
		return false
	}
	dev, err1 := strconv.ParseUint(devS, 10, 64)
	ino, err2 := strconv.ParseUint(inoS, 10, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return false
	}
	return uint64(st.Dev) == dev && uint64(st.Ino) == ino
}
