package detect

import (
	"context"
	"time"

	"golang.org/x/sys/windows"
)

// SinceBoot implements [BootClock]: GetTickCount64 (through
// windows.DurationSinceBoot). A Fast Startup does not reset it; the restart
// of an OS upgrade is a full one, which does.
func (*windowsProbe) SinceBoot(ctx context.Context) (time.Duration, error) {
	return windows.DurationSinceBoot(), nil
}
