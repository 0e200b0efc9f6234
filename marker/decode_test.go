package marker

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// member is one member of a JSON object: the key's text and the value's
// bytes.
type member struct{ Key, Value string }

// membersOf lists b's members with members and decodeKey, as Parse does.
func membersOf(t *testing.T, b []byte) []member {
	t.Helper()
	var got []member
	err := members(b, func(rawKey, value []byte) error {
		key, err := decodeKey(rawKey)
		if err != nil {
			return err
		}
		got = append(got, member{string(key), string(value)})
		return nil
	})
	if err != nil {
		t.Fatalf("members(%q): %v", b, err)
	}
	return got
}

// tokenMembers lists b's members with encoding/json's Decoder, token by
// token: the reference members is held to.
func tokenMembers(t *testing.T, b []byte) []member {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var want []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		want = append(want, member{tok.(string), string(bytes.TrimSpace(v))})
	}
	return want
}

// checkMembers: for every valid JSON object, members finds exactly the
// members encoding/json's Decoder finds, keys decoded the same way.
func checkMembers(t *testing.T, b []byte) {
	if !json.Valid(b) || b[skipSpace(b, 0)] != '{' {
		return
	}
	if diff := cmp.Diff(tokenMembers(t, b), membersOf(t, b)); diff != "" {
		t.Fatalf("members of %q (-Decoder +members):\n%s", b, diff)
	}
}

// The shapes members has to step over: white space everywhere JSON allows
// it, escaped quotes and backslashes, brackets inside strings, nesting,
// escaped and invalid UTF-8 keys, empty objects and strings.
var memberCases = []string{
	`{}`,
	" \t\r\n{ \t\r\n} \n",
	`{"a":1}`,
	` { "a" : 1 , "b" : [ 1 , { "c" : "}" } ] , "d" : { } } `,
	`{"q":"\"","b":"\\","e":"\\\"","x":"]}],{"}`,
	`{"":"","\u0078":"\u0079","\"k\\":null}`,
	`{"n":-1.5e+10,"t":true,"f":false,"z":null,"s":"é\u2028"}`,
	"{\"\xff\":1,\"caf\xc3\xa9\":[[[]]],\"w\":[\"a\" ,\"b\"\t]}",
	`{"deep":[[[[[[[[[[{"a":[{"b":"]"}]}]]]]]]]]]],"after":"x"}`,
}

func TestMembers(t *testing.T) {
	for _, in := range memberCases {
		if !json.Valid([]byte(in)) {
			t.Fatalf("test case %q is not valid JSON", in)
		}
		checkMembers(t, []byte(in))
	}
	for _, name := range []string{"valid-unknown-keys.json", "valid-windows-witnesses.json", "valid-nested-200.json"} {
		b, err := os.ReadFile(filepath.Join("testdata/records", name))
		if err != nil {
			t.Fatal(err)
		}
		checkMembers(t, b)
	}
}

// FuzzMembers holds members to encoding/json's Decoder on any valid JSON
// object; CI runs it for a bounded time (.ci/run).
func FuzzMembers(f *testing.F) {
	for _, in := range memberCases {
		f.Add([]byte(in))
	}
	for _, tt := range parseCases {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(checkMembers)
}
