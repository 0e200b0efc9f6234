package detect

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
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
	if b, err := r.ReadByte(); err != nil || b != 0 {
		return
	}
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "AUTH EXTERNAL ") {
		return
	}
	if f.Reject {
		c.Write([]byte("REJECTED EXTERNAL\r\n"))
		return
	}
	if line, err = r.ReadString('\n'); err != nil || line != "BEGIN\r\n" {
		return
	}
	c.Write([]byte("OK 0123456789abcdef0123456789abcdef\r\n"))
	if f.Hang {
		io.Copy(io.Discard, r) // until the client goes away
		return
	}
	var serial uint32 = 100
	send := func(m *dbusMessage) bool {
		serial++
		m.Serial = serial
		b, err := m.marshal()
		if err != nil {
			panic(err)
		}
		_, err = c.Write(b)
		return err == nil
	}
	hello := !f.Bus
	var held *dbusMessage
	for {
		m, err := readDBusMessage(r)
		if err != nil {
			return
		}
		f.mu.Lock()
		f.calls = append(f.calls, m.Member+" "+m.Destination+" "+string('0'+m.Flags))
		f.mu.Unlock()
		reply := &dbusMessage{Type: dbusMethodReturn, ReplySerial: m.Serial}
		fail := func(name, text string) {
			reply.Type, reply.ErrorName, reply.Signature, reply.Body = dbusError, name, "s", []any{text}
		}
		switch {
		case m.Member == "Hello" && f.Bus:
			hello = true
			reply.Signature, reply.Body = "s", []any{":1.42"}
			sig := &dbusMessage{Type: dbusSignal, Path: "/org/freedesktop/DBus", Interface: "org.freedesktop.DBus",
				Member: "NameAcquired", Signature: "s", Body: []any{":1.42"}}
			if !send(reply) || !send(sig) {
				return
			}
			continue
		case !hello:
			fail("org.freedesktop.DBus.Error.AccessDenied", "Hello first")
		case f.Bus && m.Destination != "org.freedesktop.systemd1":
			fail("org.freedesktop.DBus.Error.ServiceUnknown", "no such name "+m.Destination)
		case m.Member == "Get" && m.Signature == "ss" && m.Body[0] == "org.freedesktop.systemd1.Manager" && m.Body[1] == "SystemState":
			reply.Signature, reply.Body = "v", []any{dbusVariant{Sig: "s", Value: f.State}}
		case m.Member == "ListJobs" && m.Interface == "org.freedesktop.systemd1.Manager":
			list := []any{}
			for i, j := range f.Jobs {
				list = append(list, []any{uint32(i + 1), j.Unit, j.Type, j.State,
					"/org/freedesktop/systemd1/job/1", "/org/freedesktop/systemd1/unit/x"})
			}
			reply.Signature, reply.Body = "a(usssoo)", []any{list}
		default:
			fail("org.freedesktop.DBus.Error.UnknownMethod", "unknown "+m.Member)
		}
		if f.Bus {
			// A bus delivers signals of its own among the replies.
			sig := &dbusMessage{Type: dbusSignal, Path: "/org/freedesktop/systemd1", Interface: "org.freedesktop.systemd1.Manager",
				Member: "JobRemoved", Signature: "uoss", Body: []any{uint32(7), "/org/freedesktop/systemd1/job/7", "x.service", "done"}}
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

// Calls returns the method calls f received, once the clients it served
// have gone.
func (f *fakeSystemd) Calls() []string {
	f.conns.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}
