package marker_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/marker"
)

// seedDir holds hand-made records: valid ones of every state (a Windows one
// with its boot witnesses among them), and hostile shapes (truncated, wrong
// schema, BOM, duplicate keys, trailing data, huge numbers, deep nesting,
// ...). It is also FuzzParse's seed corpus.
const seedDir = "testdata/records"

func seeds(t testing.TB) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(seedDir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(seedDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// checkParse is the property of FuzzParse: Parse never panics; a rejected
// input yields no record and an error wrapping ErrCorrupt or ErrNewerSchema;
// an accepted one encodes, and the encoding parses to an equal record and
// encodes to the same bytes (the encoding is canonical, so the idempotent
// write of docs/design.md §6 holds for records upwrap reads back); its
// compact encoding is the same JSON without the white space.
func checkParse(t *testing.T, b []byte) {
	r, err := marker.Parse(b)
	if err != nil {
		if r != nil {
			t.Fatalf("Parse returned a record with error %v", err)
		}
		if !errors.Is(err, marker.ErrCorrupt) && !errors.Is(err, marker.ErrNewerSchema) {
			t.Fatalf("Parse error %v wraps neither ErrCorrupt nor ErrNewerSchema", err)
		}
		return
	}
	enc, err := r.Encode()
	if err != nil {
		t.Fatalf("Parse accepted a record that does not encode: %v", err)
	}
	r2, err := marker.Parse(enc)
	if err != nil {
		t.Fatalf("re-parse of the encoding failed: %v\nencoding:\n%s", err, enc)
	}
	if diff := cmp.Diff(r, r2); diff != "" {
		t.Fatalf("record changed by encode and re-parse (-parsed +re-parsed):\n%s", diff)
	}
	enc2, err := r2.Encode()
	if err != nil {
		t.Fatalf("re-encode failed: %v", err)
	}
	if !bytes.Equal(enc, enc2) {
		t.Fatalf("encoding is not canonical:\nfirst:\n%s\nsecond:\n%s", enc, enc2)
	}
	compact, err := r.EncodeCompact()
	if err != nil {
		t.Fatalf("EncodeCompact failed where Encode did not: %v", err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, enc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(compact, want.Bytes()) {
		t.Fatalf("EncodeCompact is not the compacted Encode:\n%s\n%s", compact, want.Bytes())
	}
}

// FuzzParse runs checkParse on inputs grown from the seeds; CI runs it for a
// bounded time (.ci/run).
func FuzzParse(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
	f.Fuzz(checkParse)
}

// TestParseSeeds pins what each seed is: which records upwrap reads and which
// it refuses, and why.
func TestParseSeeds(t *testing.T) {
	const ok, corrupt, newer = "ok", "corrupt", "newer schema"
	want := map[string]string{
		"valid-succeeded.json":             ok,
		"valid-running.json":               ok,
		"valid-failed.json":                ok,
		"valid-rebooting-offset-time.json": ok,
		"valid-reboot-required.json":       ok,
		"valid-minimal.json":               ok,
		"valid-unknown-keys.json":          ok,
		"valid-windows-witnesses.json":     ok,
		"valid-nested-200.json":            ok,
		"invalid-utf8.json":                ok, // decoded as U+FFFD, like every JSON reader
		"truncated-half.json":              corrupt,
		"truncated-one-byte.json":          corrupt,
		"empty.json":                       corrupt,
		"only-whitespace.json":             corrupt,
		"torn-zeros.json":                  corrupt,
		"schema-0.json":                    corrupt,
		"schema-minus1.json":               corrupt,
		"schema-2.json":                    newer,
		"schema-999999.json":               newer,
		"schema-string.json":               corrupt,
		"schema-missing.json":              corrupt,
		"schema-float.json":                corrupt,
		"bom.json":                         corrupt,
		"duplicate-key-state.json":         corrupt,
		"duplicate-key-escaped.json":       corrupt,
		"trailing-object.json":             corrupt,
		"trailing-garbage.json":            corrupt,
		"two-objects.json":                 corrupt,
		"huge-attempts.json":               corrupt,
		"huge-exit-code.json":              corrupt,
		"huge-schema.json":                 corrupt,
		"huge-number-unknown-key.json":     ok, // an unknown key is kept as it is
		"negative-attempts.json":           corrupt,
		"deep-nesting-20000.json":          corrupt,
		"not-object-array.json":            corrupt,
		"not-object-null.json":             corrupt,
		"bad-state.json":                   corrupt,
		"state-null.json":                  corrupt,
		"bad-job-uppercase.json":           corrupt,
		"bad-job-traversal.json":           corrupt,
		"bad-time.json":                    corrupt,
		"bad-argv-type.json":               corrupt,
		"bad-sha.json":                     corrupt,
	}
	got := map[string]string{}
	for name, b := range seeds(t) {
		_, err := marker.Parse(b)
		switch {
		case err == nil:
			got[name] = ok
		case errors.Is(err, marker.ErrNewerSchema):
			got[name] = newer
		case errors.Is(err, marker.ErrCorrupt):
			got[name] = corrupt
		default:
			got[name] = "unexpected: " + err.Error()
		}
		t.Run(name, func(t *testing.T) { checkParse(t, b) })
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse of the seeds (-want +got):\n%s", diff)
	}
}

// TestUnknownKeysSurviveRewrite: docs/design.md §6 lets newer versions add keys; a
// record with keys this version does not know is read, and the keys are
// written back unchanged.
func TestUnknownKeysSurviveRewrite(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(seedDir, "valid-unknown-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := marker.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	st, err := marker.Open(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	r.State, r.Attempts = marker.Failed, 7
	if err := st.Write(r.Job, r); err != nil {
		t.Fatal(err)
	}
	back, err := st.Read(r.Job)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"x_future_key": `{"nested":[1,2.5,"three",null,true],"n":1e+300}`,
		"Z-upper":      `"kept"`,
		"unicode-é":    "\"\u2028é\"",
	}
	got := map[string]string{}
	for k, v := range back.Extra {
		got[k] = string(v)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unknown keys after a rewrite (-want +got):\n%s", diff)
	}
	if back.State != marker.Failed || back.Attempts != 7 {
		t.Errorf("known keys after a rewrite: state %q attempts %d, want failed 7", back.State, back.Attempts)
	}
}
