package detect

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// D-Bus message types and the one flag upwrap sets.
const (
	dbusMethodCall   byte = 1
	dbusMethodReturn byte = 2
	dbusError        byte = 3
	dbusSignal       byte = 4

	// dbusNoAutoStart asks the bus not to start a service for the call: on
	// the shutdown path nothing may be started.
	dbusNoAutoStart byte = 0x2
)

// dbusMaxMessage bounds what upwrap reads. systemd's answers are a few
// kilobytes even with hundreds of queued jobs.
const dbusMaxMessage = 4 << 20

// dbusMessage is one D-Bus message with the header fields upwrap uses.
type dbusMessage struct {
	Type        byte
	Flags       byte
	Serial      uint32
	Path        string
	Interface   string
	Member      string
	ErrorName   string
	ReplySerial uint32
	Destination string
	Sender      string
	Signature   string
	Body        []any
}

// marshal encodes m, little-endian.
func (m *dbusMessage) marshal() ([]byte, error) {
	body := dbusEncoder{}
	if err := body.encode(m.Signature, m.Body...); err != nil {
		return nil, err
	}
	var fields []any
	add := func(code byte, sig string, v any, set bool) {
		if set {
			fields = append(fields, []any{code, dbusVariant{Sig: sig, Value: v}})
		}
	}
	add(1, "o", m.Path, m.Path != "")
	add(2, "s", m.Interface, m.Interface != "")
	add(3, "s", m.Member, m.Member != "")
	add(4, "s", m.ErrorName, m.ErrorName != "")
	add(5, "u", m.ReplySerial, m.ReplySerial != 0)
	add(6, "s", m.Destination, m.Destination != "")
	add(7, "s", m.Sender, m.Sender != "")
	add(8, "g", m.Signature, m.Signature != "")
	h := dbusEncoder{}
	h.b = append(h.b, 'l', m.Type, m.Flags, 1)
	h.u32(uint32(len(body.b)))
	h.u32(m.Serial)
	if err := h.value("a(yv)", fields, 0); err != nil {
		return nil, err
	}
	h.pad(8)
	return append(h.b, body.b...), nil
}

// readDBusMessage reads one message from r.
func readDBusMessage(r io.Reader) (*dbusMessage, error) {
	fixed := make([]byte, 16)
	if _, err := io.ReadFull(r, fixed); err != nil {
		return nil, err
	}
	var order binary.ByteOrder
	switch fixed[0] {
	case 'l':
		order = binary.LittleEndian
	case 'B':
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("d-bus: bad endianness byte %#x", fixed[0])
	}
	if fixed[3] != 1 {
		return nil, fmt.Errorf("d-bus: protocol version %d", fixed[3])
	}
	bodyLen := uint64(order.Uint32(fixed[4:]))
	fieldsLen := uint64(order.Uint32(fixed[12:]))
	headerLen := (16 + fieldsLen + 7) / 8 * 8
	if headerLen+bodyLen > dbusMaxMessage {
		return nil, fmt.Errorf("d-bus: message of %d bytes is too large", headerLen+bodyLen)
	}
	msg := make([]byte, headerLen+bodyLen)
	copy(msg, fixed)
	if _, err := io.ReadFull(r, msg[16:]); err != nil {
		return nil, err
	}
	m := &dbusMessage{Type: fixed[1], Flags: fixed[2], Serial: order.Uint32(fixed[8:])}
	hd := dbusDecoder{b: msg[:16+fieldsLen], pos: 12, order: order}
	v, err := hd.value("a(yv)", 0)
	if err != nil {
		return nil, fmt.Errorf("d-bus: header: %w", err)
	}
	for _, f := range v.([]any) {
		pair := f.([]any)
		code, val := pair[0].(byte), pair[1].(dbusVariant).Value
		s, _ := val.(string)
		switch code {
		case 1:
			m.Path = s
		case 2:
			m.Interface = s
		case 3:
			m.Member = s
		case 4:
			m.ErrorName = s
		case 5:
			m.ReplySerial, _ = val.(uint32)
		case 6:
			m.Destination = s
		case 7:
			m.Sender = s
		case 8:
			m.Signature = s
		}
	}
	bd := dbusDecoder{b: msg[headerLen:], order: order}
	if m.Body, err = bd.decode(m.Signature); err != nil {
		return nil, fmt.Errorf("d-bus: body %q: %w", m.Signature, err)
	}
	if bd.pos != len(bd.b) {
		return nil, fmt.Errorf("d-bus: %d bytes after body %q", len(bd.b)-bd.pos, m.Signature)
	}
	return m, nil
}

// dbusConn is a client connection to a D-Bus peer or bus. Every read and
// write is bounded by the deadline given to dialDBus.
type dbusConn struct {
	conn   *os.File
	r      *bufio.Reader
	serial uint32
	// dest is the destination of method calls; empty on a peer-to-peer
	// connection such as systemd's private socket.
	dest string
	// early holds replies read while awaiting another one.
	early map[uint32]*dbusMessage
}

// dialDBus connects to the Unix socket at path, authenticates as this
// process's user and, on a bus (dest != ""), says Hello. The connection's
// deadline is ctx's.
func dialDBus(ctx context.Context, path, dest string, uid int) (*dbusConn, error) {
	conn, err := dialUnix(path)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c := &dbusConn{conn: conn, r: bufio.NewReader(conn), dest: dest}
	if err := c.auth(uid); err != nil {
		conn.Close()
		return nil, err
	}
	if dest != "" {
		if _, err := c.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello", ""); err != nil {
			conn.Close()
			return nil, fmt.Errorf("hello: %w", err)
		}
	}
	return c, nil
}

// auth runs the SASL EXTERNAL exchange: the peer checks our credentials on
// the socket. BEGIN goes out with AUTH, as sd-bus's own client sends it, and
// the first message only after the peer's OK: systemd's server (sd-bus)
// leaves a message unread when it arrives in the same read as BEGIN, and the
// call would then hang until its deadline.
func (c *dbusConn) auth(uid int) error {
	id := hex.EncodeToString([]byte(strconv.Itoa(uid)))
	if _, err := io.WriteString(c.conn, "\x00AUTH EXTERNAL "+id+"\r\nBEGIN\r\n"); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	line, err := c.r.ReadString('\n')
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if !strings.HasPrefix(line, "OK ") {
		return fmt.Errorf("auth: refused: %q", strings.TrimSpace(line))
	}
	return nil
}

// Close closes the connection.
func (c *dbusConn) Close() error { return c.conn.Close() }

// dbusMaxSkipped bounds the unrelated messages (signals, NameAcquired) read
// while waiting for one reply.
const dbusMaxSkipped = 64

// call invokes a method and returns the reply's body. A D-Bus error reply is
// returned as an error naming it.
func (c *dbusConn) call(dest, path, iface, member, sig string, args ...any) ([]any, error) {
	serial, err := c.send(dest, path, iface, member, sig, args...)
	if err != nil {
		return nil, err
	}
	return c.await(serial, member)
}

// send writes a method call and returns its serial, for await. Several calls
// may be sent before their replies are awaited: one round trip for all.
func (c *dbusConn) send(dest, path, iface, member, sig string, args ...any) (uint32, error) {
	c.serial++
	m := &dbusMessage{
		Type: dbusMethodCall, Flags: dbusNoAutoStart, Serial: c.serial,
		Path: path, Interface: iface, Member: member, Destination: dest,
		Signature: sig, Body: args,
	}
	b, err := m.marshal()
	if err != nil {
		return 0, err
	}
	if _, err := c.conn.Write(b); err != nil {
		return 0, err
	}
	return m.Serial, nil
}

// await reads until the reply to serial, keeping the replies to other calls
// of this connection for their own await.
func (c *dbusConn) await(serial uint32, member string) ([]any, error) {
	r, ok := c.early[serial]
	delete(c.early, serial)
	for skipped := 0; !ok; skipped++ {
		if skipped == dbusMaxSkipped {
			return nil, fmt.Errorf("%s: no reply among %d messages", member, dbusMaxSkipped)
		}
		m, err := readDBusMessage(c.r)
		if err != nil {
			return nil, err
		}
		if m.Type != dbusMethodReturn && m.Type != dbusError {
			continue
		}
		if m.ReplySerial == serial {
			r, ok = m, true
		} else if m.ReplySerial <= c.serial && len(c.early) < dbusMaxSkipped {
			if c.early == nil {
				c.early = map[uint32]*dbusMessage{}
			}
			c.early[m.ReplySerial] = m
		}
	}
	if r.Type == dbusError {
		text := ""
		if len(r.Body) > 0 {
			text, _ = r.Body[0].(string)
		}
		return nil, fmt.Errorf("%s: %s: %s", member, r.ErrorName, text)
	}
	return r.Body, nil
}

// isTimeout reports whether err is a deadline that expired.
func isTimeout(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded)
}

// dialUnix connects a non-blocking Unix stream socket to path and returns it
// as an *os.File, which the runtime's poller serves with deadlines. It uses
// the socket calls directly rather than package net, so that upwrap stays a
// static binary without cgo's resolver even when built with a C compiler
// at hand. A Unix socket connects at once or fails (EAGAIN: the listener's
// backlog is full), so there is nothing to wait for.
func dialUnix(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "socket", Path: path, Err: err}
	}
	for {
		err = unix.Connect(fd, &unix.SockaddrUnix{Name: path})
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "connect", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}
