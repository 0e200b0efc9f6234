package detect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// This file holds the D-Bus wire format: just enough of it to ask systemd two
// questions on the shutdown path without linking a D-Bus library. Values are
// Go values: byte (y), bool (b), int16/uint16 (n/q), int32/uint32 (i/u),
// int64/uint64 (x/t), float64 (d), string (s, o, g), dbusVariant (v), []any
// (arrays, structs and dict entries). File descriptors (h) are not supported.

// dbusVariant is a D-Bus variant: a value with its own signature.
type dbusVariant struct {
	Sig   string
	Value any
}

// dbusMaxDepth bounds nesting, as the D-Bus specification does (32 arrays plus
// 32 structs); it keeps a hostile or corrupt message from recursing deeply.
const dbusMaxDepth = 64

var errDBusShort = errors.New("d-bus: message truncated")

// dbusNextType splits the first complete type off sig.
func dbusNextType(sig string) (first, rest string, err error) {
	if sig == "" {
		return "", "", errors.New("d-bus: empty signature")
	}
	n, err := dbusTypeLen(sig, 0)
	if err != nil {
		return "", "", err
	}
	return sig[:n], sig[n:], nil
}

func dbusTypeLen(sig string, depth int) (int, error) {
	if depth > dbusMaxDepth {
		return 0, errors.New("d-bus: signature nested too deeply")
	}
	if sig == "" {
		return 0, errors.New("d-bus: incomplete signature")
	}
	switch sig[0] {
	case 'y', 'b', 'n', 'q', 'i', 'u', 'x', 't', 'd', 's', 'o', 'g', 'v':
		return 1, nil
	case 'a':
		n, err := dbusTypeLen(sig[1:], depth+1)
		return n + 1, err
	case '(', '{':
		closer := byte(')')
		if sig[0] == '{' {
			closer = '}'
		}
		i := 1
		for {
			if i >= len(sig) {
				return 0, fmt.Errorf("d-bus: unterminated %q in signature", sig[0])
			}
			if sig[i] == closer {
				if i == 1 {
					return 0, errors.New("d-bus: empty struct in signature")
				}
				return i + 1, nil
			}
			n, err := dbusTypeLen(sig[i:], depth+1)
			if err != nil {
				return 0, err
			}
			i += n
		}
	}
	return 0, fmt.Errorf("d-bus: unsupported type %q in signature", sig[0])
}

// dbusAlign is the alignment of the type that starts sig.
func dbusAlign(sig string) int {
	switch sig[0] {
	case 'y', 'g', 'v':
		return 1
	case 'n', 'q':
		return 2
	case 'b', 'i', 'u', 's', 'o', 'a':
		return 4
	default: // x t d ( {
		return 8
	}
}

// dbusEncoder appends values to b, little-endian. Alignment is relative to
// the start of b, which must itself be 8-aligned in the message (the header
// and the body are).
type dbusEncoder struct {
	b []byte
}

func (e *dbusEncoder) pad(n int) {
	for len(e.b)%n != 0 {
		e.b = append(e.b, 0)
	}
}

func (e *dbusEncoder) u32(v uint32) {
	e.pad(4)
	e.b = binary.LittleEndian.AppendUint32(e.b, v)
}

// encode appends the values of sig, one per complete type.
func (e *dbusEncoder) encode(sig string, values ...any) error {
	for sig != "" {
		t, rest, err := dbusNextType(sig)
		if err != nil {
			return err
		}
		if len(values) == 0 {
			return fmt.Errorf("d-bus: no value for %q", t)
		}
		if err := e.value(t, values[0], 0); err != nil {
			return err
		}
		sig, values = rest, values[1:]
	}
	if len(values) != 0 {
		return fmt.Errorf("d-bus: %d values beyond the signature", len(values))
	}
	return nil
}

func (e *dbusEncoder) value(t string, v any, depth int) error {
	if depth > dbusMaxDepth {
		return errors.New("d-bus: value nested too deeply")
	}
	bad := func() error { return fmt.Errorf("d-bus: cannot encode %T as %q", v, t) }
	switch t[0] {
	case 'y':
		x, ok := v.(byte)
		if !ok {
			return bad()
		}
		e.b = append(e.b, x)
	case 'b':
		x, ok := v.(bool)
		if !ok {
			return bad()
		}
		var u uint32
		if x {
			u = 1
		}
		e.u32(u)
	case 'n', 'q':
		var u uint16
		switch x := v.(type) {
		case int16:
			u = uint16(x)
		case uint16:
			u = x
		default:
			return bad()
		}
		e.pad(2)
		e.b = binary.LittleEndian.AppendUint16(e.b, u)
	case 'i', 'u':
		var u uint32
		switch x := v.(type) {
		case int32:
			u = uint32(x)
		case uint32:
			u = x
		default:
			return bad()
		}
		e.u32(u)
	case 'x', 't', 'd':
		var u uint64
		switch x := v.(type) {
		case int64:
			u = uint64(x)
		case uint64:
			u = x
		case float64:
			u = math.Float64bits(x)
		default:
			return bad()
		}
		e.pad(8)
		e.b = binary.LittleEndian.AppendUint64(e.b, u)
	case 's', 'o':
		x, ok := v.(string)
		if !ok {
			return bad()
		}
		e.u32(uint32(len(x)))
		e.b = append(e.b, x...)
		e.b = append(e.b, 0)
	case 'g':
		x, ok := v.(string)
		if !ok || len(x) > 255 {
			return bad()
		}
		e.b = append(e.b, byte(len(x)))
		e.b = append(e.b, x...)
		e.b = append(e.b, 0)
	case 'v':
		x, ok := v.(dbusVariant)
		if !ok {
			return bad()
		}
		if inner, rest, err := dbusNextType(x.Sig); err != nil || rest != "" || inner == "" {
			return fmt.Errorf("d-bus: variant signature %q is not one complete type", x.Sig)
		}
		if err := e.value("g", x.Sig, depth+1); err != nil {
			return err
		}
		return e.value(x.Sig, x.Value, depth+1)
	case 'a':
		x, ok := v.([]any)
		if !ok {
			return bad()
		}
		elem := t[1:]
		e.u32(0)
		at := len(e.b) - 4
		e.pad(dbusAlign(elem))
		start := len(e.b)
		for _, item := range x {
			if err := e.value(elem, item, depth+1); err != nil {
				return err
			}
		}
		binary.LittleEndian.PutUint32(e.b[at:], uint32(len(e.b)-start))
	case '(', '{':
		x, ok := v.([]any)
		if !ok {
			return bad()
		}
		e.pad(8)
		inner := t[1 : len(t)-1]
		for inner != "" {
			f, rest, err := dbusNextType(inner)
			if err != nil {
				return err
			}
			if len(x) == 0 {
				return bad()
			}
			if err := e.value(f, x[0], depth+1); err != nil {
				return err
			}
			inner, x = rest, x[1:]
		}
		if len(x) != 0 {
			return bad()
		}
	default:
		return bad()
	}
	return nil
}

// dbusDecoder reads values from b, aligned relative to the start of b.
type dbusDecoder struct {
	b     []byte
	pos   int
	order binary.ByteOrder
}

func (d *dbusDecoder) align(n int) error {
	p := (d.pos + n - 1) / n * n
	if p > len(d.b) {
		return errDBusShort
	}
	d.pos = p
	return nil
}

func (d *dbusDecoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.b)-d.pos {
		return nil, errDBusShort
	}
	s := d.b[d.pos : d.pos+n]
	d.pos += n
	return s, nil
}

// decode reads one value per complete type of sig.
func (d *dbusDecoder) decode(sig string) ([]any, error) {
	var out []any
	for sig != "" {
		t, rest, err := dbusNextType(sig)
		if err != nil {
			return nil, err
		}
		v, err := d.value(t, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		sig = rest
	}
	return out, nil
}

func (d *dbusDecoder) value(t string, depth int) (any, error) {
	if depth > dbusMaxDepth {
		return nil, errors.New("d-bus: value nested too deeply")
	}
	switch t[0] {
	case 'y':
		b, err := d.take(1)
		if err != nil {
			return nil, err
		}
		return b[0], nil
	case 'b', 'i', 'u':
		if err := d.align(4); err != nil {
			return nil, err
		}
		b, err := d.take(4)
		if err != nil {
			return nil, err
		}
		u := d.order.Uint32(b)
		switch t[0] {
		case 'b':
			if u > 1 {
				return nil, fmt.Errorf("d-bus: boolean %d", u)
			}
			return u == 1, nil
		case 'i':
			return int32(u), nil
		}
		return u, nil
	case 'n', 'q':
		if err := d.align(2); err != nil {
			return nil, err
		}
		b, err := d.take(2)
		if err != nil {
			return nil, err
		}
		u := d.order.Uint16(b)
		if t[0] == 'n' {
			return int16(u), nil
		}
		return u, nil
	case 'x', 't', 'd':
		if err := d.align(8); err != nil {
			return nil, err
		}
		b, err := d.take(8)
		if err != nil {
			return nil, err
		}
		u := d.order.Uint64(b)
		switch t[0] {
		case 'x':
			return int64(u), nil
		case 'd':
			return math.Float64frombits(u), nil
		}
		return u, nil
	case 's', 'o':
		if err := d.align(4); err != nil {
			return nil, err
		}
		b, err := d.take(4)
		if err != nil {
			return nil, err
		}
		return d.str(int(d.order.Uint32(b)))
	case 'g':
		b, err := d.take(1)
		if err != nil {
			return nil, err
		}
		return d.str(int(b[0]))
	case 'v':
		s, err := d.value("g", depth+1)
		if err != nil {
			return nil, err
		}
		sig := s.(string)
		inner, rest, err := dbusNextType(sig)
		if err != nil || rest != "" {
			return nil, fmt.Errorf("d-bus: variant signature %q is not one complete type", sig)
		}
		v, err := d.value(inner, depth+1)
		if err != nil {
			return nil, err
		}
		return dbusVariant{Sig: sig, Value: v}, nil
	case 'a':
		if err := d.align(4); err != nil {
			return nil, err
		}
		b, err := d.take(4)
		if err != nil {
			return nil, err
		}
		n := int(d.order.Uint32(b))
		elem := t[1:]
		if err := d.align(dbusAlign(elem)); err != nil {
			return nil, err
		}
		if n > len(d.b)-d.pos {
			return nil, errDBusShort
		}
		end := d.pos + n
		items := []any{}
		for d.pos < end {
			v, err := d.value(elem, depth+1)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		if d.pos != end {
			return nil, errors.New("d-bus: array length does not match its elements")
		}
		return items, nil
	case '(', '{':
		if err := d.align(8); err != nil {
			return nil, err
		}
		inner := t[1 : len(t)-1]
		var fields []any
		for inner != "" {
			f, rest, err := dbusNextType(inner)
			if err != nil {
				return nil, err
			}
			v, err := d.value(f, depth+1)
			if err != nil {
				return nil, err
			}
			fields = append(fields, v)
			inner = rest
		}
		return fields, nil
	}
	return nil, fmt.Errorf("d-bus: unsupported type %q", t[0])
}

// str reads n bytes of string and the NUL that ends them.
func (d *dbusDecoder) str(n int) (string, error) {
	b, err := d.take(n + 1)
	if err != nil {
		return "", err
	}
	if b[n] != 0 {
		return "", errors.New("d-bus: string not NUL-terminated")
	}
	return string(b[:n]), nil
}
