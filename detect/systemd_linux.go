package detect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// defaultSystemdTimeout bounds the whole systemd query (connect,
// authenticate, two calls in one round trip). A healthy systemd answers in a
// millisecond or two, a few more on a loaded machine; at shutdown the system
// bus may already be gone and PID 1 busy, so upwrap gives up after tens of
// milliseconds rather than delay the record, and asks the files instead.
const defaultSystemdTimeout = 50 * time.Millisecond

// systemdShutdownUnits are the units whose start job means the machine is
// going down, most specific first: the witness names the first one queued.
var systemdShutdownUnits = []string{
	"reboot.target", "poweroff.target", "halt.target", "kexec.target",
	"soft-reboot.target", "shutdown.target",
}

// systemdJob is one job in systemd's queue.
type systemdJob struct {
	Unit  string // "reboot.target"
	Type  string // "start", "stop", ...
	State string // "waiting", "running"
}

// systemdView is what systemd says about itself.
type systemdView struct {
	// State is the manager's SystemState: "initializing", "starting",
	// "running", "degraded", "maintenance", "stopping".
	State string
	Jobs  []systemdJob
}

// systemdBooted reports whether systemd is the init system under root, the
// way sd_booted(3) tells.
func systemdBooted(root string) bool {
	fi, err := os.Lstat(filepath.Join(root, "run/systemd/system"))
	return err == nil && fi.IsDir()
}

// querySystemd asks systemd for its state and its job queue: first over its
// private socket (root only; it works until PID 1 leaves for the final
// shutdown), then over the system bus (docs/design.md §8). It never takes
// longer than timeout (defaultSystemdTimeout when zero) or ctx allows: a
// systemd that does not answer in time is reported as such, and the caller
// asks the files instead.
func querySystemd(ctx context.Context, root string, timeout time.Duration) (systemdView, error) {
	if timeout <= 0 {
		timeout = defaultSystemdTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := querySystemdOn(ctx, root)
	switch {
	case err == nil:
		return v, nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		// Which of the socket's deadline, the connection closed at the
		// context's end or the context fails the call first is a race;
		// what it means is not.
		return systemdView{}, fmt.Errorf("no answer within %v: %w", timeout, err)
	case ctx.Err() != nil:
		return systemdView{}, fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return systemdView{}, err
}

// querySystemdOn asks over the private socket, or over the system bus when
// the private socket cannot be used (not there, or not ours to use).
func querySystemdOn(ctx context.Context, root string) (systemdView, error) {
	c, err := dialDBus(ctx, filepath.Join(root, "run/systemd/private"), false)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			// No time is left for the bus.
			return systemdView{}, fmt.Errorf("systemd private socket: %w", err)
		}
		bus, berr := dialDBus(ctx, filepath.Join(root, "run/dbus/system_bus_socket"), true)
		if berr != nil {
			return systemdView{}, fmt.Errorf("systemd private socket: %w; system bus: %w", err, berr)
		}
		c = bus
	}
	defer c.Close()
	return systemdAsk(ctx, c)
}

// witness names what in v says the machine is going down, or "" if nothing
// does. The manager state says "stopping" only once booting has finished; a
// shutdown ordered while the boot transaction still runs shows only as a
// queued start job of a shutdown target.
func (v systemdView) witness() string {
	if v.State == "stopping" {
		return "systemd-state=stopping"
	}
	for _, u := range systemdShutdownUnits {
		for _, j := range v.Jobs {
			if j.Unit == u && j.Type == "start" {
				return "systemd-job=" + u
			}
		}
	}
	return ""
}
