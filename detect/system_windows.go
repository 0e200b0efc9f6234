package detect

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// windowsProbe reads the running Windows machine.
type windowsProbe struct{}

// System returns the probe of the running machine.
func System() Probe { return windowsProbe{} }

// bootTimeGranularity absorbs clock drift between two readings of the boot
// time within one boot.
const bootTimeGranularity = time.Minute

// BootID implements [Probe] from the kernel's time since boot.
func (windowsProbe) BootID(ctx context.Context) (string, error) {
	up := windows.DurationSinceBoot()
	if up <= 0 {
		return "", fmt.Errorf("boot identity: time since boot is %v", up)
	}
	boot := time.Now().Add(-up).Round(bootTimeGranularity)
	return fmt.Sprintf("boottime:%d", boot.Unix()), nil
}

// ShutdownNotice implements [Probe]. On Windows Go turns CTRL_SHUTDOWN_EVENT,
// CTRL_LOGOFF_EVENT and CTRL_CLOSE_EVENT into SIGTERM; without a console
// handler of its own upwrap cannot tell them apart, so every notice is
// unconfirmed.
func (windowsProbe) ShutdownNotice(ctx context.Context, sig os.Signal) Notice {
	return Notice{Signal: SignalName(sig)}
}

// PendingReboot implements [Probe].
func (windowsProbe) PendingReboot(ctx context.Context) []PendingSource { return nil }
