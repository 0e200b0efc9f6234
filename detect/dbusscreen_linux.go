package detect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
)

// Limits of a D-Bus message, from the D-Bus specification ("Message
// Format", "Valid Signatures"), and of the replies upwrap keeps.
const (
	dbusMaxMessage   = 1 << 27 // 128 MiB, header and body together
	dbusMaxArray     = 1 << 26 // 64 MiB, the header fields' array included
	dbusFixedHeader  = 16      // yyyyuu and the header fields' array length
	dbusFieldBodySig = 8       // the SIGNATURE header field's code
	// dbusMaxReply bounds a reply or error handed to godbus, which holds
	// several times its size in memory while decoding it. systemd's job
	// list is about 150 bytes a job: 10,000 queued jobs take 1.5 MB.
	dbusMaxReply = 16 << 20
)

// The message types upwrap reads (D-Bus specification, "Message Types").
const (
	dbusMethodReturn = 2
	dbusError        = 3
)

// errDBusRefused wraps every refusal of a message by screenDBusMessage.
var errDBusRefused = errors.New("D-Bus message refused")

// screenedConn is the socket godbus reads D-Bus messages from: godbus gets
// only the replies and errors, each read whole and screened by
// screenDBusMessage before godbus decodes a byte of it (docs/design.md §8,
// screening D-Bus messages). Until the
// client has written "BEGIN" the stream is the SASL exchange, passed
// through as it is.
//
// godbus's decoder loops for ever, allocating, on an array of empty
// structures (signature "a()"); the D-Bus specification forbids them, yet
// godbus neither refuses the signature nor stops the loop, and its reading
// goroutine cannot be stopped from outside. The screen refuses such a
// reply first, which makes godbus close the connection and fail the calls
// waiting on it: upwrap then reports that systemd did not answer.
type screenedConn struct {
	net.Conn

	mu     sync.Mutex // guards begun
	begun  bool       // "BEGIN" written: messages from now on
	unread []byte     // the rest of the screened message godbus is reading
}

// Write passes p to the socket and notes the end of the SASL exchange.
// godbus writes each SASL line with one Write.
func (c *screenedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if !c.begun && bytes.Equal(p, []byte("BEGIN\r\n")) {
		c.begun = true
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// Read hands godbus the bytes of screened messages, one whole message at
// a time; before "BEGIN" it reads the socket as it is. Only godbus's one
// reading goroutine calls Read, so unread needs no lock.
func (c *screenedConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	begun := c.begun
	c.mu.Unlock()
	if !begun {
		return c.Conn.Read(p)
	}
	if len(c.unread) == 0 {
		msg, err := screenDBusMessage(c.Conn)
		if err != nil {
			return 0, err
		}
		c.unread = msg
	}
	n := copy(p, c.unread)
	c.unread = c.unread[n:]
	return n, nil
}

// screenDBusMessage reads messages from r until a method return or an
// error, and returns its bytes if godbus can decode it in bounded time and
// memory and it is of the shapes upwrap is answered with: at most
// dbusMaxReply bytes, every signature in it free of empty structures,
// header fields of basic types only, and a variant in the body only as the
// whole body (a property's value), holding no variant itself. Hello's
// reply, the property, the job list and error replies all pass, byte for
// byte. Anything else is an error wrapping errDBusRefused, or the read's
// error.
//
// Signals and method calls are read and thrown away unseen: upwrap calls,
// it is never called and subscribes to nothing. systemd sends every
// connection on its private socket its PropertiesChanged signals (a{sv}:
// variants inside), in bursts at shutdown; godbus would only drop them.
func screenDBusMessage(r io.Reader) ([]byte, error) {
	for {
		msg, keep, err := readDBusMessage(r)
		if err != nil || keep {
			return msg, err
		}
	}
}

// readDBusMessage reads one message from r: a reply or an error whole and
// screened (keep), anything else skipped without being held in memory.
func readDBusMessage(r io.Reader) (msg []byte, keep bool, err error) {
	var fixed [dbusFixedHeader]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return nil, false, err
	}
	var order binary.ByteOrder
	switch fixed[0] {
	case 'l':
		order = binary.LittleEndian
	case 'B':
		order = binary.BigEndian
	default:
		return nil, false, fmt.Errorf("%w: byte order %q", errDBusRefused, fixed[0])
	}
	bodyLen := uint64(order.Uint32(fixed[4:]))
	fieldsLen := uint64(order.Uint32(fixed[12:]))
	if fieldsLen > dbusMaxArray {
		return nil, false, fmt.Errorf("%w: header fields of %d bytes", errDBusRefused, fieldsLen)
	}
	total := align(dbusFixedHeader+fieldsLen, 8) + bodyLen
	if total > dbusMaxMessage {
		return nil, false, fmt.Errorf("%w: %d bytes", errDBusRefused, total)
	}
	keep = fixed[1] == dbusMethodReturn || fixed[1] == dbusError
	if keep && total > dbusMaxReply {
		return nil, false, fmt.Errorf("%w: a reply of %d bytes, more than the %d upwrap reads", errDBusRefused, total, dbusMaxReply)
	}
	rest := int64(total - dbusFixedHeader)
	if !keep {
		if _, err := io.CopyN(io.Discard, r, rest); err != nil {
			return nil, false, cutShort(err)
		}
		return nil, false, nil
	}
	// Grown as the bytes arrive: a length claimed and never sent costs
	// nothing.
	var buf bytes.Buffer
	buf.Write(fixed[:])
	if _, err := io.CopyN(&buf, r, rest); err != nil {
		return nil, false, cutShort(err)
	}
	msg = buf.Bytes()
	w := dbusWalk{msg: msg, order: order}
	bodySig, err := w.fields(dbusFixedHeader + int(fieldsLen))
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", errDBusRefused, err)
	}
	if err := screenSignature(bodySig); err != nil {
		return nil, false, fmt.Errorf("%w: body: %v", errDBusRefused, err)
	}
	if strings.Contains(bodySig, "v") {
		if bodySig != "v" {
			return nil, false, fmt.Errorf("%w: body (%s) holds a variant inside", errDBusRefused, bodySig)
		}
		w.pos = int(align(dbusFixedHeader+fieldsLen, 8))
		inner, err := w.signature()
		if err != nil {
			return nil, false, fmt.Errorf("%w: body: %v", errDBusRefused, err)
		}
		if err := screenSignature(inner); err != nil || strings.Contains(inner, "v") {
			return nil, false, fmt.Errorf("%w: body's variant (%s) holds an empty structure or a variant", errDBusRefused, inner)
		}
	}
	return msg, true, nil
}

// cutShort is a read's error for a message the peer stopped sending.
func cutShort(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// screenSignature refuses a signature holding an empty structure, the one
// type whose values take no bytes.
func screenSignature(sig string) error {
	if strings.Contains(sig, "()") {
		return fmt.Errorf("signature %q holds an empty structure", sig)
	}
	return nil
}

// dbusWalk reads a message's header fields, an array of (byte, variant),
// where each variant must hold one basic type.
type dbusWalk struct {
	msg   []byte
	order binary.ByteOrder
	pos   int
}

// fields walks the header fields up to end and returns the body's
// signature ("" when the message has none).
func (w *dbusWalk) fields(end int) (string, error) {
	w.pos = dbusFixedHeader
	bodySig := ""
	for w.pos < end {
		w.pos = int(align(uint64(w.pos), 8))
		if w.pos+1 > end {
			return "", errors.New("header field cut short")
		}
		code := w.msg[w.pos]
		w.pos++
		sig, err := w.signature()
		if err != nil {
			return "", fmt.Errorf("header field %d: %v", code, err)
		}
		if len(sig) != 1 {
			return "", fmt.Errorf("header field %d of type %q, not a basic type", code, sig)
		}
		start := w.pos
		if err := w.skipBasic(sig[0], end); err != nil {
			return "", fmt.Errorf("header field %d: %v", code, err)
		}
		if code == dbusFieldBodySig && sig == "g" {
			w.pos = start
			if bodySig, err = w.signature(); err != nil {
				return "", fmt.Errorf("body signature: %v", err)
			}
		}
	}
	if w.pos != end {
		return "", errors.New("header fields overrun their array")
	}
	return bodySig, nil
}

// signature reads a signature: a length byte, the characters, a NUL.
func (w *dbusWalk) signature() (string, error) {
	if w.pos >= len(w.msg) {
		return "", errors.New("signature cut short")
	}
	n := int(w.msg[w.pos])
	if w.pos+1+n+1 > len(w.msg) || w.msg[w.pos+1+n] != 0 {
		return "", errors.New("signature cut short")
	}
	sig := string(w.msg[w.pos+1 : w.pos+1+n])
	w.pos += n + 2
	return sig, nil
}

// skipBasic moves past one value of the basic type t, which must end by
// end.
func (w *dbusWalk) skipBasic(t byte, end int) error {
	switch t {
	case 's', 'o':
		w.pos = int(align(uint64(w.pos), 4))
		if w.pos+4 > end {
			return errors.New("string cut short")
		}
		n := uint64(w.order.Uint32(w.msg[w.pos:]))
		if uint64(w.pos)+4+n+1 > uint64(end) {
			return errors.New("string cut short")
		}
		w.pos += 4 + int(n) + 1
	case 'g':
		if _, err := w.signature(); err != nil {
			return err
		}
		if w.pos > end {
			return errors.New("signature cut short")
		}
	default:
		s := fixedSize(t)
		if s == 0 {
			return fmt.Errorf("type %q is not a basic type", t)
		}
		w.pos = int(align(uint64(w.pos), uint64(s)))
		if w.pos+s > end {
			return errors.New("value cut short")
		}
		w.pos += s
	}
	return nil
}

// fixedSize is the size, and alignment, of a fixed-size basic type; 0
// for any other type.
func fixedSize(t byte) int {
	switch t {
	case 'y':
		return 1
	case 'n', 'q':
		return 2
	case 'b', 'i', 'u', 'h':
		return 4
	case 'x', 't', 'd':
		return 8
	}
	return 0
}

// align rounds n up to a multiple of to, a power of two.
func align(n, to uint64) uint64 {
	return (n + to - 1) &^ (to - 1)
}
