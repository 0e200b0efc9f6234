package marker

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleRecord() *Record {
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	end := start.Add(90 * time.Second)
	code := int64(3010)
	argv := []string{"setup.exe", "/auto", "upgrade", "", "a b", `"q"`}
	return &Record{
		Schema: Schema, Job: "win11", State: RebootRequired, Argv: argv, ArgvSHA256: ArgvHash(argv),
		Attempts: 1, StartedAt: &start, FinishedAt: &end, BootStart: "b1", BootEnd: "b1", ExitCode: &code,
		Reason: "succeeded; reboot required", Source: "exit-code", ExpectReboot: true,
		PendingIntroduced: []string{"reboot-required"}, Host: "pc1", Version: "1.0.0",
	}
}

func TestEncodeParseRoundTrip(t *testing.T) {
	r := sampleRecord()
	r.Extra = map[string]json.RawMessage{"future_key": json.RawMessage(`{"a":[1,2]}`)}
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse(Encode(r)): %v\n%s", err, b)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	b2, _ := got.Encode()
	if string(b) != string(b2) {
		t.Errorf("re-encoding changed the bytes:\n%s\n%s", b, b2)
	}
}

func TestEncodeHasEveryAPIKey(t *testing.T) {
	b, err := (&Record{Schema: 1, Job: "x", State: Running}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "job", "state", "argv", "argv_sha256", "attempts", "started_at",
		"finished_at", "boot_start", "boot_end", "exit_code", "reason", "source", "expect_reboot",
		"pending_introduced", "host", "version"} {
		if _, ok := m[k]; !ok {
			t.Errorf("encoded record lacks key %q", k)
		}
	}
	if m["exit_code"] != nil || m["started_at"] != nil {
		t.Errorf("unknown exit_code and started_at must be null, got %v and %v", m["exit_code"], m["started_at"])
	}
}

func TestParseRefuses(t *testing.T) {
	valid, _ := sampleRecord().Encode()
	s := string(valid)
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrCorrupt},
		{"truncated", s[:len(s)/2], ErrCorrupt},
		{"array", "[1]", ErrCorrupt},
		{"null", "null", ErrCorrupt},
		{"bom", "\xef\xbb\xbf" + s, ErrCorrupt},
		{"trailing data", s + "{}", ErrCorrupt},
		{"two objects", s + s, ErrCorrupt},
		{"duplicate key", strings.Replace(s, `"state": "reboot-required"`, `"state": "succeeded", "state": "failed"`, 1), ErrCorrupt},
		{"newer schema", strings.Replace(s, `"schema": 1`, `"schema": 2`, 1), ErrNewerSchema},
		{"schema zero", strings.Replace(s, `"schema": 1`, `"schema": 0`, 1), ErrCorrupt},
		{"schema string", strings.Replace(s, `"schema": 1`, `"schema": "1"`, 1), ErrCorrupt},
		{"no schema", strings.Replace(s, `"schema": 1,`, ``, 1), ErrCorrupt},
		{"unknown state", strings.Replace(s, `"reboot-required",`, `"done",`, 1), ErrCorrupt},
		{"bad job", strings.Replace(s, `"job": "win11"`, `"job": "../x"`, 1), ErrCorrupt},
		{"job not folded", strings.Replace(s, `"job": "win11"`, `"job": "Win11"`, 1), ErrCorrupt},
		{"huge exit code", strings.Replace(s, `"exit_code": 3010`, `"exit_code": 1e400`, 1), ErrCorrupt},
		{"exit code overflow", strings.Replace(s, `"exit_code": 3010`, `"exit_code": 99999999999999999999`, 1), ErrCorrupt},
		{"negative attempts", strings.Replace(s, `"attempts": 1`, `"attempts": -1`, 1), ErrCorrupt},
		{"bad time", strings.Replace(s, `"2026-11-25T10:00:00Z"`, `"yesterday"`, 1), ErrCorrupt},
		{"bad hash", strings.Replace(s, `"argv_sha256": "`, `"argv_sha256": "X`, 1), ErrCorrupt},
		{"argv not strings", strings.Replace(s, `"/auto",`, `7,`, 1), ErrCorrupt},
		{"too large", `{"schema":1,"job":"x","state":"running","pad":"` + strings.Repeat("a", MaxRecordSize) + `"}`, ErrCorrupt},
		{"deep nesting", `{"schema":1,"job":"x","state":"running","deep":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, %v; want error %v", r, err, tt.want)
			}
			if r != nil {
				t.Errorf("Parse returned a record with its error: %+v", r)
			}
		})
	}
}

func TestParseKeepsUnknownKeys(t *testing.T) {
	in := `{"schema":1,"job":"x","state":"succeeded","from_v2":{"k": [1, 2]},"z":"v"}`
	r, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]json.RawMessage{"from_v2": json.RawMessage(`{"k":[1,2]}`), "z": json.RawMessage(`"v"`)}
	if diff := cmp.Diff(want, r.Extra); diff != "" {
		t.Errorf("Extra mismatch (-want +got):\n%s", diff)
	}
	b, _ := r.Encode()
	r2, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, r2); diff != "" {
		t.Errorf("unknown keys lost in a rewrite (-want +got):\n%s", diff)
	}
}
