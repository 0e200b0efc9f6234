package detect

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDBusRoundTrip encodes values and decodes them back, through a whole
// message, for every type upwrap's D-Bus code knows.
func TestDBusRoundTrip(t *testing.T) {
	tests := []struct {
		sig  string
		body []any
	}{
		{"", nil},
		{"s", []any{"hello"}},
		{"ss", []any{"org.freedesktop.systemd1.Manager", "SystemState"}},
		{"ybnqiuxtd", []any{byte(7), true, int16(-2), uint16(3), int32(-4), uint32(5), int64(-6), uint64(7), 0.5}},
		{"og", []any{"/org/freedesktop/systemd1", "a(usssoo)"}},
		{"v", []any{dbusVariant{Sig: "s", Value: "stopping"}}},
		{"v", []any{dbusVariant{Sig: "as", Value: []any{"a", "bc"}}}},
		{"a(usssoo)", []any{[]any{
			[]any{uint32(1), "reboot.target", "start", "waiting", "/org/freedesktop/systemd1/job/1", "/org/freedesktop/systemd1/unit/reboot_2etarget"},
			[]any{uint32(2), "a.service", "stop", "running", "/j/2", "/u/a"},
		}}},
		{"a(usssoo)", []any{[]any{}}},
		{"ya{sv}", []any{byte(1), []any{[]any{"k", dbusVariant{Sig: "t", Value: uint64(9)}}}}},
		{"aay", []any{[]any{[]any{byte(1)}, []any{}}}},
	}
	for _, tt := range tests {
		m := &dbusMessage{Type: dbusMethodReturn, Serial: 9, ReplySerial: 3, Signature: tt.sig, Body: tt.body}
		b, err := m.marshal()
		if err != nil {
			t.Errorf("%q: marshal: %v", tt.sig, err)
			continue
		}
		got, err := readDBusMessage(bytes.NewReader(b))
		if err != nil {
			t.Errorf("%q: read: %v", tt.sig, err)
			continue
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("%q: round trip (-want +got):\n%s", tt.sig, diff)
		}
	}
}

// TestDBusRefuses checks that values that do not fit their signature are
// refused when encoding, and broken messages when decoding: an error, never
// a panic or a guess.
func TestDBusRefuses(t *testing.T) {
	for _, tt := range []struct {
		sig  string
		body []any
	}{
		{"s", []any{uint32(1)}},
		{"s", nil},
		{"u", []any{uint32(1), uint32(2)}},
		{"(su)", []any{[]any{"x"}}},
		{"a", []any{[]any{}}},
		{"(", []any{nil}},
		{"h", []any{uint32(0)}},
		{"v", []any{dbusVariant{Sig: "ss", Value: "x"}}},
	} {
		m := &dbusMessage{Type: dbusMethodCall, Serial: 1, Path: "/", Member: "X", Signature: tt.sig, Body: tt.body}
		if _, err := m.marshal(); err == nil {
			t.Errorf("marshal %q %v: no error", tt.sig, tt.body)
		}
	}
	good, err := (&dbusMessage{Type: dbusMethodReturn, Serial: 2, ReplySerial: 1, Signature: "a(usssoo)", Body: []any{[]any{
		[]any{uint32(1), "reboot.target", "start", "waiting", "/j/1", "/u/1"},
	}}}).marshal()
	if err != nil {
		t.Fatal(err)
	}
	broken := map[string][]byte{
		"empty":          nil,
		"truncated":      good[:len(good)-3],
		"bad endianness": append([]byte{'x'}, good[1:]...),
		"bad version":    append(append([]byte{}, good[:3]...), append([]byte{2}, good[4:]...)...),
		"huge body":      append(append([]byte{}, good[:4]...), append([]byte{0xff, 0xff, 0xff, 0x7f}, good[8:]...)...),
	}
	for name, b := range broken {
		if _, err := readDBusMessage(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: read without error", name)
		}
	}
}

// FuzzReadDBusMessage feeds arbitrary bytes to the message reader: it may
// refuse them, never panic.
func FuzzReadDBusMessage(f *testing.F) {
	for _, m := range []*dbusMessage{
		{Type: dbusMethodReturn, Serial: 2, ReplySerial: 1, Signature: "v", Body: []any{dbusVariant{Sig: "s", Value: "running"}}},
		{Type: dbusMethodReturn, Serial: 3, ReplySerial: 2, Signature: "a(usssoo)", Body: []any{[]any{[]any{uint32(1), "a", "b", "c", "/d", "/e"}}}},
		{Type: dbusSignal, Serial: 4, Path: "/x", Interface: "a.b", Member: "C", Signature: "a{sv}", Body: []any{[]any{[]any{"k", dbusVariant{Sig: "ay", Value: []any{byte(1)}}}}}},
	} {
		b, err := m.marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		readDBusMessage(bytes.NewReader(b))
	})
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

// TestDBusDaemon talks to a real dbus-daemon: authentication, Hello, method
// calls with and without arguments, variants, arrays and error replies.
func TestDBusDaemon(t *testing.T) {
	sock := startDBusDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	const bus = "org.freedesktop.DBus"
	c, err := dialDBus(ctx, sock, bus, os.Geteuid())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	body, err := c.call(bus, "/org/freedesktop/DBus", bus, "GetId", "")
	if err != nil {
		t.Fatalf("GetId: %v", err)
	}
	if len(body) != 1 || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(body[0].(string)) {
		t.Errorf("GetId = %v, want one 32-digit hex id", body)
	}
	body, err = c.call(bus, "/org/freedesktop/DBus", bus, "NameHasOwner", "s", bus)
	if diff := cmp.Diff([]any{true}, body); err != nil || diff != "" {
		t.Errorf("NameHasOwner(%s) = %v, %v (-want +got):\n%s", bus, body, err, diff)
	}
	body, err = c.call(bus, "/org/freedesktop/DBus", bus, "ListNames", "")
	if err != nil || len(body) != 1 || !slices.Contains(body[0].([]any), any(bus)) {
		t.Errorf("ListNames = %v, %v; want a list holding %s", body, err, bus)
	}
	body, err = c.call(bus, "/org/freedesktop/DBus", "org.freedesktop.DBus.Properties", "Get", "ss", bus, "Features")
	if err != nil {
		t.Errorf("Get Features: %v", err)
	} else if v, ok := body[0].(dbusVariant); !ok || v.Sig != "as" {
		t.Errorf("Get Features = %#v, want a variant of as", body)
	}
	if _, err := c.call(bus, "/org/freedesktop/DBus", bus, "NoSuchMethod", ""); err == nil || !strings.Contains(err.Error(), "UnknownMethod") {
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
