package marker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Parse reads one record strictly, by the rules of docs/design.md §6 (see
// also the package doc): at most [MaxRecordSize] bytes, exactly one JSON
// object, no key twice, every known key of its type, a schema this binary
// reads, a valid job id and state. Keys are matched exactly against
// [Record]'s tags; the others are kept in Extra, compacted. Errors wrap
// [ErrCorrupt] or [ErrNewerSchema]; a newer schema is reported as such even
// when its other keys do not fit this schema.
//
// encoding/json decides what is valid JSON and decodes the values. The
// whole object is decoded into the record in one Unmarshal (which checks
// the whole input first), and its members are listed ([members]) for the
// rules Unmarshal does not keep: no key twice, keys matched exactly, the
// others kept. Where Unmarshal matched a key only by case, or a value did
// not fit, the record is decoded again from its known members alone, so
// the result and the error are as if only exactly matched keys were read.
func Parse(b []byte) (*Record, error) {
	if len(b) > MaxRecordSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrCorrupt, len(b), MaxRecordSize)
	}
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		return nil, fmt.Errorf("%w: starts with a byte-order mark", ErrCorrupt)
	}
	var r Record
	uerr := json.Unmarshal(b, &r)
	// Unmarshal checks the whole input before it decodes anything: any
	// input that is not JSON ends here.
	if se := (*json.SyntaxError)(nil); errors.As(uerr, &se) {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, uerr)
	}
	if b[skipSpace(b, 0)] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrCorrupt)
	}
	k := recordKeySet{}
	if err := members(b, k.add); err != nil {
		return nil, err
	}
	if err := checkSchema(k.schema); err != nil {
		return nil, err
	}
	if uerr != nil || k.folded {
		known := recordKeySet{known: make([]byte, 1, len(b))}
		known.known[0] = '{'
		members(b, known.add) // cannot fail: the same members passed above
		// The keys of known.known are exactly Record's, each once, so
		// encoding/json's case-insensitive matching never comes into play.
		r = Record{}
		if err := json.Unmarshal(append(known.known, '}'), &r); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	}
	r.Extra = k.extra
	if err := r.check(k.has); err != nil {
		return nil, err
	}
	// Empty lists read as absent, as they are written.
	if len(r.Argv) == 0 {
		r.Argv = nil
	}
	if len(r.PendingIntroduced) == 0 {
		r.PendingIntroduced = nil
	}
	if len(r.Daemons) == 0 {
		r.Daemons = nil
	}
	return &r, nil
}

// checkSchema decides from the value of "schema" (nil when absent) whether
// this binary reads the record.
func checkSchema(value []byte) error {
	if value == nil {
		return fmt.Errorf("%w: no \"schema\" key", ErrCorrupt)
	}
	var schema int
	if err := json.Unmarshal(value, &schema); err != nil {
		return fmt.Errorf("%w: \"schema\": %v", ErrCorrupt, err)
	}
	if schema > Schema {
		return fmt.Errorf("%w (record schema %d, this upwrap reads up to %d): upgrade upwrap", ErrNewerSchema, schema, Schema)
	}
	if schema < 1 {
		return fmt.Errorf("%w: schema %d", ErrCorrupt, schema)
	}
	return nil
}

// recordKeySet sorts the members of a record, as [members] finds them, into
// known and unknown keys.
type recordKeySet struct {
	seen   uint64                     // the known keys met, by field index
	known  []byte                     // their members, as an object without its '}' (only when not nil at the start)
	folded bool                       // an unknown key equals a known one but for case
	schema []byte                     // the value of "schema"
	extra  map[string]json.RawMessage // the unknown keys met, their values compacted
}

// add takes one member; a key met before is an error.
func (k *recordKeySet) add(rawKey, value []byte) error {
	key, err := decodeKey(rawKey)
	if err != nil {
		return err
	}
	i, isKnown := recordKeys[string(key)]
	dup := false
	if isKnown {
		dup, k.seen = k.seen&(1<<i) != 0, k.seen|1<<i
	} else {
		_, dup = k.extra[string(key)]
	}
	switch {
	case dup:
		return fmt.Errorf("%w: duplicate key %q", ErrCorrupt, key)
	case !isKnown:
		k.folded = k.folded || foldsToKnown(string(key))
		var c bytes.Buffer
		json.Compact(&c, value) // cannot fail: the value is valid JSON
		if k.extra == nil {
			k.extra = map[string]json.RawMessage{}
		}
		k.extra[string(key)] = c.Bytes()
		return nil
	case i == schemaField:
		k.schema = value
	}
	if k.known == nil {
		return nil
	}
	if len(k.known) > 1 {
		k.known = append(k.known, ',')
	}
	k.known = append(append(append(append(k.known, '"'), key...), '"', ':'), value...)
	return nil
}

// has reports whether the known key was met.
func (k *recordKeySet) has(key string) bool { return k.seen&(1<<recordKeys[key]) != 0 }

// check applies the rules a decoded record of this schema must meet; has
// says whether a known key was present.
func (r *Record) check(has func(key string) bool) error {
	for _, k := range []string{"job", "state"} {
		if !has(k) {
			return fmt.Errorf("%w: no %q key", ErrCorrupt, k)
		}
	}
	if id, err := ParseID(string(r.Job)); err != nil || id != r.Job {
		return fmt.Errorf("%w: \"job\" %q is not a valid, case-folded job id", ErrCorrupt, r.Job)
	}
	if !r.State.Valid() {
		return fmt.Errorf("%w: unknown state %q", ErrCorrupt, r.State)
	}
	if r.Attempts < 0 {
		return fmt.Errorf("%w: negative attempts %d", ErrCorrupt, r.Attempts)
	}
	if r.ArgvSHA256 != "" && !isLowerHex64(r.ArgvSHA256) {
		return fmt.Errorf("%w: \"argv_sha256\" is not 64 lower-case hex digits", ErrCorrupt)
	}
	return nil
}

// members calls f with each member of the JSON object b, in order: the key
// as its string token (quotes and escapes as written) and the value's bytes.
// b must be an object that json.Valid accepted: then, outside strings, the
// first ',' or '}' at the member's own depth ends its value.
func members(b []byte, f func(key, value []byte) error) error {
	i := skipSpace(b, skipSpace(b, 0)+1)
	for b[i] != '}' {
		k := i
		i = stringEnd(b, i)
		key := b[k:i]
		v := skipSpace(b, skipSpace(b, i)+1) // past the ':'
		i = valueEnd(b, v)
		if err := f(key, bytes.TrimRight(b[v:i], " \t\r\n")); err != nil {
			return err
		}
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return nil
}

// valueEnd returns the index of the ',' or '}' that ends the value starting
// at b[i].
func valueEnd(b []byte, i int) int {
	for depth := 0; ; i++ {
		switch b[i] {
		case '"':
			i = stringEnd(b, i) - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
		case ',':
			if depth == 0 {
				return i
			}
		}
	}
}

// stringEnd returns the index just past the string token starting at b[i].
func stringEnd(b []byte, i int) int {
	for i++; b[i] != '"'; i++ {
		if b[i] == '\\' {
			i++
		}
	}
	return i + 1
}

// skipSpace returns the index of the first byte from b[i] on that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// decodeKey returns the text of a key token: the bytes between the quotes
// when they need no decoding, else what encoding/json makes of the token
// (escapes decoded, invalid UTF-8 replaced).
func decodeKey(tok []byte) ([]byte, error) {
	in := tok[1 : len(tok)-1]
	if bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
		return in, nil
	}
	var key string
	if err := json.Unmarshal(tok, &key); err != nil {
		return nil, fmt.Errorf("%w: key %s: %v", ErrCorrupt, tok, err)
	}
	return []byte(key), nil
}

// foldsToKnown reports whether key equals a known key but for case, so that
// encoding/json, which matches keys case-insensitively, may have decoded it
// into that key's field. EqualFold folds at least as much as encoding/json.
func foldsToKnown(key string) bool {
	for known := range recordKeys {
		if strings.EqualFold(key, known) {
			return true
		}
	}
	return false
}

// recordKeys maps each key of the record, as [Record]'s tags declare it, to
// its field index. Built once from the type; never changed.
var recordKeys = tagIndex(reflect.TypeFor[Record]())

// schemaField is the index of the field of "schema".
var schemaField = recordKeys["schema"]

// tagIndex maps the JSON key of each field of t to the field's index.
func tagIndex(t reflect.Type) map[string]int {
	keys := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys[name] = i
		}
	}
	return keys
}

// isLowerHex64 reports whether s is 64 lower-case hex digits (a SHA-256).
func isLowerHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
