package detect

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"
)

// encodeReply is the bytes of a method return holding body, as godbus
// writes it.
func encodeReply(t testing.TB, body ...any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := writeDBusMessage(&b, dbusReply(1, body...), 2); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSystemdReplies turns replies, encoded and decoded by godbus, into
// what systemd says: the right types become a state or jobs, anything else
// an error, never a guess.
func TestSystemdReplies(t *testing.T) {
	type other struct{ A, B string }
	tests := []struct {
		name     string
		body     []any
		state    string
		stateErr bool
		jobs     []systemdJob
		jobsErr  bool
	}{
		{name: "state", body: []any{dbus.MakeVariant("stopping")}, state: "stopping", jobsErr: true},
		{name: "state of another type", body: []any{dbus.MakeVariant(uint32(3))}, stateErr: true, jobsErr: true},
		{name: "state not in a variant", body: []any{"stopping"}, stateErr: true, jobsErr: true},
		{name: "two values", body: []any{dbus.MakeVariant("stopping"), "x"}, stateErr: true, jobsErr: true},
		{name: "nothing", stateErr: true, jobsErr: true},
		{name: "no jobs", body: []any{listJobsBody(nil)}, stateErr: true},
		{name: "jobs", body: []any{listJobsBody([]systemdJob{
			{Unit: "reboot.target", Type: "start", State: "waiting"},
			{Unit: "a.service", Type: "stop", State: "running"},
		})}, stateErr: true, jobs: []systemdJob{
			{Unit: "reboot.target", Type: "start", State: "waiting"},
			{Unit: "a.service", Type: "stop", State: "running"},
		}},
		{name: "jobs of another shape", body: []any{[]other{{"reboot.target", "start"}}}, stateErr: true, jobsErr: true},
		{name: "a number for the unit", body: []any{[]struct {
			ID, Unit    uint32
			Type, State string
			Job, Path   dbus.ObjectPath
		}{{1, 'x', "start", "waiting", "/j/1", "/u/1"}}}, stateErr: true, jobsErr: true},
		{name: "strings", body: []any{[]string{"reboot.target", "start"}}, stateErr: true, jobsErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := dbus.DecodeMessage(bytes.NewReader(encodeReply(t, tt.body...)))
			if err != nil {
				t.Fatal(err)
			}
			state, err := systemState(m.Body)
			if state != tt.state || (err != nil) != tt.stateErr {
				t.Errorf("systemState = %q, %v; want %q, error %v", state, err, tt.state, tt.stateErr)
			}
			jobs, err := systemdJobs(m.Body)
			if diff := cmp.Diff(tt.jobs, jobs); diff != "" || (err != nil) != tt.jobsErr {
				t.Errorf("systemdJobs: err = %v, want error %v; jobs (-want +got):\n%s", err, tt.jobsErr, diff)
			}
		})
	}
}

// FuzzSystemdReply feeds arbitrary messages, seeded with replies godbus
// encodes, through the path a reply takes in upwrap: the screen, godbus's
// decoder, and the reading of SystemState and ListJobs. Each may refuse a
// message; none may panic or hang, and nothing may name a shutdown the
// reply does not state (docs/design.md §8, shutdown notices). The corpus
// in testdata holds what fuzzing found: an array of empty structures, on
// which godbus alone loops for ever.
func FuzzSystemdReply(f *testing.F) {
	for _, body := range [][]any{
		{dbus.MakeVariant("stopping")},
		{dbus.MakeVariant("running")},
		{dbus.MakeVariant(uint32(1))},
		{listJobsBody(nil)},
		{listJobsBody([]systemdJob{
			{Unit: "shutdown.target", Type: "start", State: "waiting"},
			{Unit: "reboot.target", Type: "start", State: "waiting"},
		})},
		{listJobsBody([]systemdJob{{Unit: "reboot.target", Type: "stop", State: "running"}})},
		{[]string{"reboot.target", "start"}},
	} {
		f.Add(encodeReply(f, body...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		msg, err := screenDBusMessage(bytes.NewReader(b))
		if err != nil {
			return
		}
		m, err := dbus.DecodeMessage(bytes.NewReader(msg))
		if err != nil {
			return
		}
		var v systemdView
		if state, err := systemState(m.Body); err == nil {
			v.State = state
		}
		if jobs, err := systemdJobs(m.Body); err == nil {
			v.Jobs = jobs
		}
		if w := v.witness(); w != "" && !replySays(m.Body, w) {
			t.Fatalf("witness %q from a reply that does not say so: %#v", w, m.Body)
		}
	})
}

// replySays reports whether a decoded reply body states witness, read
// without upwrap's decoding: the variant "stopping", or a struct in an
// array whose unit is the target and whose job type is "start".
func replySays(body []any, witness string) bool {
	if len(body) != 1 {
		return false
	}
	if witness == "systemd-state=stopping" {
		v, ok := body[0].(dbus.Variant)
		return ok && v.Value() == "stopping"
	}
	unit, ok := strings.CutPrefix(witness, "systemd-job=")
	list := reflect.ValueOf(body[0])
	if !ok || list.Kind() != reflect.Slice {
		return false
	}
	for i := range list.Len() {
		if f, ok := list.Index(i).Interface().([]any); ok && len(f) == 6 && f[1] == unit && f[2] == "start" {
			return true
		}
	}
	return false
}

// startDBusDaemon runs a private dbus-daemon on a socket in a new directory
// and returns the socket's path. It skips the test where dbus-daemon is not
// installed.
func startDBusDaemon(t *testing.T) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed (Debian package dbus-daemon); the real-bus test needs it")
	}
	dir, err := os.MkdirTemp("", "uwbus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "bus")
	cmd := exec.Command(daemon, "--session", "--nofork", "--nopidfile", "--print-address=1", "--address=unix:path="+sock)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if !strings.HasPrefix(line, "unix:path="+sock) {
			t.Fatalf("dbus-daemon printed %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not start")
	}
	return sock
}

// TestDBusDaemon talks to a real dbus-daemon through dialDBus:
// authentication, Hello, method calls with and without arguments, variants,
// arrays, and error replies named by their error name.
func TestDBusDaemon(t *testing.T) {
	sock := startDBusDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	const bus = "org.freedesktop.DBus"
	c, err := dialDBus(ctx, sock, true)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	obj := c.BusObject()
	var id string
	if err := obj.CallWithContext(ctx, bus+".GetId", 0).Store(&id); err != nil || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Errorf("GetId = %q, %v; want one 32-digit hex id", id, err)
	}
	var has bool
	if err := obj.CallWithContext(ctx, bus+".NameHasOwner", 0, bus).Store(&has); err != nil || !has {
		t.Errorf("NameHasOwner(%s) = %v, %v; want true", bus, has, err)
	}
	var names []string
	if err := obj.CallWithContext(ctx, bus+".ListNames", 0).Store(&names); err != nil || !slices.Contains(names, bus) {
		t.Errorf("ListNames = %v, %v; want a list holding %s", names, err, bus)
	}
	var features dbus.Variant
	if err := obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, bus, "Features").Store(&features); err != nil || features.Signature().String() != "as" {
		t.Errorf("Get Features = %v, %v; want a variant of as", features, err)
	}
	err = obj.CallWithContext(ctx, bus+".NoSuchMethod", 0).Err
	if err = callError(err); err == nil || !strings.Contains(err.Error(), "org.freedesktop.DBus.Error.UnknownMethod") {
		t.Errorf("NoSuchMethod: err = %v, want an UnknownMethod error", err)
	}
}

// TestSystemdOverRealBusWithoutSystemd asks a real bus on which systemd is
// not running: the answer is a quick error. upwrap sets NO_AUTO_START, so the
// bus does not try to start systemd: dbus-daemon then answers NameHasNoOwner
// (it would answer ServiceUnknown after trying to activate it).
func TestSystemdOverRealBusWithoutSystemd(t *testing.T) {
	sock := startDBusDaemon(t)
	root := fakeRoot(t, map[string]string{"run/systemd/system": dirEntry, "run/dbus": dirEntry})
	if err := os.Symlink(sock, filepath.Join(root, "run/dbus/system_bus_socket")); err != nil {
		t.Fatal(err)
	}
	_, err := querySystemd(context.Background(), root, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "org.freedesktop.DBus.Error.NameHasNoOwner") {
		t.Errorf("querySystemd: err = %v, want NameHasNoOwner from the bus", err)
	}
}
