package detect

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// darwinProbe reads the running macOS machine.
type darwinProbe struct{}

// System returns the probe of the running machine.
func System() Probe { return darwinProbe{} }

// BootID implements [Probe] from kern.boottime, which changes on every boot.
func (darwinProbe) BootID(ctx context.Context) (string, error) {
	tv, err := unix.SysctlTimeval("kern.boottime")
	if err != nil {
		return "", fmt.Errorf("boot identity: kern.boottime: %w", err)
	}
	return fmt.Sprintf("boottime:%d.%06d", tv.Sec, tv.Usec), nil
}

// ShutdownNotice implements [Probe]. macOS offers a command-line child no
// witness of a shutdown, so every notice is unconfirmed.
func (darwinProbe) ShutdownNotice(ctx context.Context, sig os.Signal) Notice {
	return Notice{Signal: SignalName(sig)}
}

// PendingReboot implements [Probe]. macOS has no reboot-pending source that
// upwrap reads, so the list is empty.
func (darwinProbe) PendingReboot(ctx context.Context) []PendingSource { return nil }
