package detect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/godbus/dbus/v5"
)

// What upwrap asks systemd, and where (docs/design.md §8, shutdown notices).
const (
	systemdBusName = "org.freedesktop.systemd1"
	systemdPath    = dbus.ObjectPath("/org/freedesktop/systemd1")
	systemdManager = "org.freedesktop.systemd1.Manager"
)

// dialDBus connects to the Unix socket at path, screens every message it
// reads (screenedConn), authenticates with EXTERNAL as this process's
// effective user (root, in an agent's service) and, on a bus, says Hello.
// Everything done on the connection, then and later, ends with ctx: the
// socket's deadline is ctx's, so a peer that accepts and never answers
// cannot hold a read or a write past it, and godbus closes the connection
// when ctx is done, which fails every call still waiting.
func dialDBus(ctx context.Context, path string, bus bool) (*dbus.Conn, error) {
	var d net.Dialer
	sock, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = sock.SetDeadline(dl)
	}
	c, err := dbus.NewConn(&screenedConn{Conn: sock}, dbus.WithContext(ctx))
	if err != nil {
		sock.Close()
		return nil, err
	}
	if err := c.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(os.Geteuid()))}); err != nil {
		c.Close()
		return nil, fmt.Errorf("auth: %w", err)
	}
	if bus {
		// NO_AUTO_START on every call: on the shutdown path nothing may be
		// started on upwrap's behalf.
		if err := c.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.Hello", dbus.FlagNoAutoStart).Err; err != nil {
			c.Close()
			return nil, fmt.Errorf("hello: %w", callError(err))
		}
	}
	return c, nil
}

// systemdAsk reads SystemState and the job queue from the manager. Both
// calls go out at once: one round trip to PID 1, which may be busy at
// shutdown. When the state already says "stopping" the job queue is not
// awaited.
func systemdAsk(ctx context.Context, c *dbus.Conn) (systemdView, error) {
	// The destination is named on systemd's private socket too, where no
	// bus routes it: sd-bus, the server there, ignores it, and refuses a
	// message whose destination is not a valid name.
	obj := c.Object(systemdBusName, systemdPath)
	get := obj.GoWithContext(ctx, "org.freedesktop.DBus.Properties.Get", dbus.FlagNoAutoStart, nil, systemdManager, "SystemState")
	list := obj.GoWithContext(ctx, systemdManager+".ListJobs", dbus.FlagNoAutoStart, nil)
	var v systemdView
	if r := <-get.Done; r.Err != nil {
		return v, fmt.Errorf("systemd: Get: %w", callError(r.Err))
	}
	state, err := systemState(get.Body)
	if err != nil {
		return v, err
	}
	v.State = state
	if state == "stopping" {
		return v, nil
	}
	if r := <-list.Done; r.Err != nil {
		return v, fmt.Errorf("systemd: ListJobs: %w", callError(r.Err))
	}
	if v.Jobs, err = systemdJobs(list.Body); err != nil {
		return v, err
	}
	return v, nil
}

// callError names a D-Bus error reply by its error name as well as its text
// (godbus's Error says only the text): the name is what tells "nobody owns
// systemd's name on this bus" from "systemd refused".
func callError(err error) error {
	var e dbus.Error
	if !errors.As(err, &e) {
		return err
	}
	text := ""
	if len(e.Body) > 0 {
		text, _ = e.Body[0].(string)
	}
	return fmt.Errorf("%s: %s", e.Name, text)
}

// systemState unpacks a Properties.Get reply holding a string: the
// manager's SystemState.
func systemState(body []any) (string, error) {
	if sig := dbus.SignatureOf(body...).String(); sig != "v" {
		return "", fmt.Errorf("systemd: SystemState reply is (%s), not a variant", sig)
	}
	v := body[0].(dbus.Variant)
	s, ok := v.Value().(string)
	if !ok {
		return "", fmt.Errorf("systemd: SystemState is a %s, not a string", v.Signature())
	}
	return s, nil
}

// systemdJobs unpacks ListJobs' a(usssoo): id, unit, type, state, job path,
// unit path. godbus decodes an array of structs as [][]any; each field's
// type is checked here, where dbus.Store would convert (an integer into a
// one-rune string, a variant into what it holds).
func systemdJobs(body []any) ([]systemdJob, error) {
	bad := errors.New("systemd: ListJobs reply is not a(usssoo)")
	if len(body) != 1 {
		return nil, bad
	}
	list, ok := body[0].([][]any)
	if !ok {
		return nil, bad
	}
	var jobs []systemdJob
	for _, f := range list {
		if len(f) != 6 {
			return nil, bad
		}
		_, id := f[0].(uint32)
		unit, u := f[1].(string)
		typ, t := f[2].(string)
		state, s := f[3].(string)
		_, jp := f[4].(dbus.ObjectPath)
		_, up := f[5].(dbus.ObjectPath)
		if !id || !u || !t || !s || !jp || !up {
			return nil, bad
		}
		jobs = append(jobs, systemdJob{Unit: unit, Type: typ, State: state})
	}
	return jobs, nil
}
