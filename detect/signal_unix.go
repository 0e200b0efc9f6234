//go:build unix

package detect

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// osSignalName names a signal as the C library does ("SIGPWR").
func osSignalName(s syscall.Signal) string { return unix.SignalName(s) }
