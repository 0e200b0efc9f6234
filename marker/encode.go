package marker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Encode returns the record as indented JSON with a final newline: the keys
// of [Record]'s tags in their order, then the unknown keys kept in Extra,
// sorted (docs/design.md §6). The encoding is canonical: [Parse] of it
// encodes to the same bytes.
func (r *Record) Encode() ([]byte, error) {
	b, err := r.encode()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.Job, err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// EncodeCompact returns the record as one line of JSON, without a newline:
// what Encode returns with the insignificant white space removed, made
// directly (status --all --json prints one per job).
func (r *Record) EncodeCompact() ([]byte, error) {
	b, err := r.encode()
	if err != nil || len(r.Extra) == 0 {
		// encoding/json's own output: valid, and already compact.
		return b, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.Job, err)
	}
	return out.Bytes(), nil
}

// encode returns the record as compact JSON, the unknown keys appended as
// they are kept.
func (r *Record) encode() ([]byte, error) {
	w := *r
	// Absent lists are written as [], so that callers can iterate them.
	if w.Argv == nil {
		w.Argv = []string{}
	}
	if w.PendingIntroduced == nil {
		w.PendingIntroduced = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&w); err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.Job, err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(r.Extra) > 0 {
		b = b[:len(b)-1]
		for _, k := range slices.Sorted(maps.Keys(r.Extra)) {
			kb, _ := json.Marshal(k)
			b = append(b, ',')
			b = append(b, kb...)
			b = append(b, ':')
			b = append(b, r.Extra[k]...)
		}
		b = append(b, '}')
	}
	return b, nil
}
