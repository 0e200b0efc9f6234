package detect

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

// dirEntry, given as a file's content to writeTree, makes a directory.
const dirEntry = "\x00dir"

// writeTree creates files under root: path → content (dirEntry for a
// directory).
func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for path, content := range files {
		p := filepath.Join(root, path)
		if content == dirEntry {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeRoot returns a new directory holding files. Its path is short, so that
// Unix sockets fit under it (108 bytes at most).
func fakeRoot(t testing.TB, files map[string]string) string {
	t.Helper()
	root, err := os.MkdirTemp("", "uw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	writeTree(t, root, files)
	return root
}

// utmpRec builds one glibc utmp record.
func utmpRec(typ int16, pid int32, user string) string {
	b := make([]byte, utmpRecordSize)
	binary.NativeEndian.PutUint16(b[0:], uint16(typ))
	binary.NativeEndian.PutUint32(b[4:], uint32(pid))
	copy(b[44:76], user)
	return string(b)
}

// runlevelRec is the record init writes on entering run level now from prev.
func runlevelRec(now, prev byte) string {
	return utmpRec(utmpRunLevel, int32(now)|int32(prev)<<8, "runlevel")
}

// fakeSystemd answers upwrap's questions the way systemd does, over a Unix
// socket: on its private socket (peer to peer) or, with bus set, as a bus
// that wants Hello first and sends a signal before the replies.
type fakeSystemd struct {
	State  string
	Jobs   []systemdJob
	Bus    bool // require Hello and send NameAcquired, like a bus daemon
	Hang   bool // accept and authenticate, then never answer
	Reject bool // refuse authentication
	// Reverse holds each reply until the next call has been answered, so
	// replies arrive out of order.
	Reverse bool
	// Raw, when set, is sent as it is in answer to every call: a message
	// no systemd would send.
	Raw []byte

	conns sync.WaitGroup // connections being served
	mu    sync.Mutex
	calls []string // "Member dest flags" of each method call received
}

// listen serves f on a Unix socket at path until the test ends.
func (f *fakeSystemd) listen(t testing.TB, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		l.Close()
		f.conns.Wait()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.conns.Add(1)
			go func() {
				defer f.conns.Done()
				defer c.Close()
				go func() { <-done; c.Close() }()
				f.serve(c)
			}()
		}
	}()
}

func (f *fakeSystemd) serve(c net.Conn) {
	r := bufio.NewReader(c)
	if !f.auth(c, r) {
		return
	}
	if f.Hang {
		io.Copy(io.Discard, r) // until the client goes away
		return
	}
	var serial uint32 = 100
	send := func(m *dbus.Message) bool {
		serial++
		return writeDBusMessage(c, m, serial) == nil
	}
	hello := !f.Bus
	var held *dbus.Message
	for {
		m, err := dbus.DecodeMessage(r)
		if err != nil {
			return
		}
		member, _ := m.Headers[dbus.FieldMember].Value().(string)
		iface, _ := m.Headers[dbus.FieldInterface].Value().(string)
		dest, _ := m.Headers[dbus.FieldDestination].Value().(string)
		f.mu.Lock()
		f.calls = append(f.calls, member+" "+dest+" "+string(rune('0'+m.Flags)))
		f.mu.Unlock()
		if f.Raw != nil {
			if _, err := c.Write(f.Raw); err != nil {
				return
			}
			continue
		}
		reply := dbusReply(m.Serial())
		fail := func(name, text string) { reply = dbusErrorReply(m.Serial(), name, text) }
		switch {
		case member == "Hello" && f.Bus:
			hello = true
			reply = dbusReply(m.Serial(), ":1.42")
			sig := dbusSignal("/org/freedesktop/DBus", "org.freedesktop.DBus", "NameAcquired", ":1.42")
			if !send(reply) || !send(sig) {
				return
			}
			continue
		case !hello:
			fail("org.freedesktop.DBus.Error.AccessDenied", "Hello first")
		case f.Bus && dest != "org.freedesktop.systemd1":
			fail("org.freedesktop.DBus.Error.ServiceUnknown", "no such name "+dest)
		case member == "Get" && len(m.Body) == 2 && m.Body[0] == "org.freedesktop.systemd1.Manager" && m.Body[1] == "SystemState":
			reply = dbusReply(m.Serial(), dbus.MakeVariant(f.State))
		case member == "ListJobs" && iface == "org.freedesktop.systemd1.Manager":
			reply = dbusReply(m.Serial(), listJobsBody(f.Jobs))
		default:
			fail("org.freedesktop.DBus.Error.UnknownMethod", "unknown "+member)
		}
		// systemd sends every client on its private socket, and the bus
		// its subscribers, the manager's PropertiesChanged (sa{sv}as), in
		// bursts at shutdown.
		changed := dbusSignal("/org/freedesktop/systemd1", "org.freedesktop.DBus.Properties", "PropertiesChanged",
			"org.freedesktop.systemd1.Manager", map[string]dbus.Variant{"SystemState": dbus.MakeVariant(f.State)}, []string{})
		if !send(changed) {
			return
		}
		if f.Bus {
			// A bus delivers signals of its own among the replies.
			sig := dbusSignal("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "JobRemoved",
				uint32(7), dbus.ObjectPath("/org/freedesktop/systemd1/job/7"), "x.service", "done")
			if !send(sig) {
				return
			}
		}
		if f.Reverse && held == nil {
			held = reply
			continue
		}
		if !send(reply) {
			return
		}
		if held != nil {
			if !send(held) {
				return
			}
			held = nil
		}
	}
}

// auth plays the server's side of SASL EXTERNAL the way dbus-daemon and
// sd-bus do: a bare AUTH is answered with the mechanisms on offer; EXTERNAL
// with no identity gets an empty challenge, and the client's empty answer
// (or an identity given at once) means the uid on the socket, this process's
// own (both ends are this test), which is accepted unless f.Reject. It
// reports whether the client is in.
func (f *fakeSystemd) auth(c net.Conn, r *bufio.Reader) bool {
	if b, err := r.ReadByte(); err != nil || b != 0 {
		return false
	}
	uid := hex.EncodeToString([]byte(strconv.Itoa(os.Geteuid())))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return false
		}
		switch line = strings.TrimSuffix(line, "\r\n"); line {
		case "AUTH EXTERNAL":
			c.Write([]byte("DATA\r\n"))
			continue
		case "AUTH EXTERNAL " + uid, "DATA", "DATA " + uid:
			if f.Reject {
				c.Write([]byte("REJECTED EXTERNAL\r\n"))
				continue
			}
			c.Write([]byte("OK 0123456789abcdef0123456789abcdef\r\n"))
			line, err = r.ReadString('\n')
			return err == nil && line == "BEGIN\r\n"
		}
		if strings.HasPrefix(line, "AUTH") {
			c.Write([]byte("REJECTED EXTERNAL\r\n"))
		} else {
			c.Write([]byte("ERROR\r\n"))
		}
	}
}

// listJobsBody is ListJobs' a(usssoo) for jobs.
func listJobsBody(jobs []systemdJob) any {
	type job struct {
		ID                uint32
		Unit, Type, State string
		Job, UnitPath     dbus.ObjectPath
	}
	list := []job{}
	for i, j := range jobs {
		list = append(list, job{uint32(i + 1), j.Unit, j.Type, j.State,
			"/org/freedesktop/systemd1/job/1", "/org/freedesktop/systemd1/unit/x"})
	}
	return list
}

// dbusReply is a method return to the call with serial, holding body.
func dbusReply(serial uint32, body ...any) *dbus.Message {
	m := &dbus.Message{Type: dbus.TypeMethodReply, Body: body, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldReplySerial: dbus.MakeVariant(serial),
	}}
	if len(body) > 0 {
		m.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(body...))
	}
	return m
}

// dbusErrorReply is the error name, with text, in answer to serial.
func dbusErrorReply(serial uint32, name, text string) *dbus.Message {
	m := dbusReply(serial, text)
	m.Type = dbus.TypeError
	m.Headers[dbus.FieldErrorName] = dbus.MakeVariant(name)
	return m
}

// dbusSignal is a signal from path.
func dbusSignal(path dbus.ObjectPath, iface, member string, body ...any) *dbus.Message {
	return &dbus.Message{Type: dbus.TypeSignal, Body: body, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:      dbus.MakeVariant(path),
		dbus.FieldInterface: dbus.MakeVariant(iface),
		dbus.FieldMember:    dbus.MakeVariant(member),
		dbus.FieldSignature: dbus.MakeVariant(dbus.SignatureOf(body...)),
	}}
}

// writeDBusMessage encodes m with godbus, little-endian, under serial (a
// godbus connection numbers what it sends itself; a server's messages are
// numbered here), and writes it to w.
func writeDBusMessage(w io.Writer, m *dbus.Message, serial uint32) error {
	var b bytes.Buffer
	if err := m.EncodeTo(&b, binary.LittleEndian); err != nil {
		panic(err) // the fake's own messages are valid
	}
	binary.LittleEndian.PutUint32(b.Bytes()[8:], serial)
	_, err := w.Write(b.Bytes())
	return err
}

// Calls returns the method calls f received, once the clients it served
// have gone.
func (f *fakeSystemd) Calls() []string {
	f.conns.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}
