package marker

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// EncodeCompact is Encode without the indentation, for every kind of record,
// unknown keys (kept compacted, or not) included.
func TestEncodeCompactIsCompactEncode(t *testing.T) {
	recs := upwrapRecords()
	withExtra := *recs[1]
	withExtra.Extra = map[string]json.RawMessage{
		"z_future": json.RawMessage(`{"a":[1,2,{"b":"c d"}]}`),
		"a_spaced": json.RawMessage("{ \"x\" :\n [ 1 , 2 ] }"),
		"html":     json.RawMessage(`"<&>"`),
	}
	recs = append(recs, &withExtra)
	for _, r := range recs {
		indented, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if err := json.Compact(&want, indented); err != nil {
			t.Fatal(err)
		}
		got, err := r.EncodeCompact()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.String(), string(got)); diff != "" {
			t.Errorf("EncodeCompact mismatch (-compacted Encode +EncodeCompact):\n%s", diff)
		}
	}
	bad := *recs[0]
	bad.Extra = map[string]json.RawMessage{"broken": json.RawMessage(`{"a":`)}
	if _, err := bad.Encode(); err == nil {
		t.Fatal("Encode accepted a broken unknown key")
	}
	if b, err := bad.EncodeCompact(); err == nil {
		t.Errorf("EncodeCompact accepted a broken unknown key: %s", b)
	}
}
