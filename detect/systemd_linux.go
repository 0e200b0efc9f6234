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
// shutdown), then over the system bus. It never takes longer than timeout
// (defaultSystemdTimeout when zero) or ctx allows.
func querySystemd(ctx context.Context, root string, timeout time.Duration) (systemdView, error) {
	if timeout <= 0 {
		timeout = defaultSystemdTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	uid := os.Geteuid()
	c, err := dialDBus(ctx, filepath.Join(root, "run/systemd/private"), "", uid)
	if err != nil {
		if ctx.Err() != nil || isTimeout(err) {
			return systemdView{}, fmt.Errorf("systemd private socket: %w", err)
		}
		bus, berr := dialDBus(ctx, filepath.Join(root, "run/dbus/system_bus_socket"), "org.freedesktop.systemd1", uid)
		if berr != nil {
			return systemdView{}, fmt.Errorf("systemd private socket: %w; system bus: %w", err, berr)
		}
		c = bus
	}
	defer c.Close()
	return systemdAsk(c)
}

// systemdAsk reads SystemState and the job queue from the manager. Both
// calls go out at once: one round trip to PID 1, which may be busy at
// shutdown.
func systemdAsk(c *dbusConn) (systemdView, error) {
	const (
		path    = "/org/freedesktop/systemd1"
		manager = "org.freedesktop.systemd1.Manager"
	)
	var v systemdView
	get, err := c.send(c.dest, path, "org.freedesktop.DBus.Properties", "Get", "ss", manager, "SystemState")
	if err != nil {
		return v, fmt.Errorf("systemd: %w", err)
	}
	list, err := c.send(c.dest, path, manager, "ListJobs", "")
	if err != nil {
		return v, fmt.Errorf("systemd: %w", err)
	}
	body, err := c.await(get, "Get")
	if err != nil {
		return v, fmt.Errorf("systemd: %w", err)
	}
	state, ok := variantString(body)
	if !ok {
		return v, errors.New("systemd: SystemState is not a string")
	}
	v.State = state
	if state == "stopping" {
		return v, nil
	}
	if body, err = c.await(list, "ListJobs"); err != nil {
		return v, fmt.Errorf("systemd: %w", err)
	}
	jobs, err := parseSystemdJobs(body)
	if err != nil {
		return v, err
	}
	v.Jobs = jobs
	return v, nil
}

// variantString unpacks a Properties.Get reply holding a string.
func variantString(body []any) (string, bool) {
	if len(body) != 1 {
		return "", false
	}
	v, ok := body[0].(dbusVariant)
	if !ok {
		return "", false
	}
	s, ok := v.Value.(string)
	return s, ok
}

// parseSystemdJobs unpacks ListJobs' a(usssoo): id, unit, type, state, job
// path, unit path.
func parseSystemdJobs(body []any) ([]systemdJob, error) {
	bad := errors.New("systemd: ListJobs reply is not a(usssoo)")
	if len(body) != 1 {
		return nil, bad
	}
	list, ok := body[0].([]any)
	if !ok {
		return nil, bad
	}
	var jobs []systemdJob
	for _, item := range list {
		f, ok := item.([]any)
		if !ok || len(f) != 6 {
			return nil, bad
		}
		unit, ok1 := f[1].(string)
		typ, ok2 := f[2].(string)
		state, ok3 := f[3].(string)
		if !ok1 || !ok2 || !ok3 {
			return nil, bad
		}
		jobs = append(jobs, systemdJob{Unit: unit, Type: typ, State: state})
	}
	return jobs, nil
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
