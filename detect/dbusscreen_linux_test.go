package detect

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// rawField is one header field as it goes on the wire: its code, the
// signature of its variant and the variant's value, already encoded and
// aligned as the field's offset needs.
type rawField struct {
	code  byte
	sig   string
	value []byte
}

// rawReply is a little-endian method return with the header fields
// given, a SIGNATURE field of bodySig when it is not empty, and body as
// it is. It writes what godbus will not: empty structures, nested variants,
// header fields of any type.
func rawReply(fields []rawField, bodySig string, body []byte) []byte {
	var h bytes.Buffer
	pad := func(to int) {
		for (dbusFixedHeader+h.Len())%to != 0 {
			h.WriteByte(0)
		}
	}
	if bodySig != "" {
		fields = append(fields, rawField{dbusFieldBodySig, "g", append(append([]byte{byte(len(bodySig))}, bodySig...), 0)})
	}
	for _, f := range fields {
		pad(8)
		h.WriteByte(f.code)
		h.WriteByte(byte(len(f.sig)))
		h.WriteString(f.sig)
		h.WriteByte(0)
		if len(f.sig) == 1 {
			if s := fixedSize(f.sig[0]); s > 1 {
				pad(s)
			} else if f.sig == "s" || f.sig == "o" {
				pad(4)
			}
		}
		h.Write(f.value)
	}
	fieldsLen := h.Len()
	pad(8)
	msg := []byte{'l', byte(dbus.TypeMethodReply), 0, 1}
	msg = binary.LittleEndian.AppendUint32(msg, uint32(len(body)))
	msg = binary.LittleEndian.AppendUint32(msg, 7)
	msg = binary.LittleEndian.AppendUint32(msg, uint32(fieldsLen))
	msg = append(msg, h.Bytes()...)
	return append(msg, body...)
}

// asType is msg with its message type set to typ (1 a method call, 4 a
// signal).
func asType(typ byte, msg []byte) []byte {
	msg[1] = typ
	return msg
}

// encode is m's bytes, as godbus writes them.
func encode(t testing.TB, m *dbus.Message) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := writeDBusMessage(&b, m, 2); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// join is the messages one after another, as a peer sends them.
func join(msgs ...[]byte) []byte { return bytes.Join(msgs, nil) }

// u32 is n in four little-endian bytes.
func u32(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }

// replySerial is the REPLY_SERIAL header field of a reply to call 1.
var replySerial = rawField{5, "u", u32(1)}

// TestScreenDBusMessage passes the replies systemd and a bus send upwrap,
// byte for byte, skips their signals and any call, and refuses a reply that
// would make godbus's decoder loop for ever or that the screen cannot see
// into, before godbus reads it.
func TestScreenDBusMessage(t *testing.T) {
	bigEndian := func(m *dbus.Message) []byte {
		var b bytes.Buffer
		if err := m.EncodeTo(&b, binary.BigEndian); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	crasher, err := os.ReadFile("testdata/fuzz/FuzzSystemdReply/5cf4ddefd8e64724")
	if err != nil {
		t.Fatal(err)
	}
	// The file is the fuzzer's: one Go string literal on its second line.
	_, lit, _ := strings.Cut(strings.TrimSpace(string(crasher)), "[]byte(")
	crasherText, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
	if err != nil {
		t.Fatal(err)
	}
	crasherBytes := []byte(crasherText)

	emptyStructs := append(u32(0), u32(3)...) // padding to 8, then 3 bytes of a()
	reply := encodeReply(t, listJobsBody(nil))
	propertiesChanged := encode(t, dbusSignal("/org/freedesktop/systemd1", "org.freedesktop.DBus.Properties", "PropertiesChanged",
		"org.freedesktop.systemd1.Manager", map[string]dbus.Variant{"SystemState": dbus.MakeVariant("stopping")}, []string{}))
	tests := []struct {
		name   string
		msg    []byte // what the peer sends
		want   []byte // what godbus gets: msg itself when nil
		refuse string // "" when a message passes; else words of the error
		// godbus refuses a header field the specification does not
		// define, which the specification says to ignore.
		godbusRefuses bool
	}{
		{name: "SystemState", msg: encodeReply(t, dbus.MakeVariant("stopping"))},
		{name: "ListJobs", msg: encodeReply(t, listJobsBody([]systemdJob{{Unit: "reboot.target", Type: "start", State: "waiting"}}))},
		{name: "no jobs", msg: encodeReply(t, listJobsBody(nil))},
		{name: "Hello", msg: encodeReply(t, ":1.42")},
		{name: "empty reply", msg: encodeReply(t)},
		{name: "error reply", msg: func() []byte {
			var b bytes.Buffer
			if err := writeDBusMessage(&b, dbusErrorReply(1, "org.freedesktop.DBus.Error.UnknownMethod", "no ()"), 2); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}()},
		{name: "a signal, then the reply", msg: join(encode(t, dbusSignal("/org/freedesktop/DBus", "org.freedesktop.DBus", "NameAcquired", ":1.42")), reply), want: reply},
		{name: "systemd's PropertiesChanged, then the reply", msg: join(propertiesChanged, propertiesChanged, reply), want: reply},
		{name: "a signal of empty structures, then the reply", msg: join(asType(4, rawReply(nil, "a()", emptyStructs)), reply), want: reply},
		{name: "a method call, then the reply", msg: join(asType(1, rawReply(nil, "a{sv}", u32(0))), reply), want: reply},
		{name: "big-endian", msg: bigEndian(dbusReply(1, dbus.MakeVariant("running")))},
		{name: "a variant of strings", msg: encodeReply(t, dbus.MakeVariant([]string{"a", "b"}))},
		{name: "every basic header type", msg: rawReply([]rawField{
			replySerial, {20, "y", []byte{1}}, {21, "n", []byte{1, 0}}, {22, "t", make([]byte, 8)},
			{23, "s", append(u32(2), 'a', 'b', 0)}, {24, "g", []byte{2, 'a', 's', 0}}, {25, "b", u32(1)},
		}, "", nil), godbusRefuses: true},

		{name: "array of empty structures", msg: rawReply([]rawField{replySerial}, "a()", emptyStructs), refuse: "empty structure"},
		{name: "empty structure deeper", msg: rawReply([]rawField{replySerial}, "a(y())", emptyStructs), refuse: "empty structure"},
		{name: "a variant of them", msg: rawReply([]rawField{replySerial}, "v", append([]byte{3, 'a', '(', ')', 0, 0, 0, 0}, u32(0)...)), refuse: "variant (a())"},
		{name: "a variant of a variant", msg: rawReply([]rawField{replySerial}, "v", []byte{1, 'v', 0, 1, 's', 0, 0, 0, 0, 0, 0, 0}), refuse: "variant (v)"},
		{name: "variants inside", msg: rawReply([]rawField{replySerial}, "a{sv}", u32(0)), refuse: "holds a variant inside"},
		{name: "header field of them", msg: rawReply([]rawField{replySerial, {20, "a()", u32(0)}}, "", nil), refuse: "not a basic type"},
		{name: "header field of a variant", msg: rawReply([]rawField{replySerial, {20, "v", []byte{1, 'y', 0, 9}}}, "", nil), refuse: "not a basic type"},
		{name: "header string past its array", msg: func() []byte {
			m := rawReply([]rawField{{20, "s", append(u32(200), 'a', 0)}}, "", nil)
			return append(m, make([]byte, 200)...)
		}(), refuse: "cut short"},
		// godbus reads it without checking the NULs after its signatures;
		// the screen checks them, and refuses it for the first missing.
		{name: "what the fuzzer found", msg: crasherBytes, refuse: "signature cut short"},
		{name: "byte order", msg: append([]byte{'x'}, encodeReply(t, "s")[1:]...), refuse: "byte order"},
		{name: "longer than the specification allows", msg: func() []byte {
			m := encodeReply(t, "s")
			binary.LittleEndian.PutUint32(m[4:], 1<<27)
			return m
		}(), refuse: "bytes"},
		{name: "a signal longer than the specification allows", msg: func() []byte {
			m := asType(4, encodeReply(t, "s"))
			binary.LittleEndian.PutUint32(m[4:], 1<<27)
			return m
		}(), refuse: "bytes"},
		{name: "a reply longer than upwrap reads", msg: func() []byte {
			m := encodeReply(t, "s")
			binary.LittleEndian.PutUint32(m[4:], dbusMaxReply)
			return m
		}(), refuse: "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := screenDBusMessage(bytes.NewReader(tt.msg))
			if tt.refuse == "" {
				want := tt.want
				if want == nil {
					want = tt.msg
				}
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("screen = %d bytes, %v; want the reply's %d bytes unchanged", len(got), err, len(want))
				}
				if _, err := dbus.DecodeMessage(bytes.NewReader(got)); (err != nil) != tt.godbusRefuses {
					t.Errorf("godbus decoding what passed: err = %v, want an error %v", err, tt.godbusRefuses)
				}
				return
			}
			if !errors.Is(err, errDBusRefused) || !strings.Contains(err.Error(), tt.refuse) {
				t.Errorf("screen: err = %v; want a refusal saying %q", err, tt.refuse)
			}
		})
	}
}

// TestScreenDBusMessageCutShort: a message the peer stops sending is the
// read's error, not a refusal, and the screen reads nothing past it.
func TestScreenDBusMessageCutShort(t *testing.T) {
	m := encodeReply(t, listJobsBody(nil))
	for _, n := range []int{0, 3, dbusFixedHeader, len(m) - 1} {
		_, err := screenDBusMessage(bytes.NewReader(m[:n]))
		want := io.ErrUnexpectedEOF
		if n == 0 {
			want = io.EOF
		}
		if !errors.Is(err, want) {
			t.Errorf("%d of %d bytes: err = %v, want %v", n, len(m), err, want)
		}
	}
	two := append(append([]byte{}, m...), m...)
	r := bytes.NewReader(two)
	for i := range 2 {
		got, err := screenDBusMessage(r)
		if err != nil || !bytes.Equal(got, m) {
			t.Errorf("message %d of two: %d bytes, %v", i+1, len(got), err)
		}
	}
}

// TestSystemdSendsEmptyStructures: a peer on systemd's private socket
// answers with an array of empty structures. upwrap reports no answer
// at once and is left with no godbus reader running; without
// the screen, godbus's reader would loop, allocating, for as long as upwrap
// runs.
func TestSystemdSendsEmptyStructures(t *testing.T) {
	root := t.TempDir()
	f := &fakeSystemd{Raw: rawReply([]rawField{{5, "u", u32(2)}}, "a()", append(u32(0), u32(1)...))}
	f.listen(t, filepath.Join(root, "run/systemd/private"))
	_, err := querySystemd(context.Background(), root, 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), "empty structure") {
		t.Fatalf("querySystemd: err = %v, want the refusal of the empty structures", err)
	}
	reading := func() bool {
		buf := make([]byte, 1<<20)
		return bytes.Contains(buf[:runtime.Stack(buf, true)], []byte("godbus/dbus/v5.(*Conn).inWorker"))
	}
	deadline := time.Now().Add(5 * time.Second)
	for reading() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if reading() {
		t.Error("godbus's reader still runs after the query ended")
	}
}
