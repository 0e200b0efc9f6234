package marker

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
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

// upwrapRecords are records as upwrap writes them, in every state and with
// the command lines admins really pass (spaces, quotes, Windows paths,
// non-ASCII names).
func upwrapRecords() []*Record {
	start := time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC)
	end := start.Add(3 * time.Minute)
	zero, fail, neg := int64(0), int64(1603), int64(-1073741819)
	argvs := [][]string{
		{"true"},
		{`C:\Windows\Temp\setup.exe`, "/auto", "upgrade", "/quiet", `/copylogs C:\logs`},
		{"sh", "-c", `echo "it's $HOME" > /tmp/x`, "", "*"},
		{"/opt/mise à jour/installer", "--name=Größe", "tab\there", "line\nbreak"},
	}
	var out []*Record
	for i, argv := range argvs {
		base := Record{
			Schema: Schema, Job: ID([]string{"os-upgrade", "win11.upgrade", "a", "job_2"}[i]), Argv: argv, ArgvSHA256: ArgvHash(argv),
			Attempts: i + 1, StartedAt: &start, BootStart: "39ae1d8a-99cb-488a-9001-9ec1460b8b44",
			Host: "host-1", Version: "1.2.3", Log: "/var/lib/upwrap/" + string([]string{"os-upgrade", "win11.upgrade", "a", "job_2"}[i]) + ".log",
		}
		running := base
		running.State, running.Reason = Running, "started"
		running.Child = &Child{PID: 4242 + i, StartTime: 123456789, Session: 4242 + i}
		succeeded := base
		succeeded.Daemons = []Daemon{{PID: 77, Name: "gpg-agent"}, {PID: 78, Name: `we"ird\name`}}
		succeeded.State, succeeded.FinishedAt, succeeded.ExitCode, succeeded.BootEnd = Succeeded, &end, &zero, base.BootStart
		succeeded.Reason, succeeded.Source = "child exited with 0", "exit-code"
		failed := succeeded
		failed.State, failed.ExitCode, failed.Failure, failed.Verify = Failed, &fail, "exit-code", `test -f "/etc/done"`
		rebooting := base
		rebooting.State, rebooting.ExpectReboot, rebooting.ShutdownConfirmed, rebooting.Source = Rebooting, true, true, "signal:SIGTERM"
		required := succeeded
		required.State, required.PendingIntroduced, required.ExitCode = RebootRequired, []string{"reboot-required", "needs-restarting"}, &neg
		marked := Record{Schema: Schema, Job: base.Job, State: Succeeded, FinishedAt: &end, Source: "mark", Reason: "marked by setupcomplete.cmd"}
		out = append(out, &running, &succeeded, &failed, &rebooting, &required, &marked)
	}
	return out
}

// upwrapRecords all read back as written, in the indented form upwrap
// writes and compacted, as another tool might rewrite them.
func TestParseUpwrapRecords(t *testing.T) {
	for _, r := range upwrapRecords() {
		b, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, b); err != nil {
			t.Fatal(err)
		}
		for _, in := range [][]byte{b, c.Bytes()} {
			got, err := Parse(in)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, in)
			}
			if diff := cmp.Diff(r, got); diff != "" {
				t.Errorf("record mismatch (-written +read):\n%s\n%s", diff, in)
			}
		}
	}
}

const corrupt, newer = "corrupt", "newer schema"

// parseCases pin what Parse makes of the shapes a record can take: escapes,
// nulls where a value is expected, numbers that are not plain integers,
// broken JSON, failing checks, a newer schema whose keys do not fit this one.
var parseCases = []struct {
	want string
	in   string
}{
	{"ok", `{"schema":1,"job":"j","state":"succeeded"}`},
	{"ok", ` {"schema":1,"job":"j","state":"succeeded"} ` + "\n"},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","argv":null,"exit_code":null,"started_at":null,"pending_introduced":[]}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","future_key":{"a":[1,2]}}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","Job":"x"}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","reason":"caf\u00e9"}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","reason":"tab\tand\\back\/slash \"q\""}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","reason":"` + "raw\x01control" + `"}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","reason":"` + "bad\xffutf8" + `"}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","reason":"` + "\xed\xa0\x80surrogate" + `"}`},
	{corrupt, `{"schema":null,"job":"j","state":"succeeded"}`},
	{newer, `{"schema":2,"job":"j","state":"succeeded"}`},
	{corrupt, `{"schema":0,"job":"j","state":"succeeded"}`},
	{corrupt, `{"schema":1.0,"job":"j","state":"succeeded"}`},
	{corrupt, `{"schema":1e0,"job":"j","state":"succeeded"}`},
	{corrupt, `{"schema":01,"job":"j","state":"succeeded"}`},
	{corrupt, `{"schema":-0,"job":"j","state":"succeeded"}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","attempts":-0}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","attempts":99999999999999999999}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","attempts":null}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","attempts":-1}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","exit_code":-9223372036854775808}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","exit_code":"0"}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","expect_reboot":null}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","expect_reboot":true,"shutdown_confirmed":false}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","expect_reboot":truex}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","started_at":"2026-05-01T12:00:00Z"}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","started_at":"2026-05-01T12:00:00+02:00"}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","started_at":"2026-05-01 12:00:00"}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","started_at":"2026-05-01T12:00:00\/Z"}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","started_at":12}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","argv":["a",1]}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","argv":["a",]}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","argv":[]}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","argv":"a"}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","argv_sha256":"ABC"}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","argv_sha256":"` + strings.Repeat("a", 64) + `"}`},
	{corrupt, `{"schema":1,"job":"J","state":"succeeded"}`},
	{corrupt, `{"schema":1,"job":"con","state":"succeeded"}`},
	{corrupt, `{"schema":1,"job":"","state":"succeeded"}`},
	{corrupt, `{"schema":1,"job":null,"state":"succeeded"}`},
	{corrupt, `{"schema":1,"job":"j","state":"done"}`},
	{corrupt, `{"schema":1,"job":"j"}`},
	{corrupt, `{"job":"j","state":"succeeded"}`},
	{corrupt, `{"schema":1,"job":"j","job":"j","state":"succeeded"}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded"}{}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded"} x`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded",}`},
	{corrupt, `{"schema":1 "job":"j","state":"succeeded"}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded"`},
	{corrupt, `{}`},
	{corrupt, `[]`},
	{corrupt, `null`},
	{corrupt, ``},
	{corrupt, "\xef\xbb\xbf" + `{"schema":1,"job":"j","state":"succeeded"}`},
	{newer, `{"schema":2,"job":"j","state":"succeeded","attempts":"three"}`},
	{newer, `{"attempts":"three","schema":2,"job":"j","state":"succeeded"}`},
	{newer, `{"started_at":12,"schema":3,"job":"J","state":"done"}`},
	{corrupt, `{"attempts":"three","schema":1,"job":"j","state":"succeeded"}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","daemons":[{"pid":"x"}]}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","x":1,"x":2}`},
	{corrupt, `{"schema":1,"job":"j","state":"succeeded","x":1,"\u0078":2}`},
	{"ok", `{"schema":1,"job":"j","state":"succeeded","daemons":[],"child":null}`},
}

func TestParseCases(t *testing.T) {
	for _, tt := range parseCases {
		r, err := Parse([]byte(tt.in))
		got := "ok"
		switch {
		case errors.Is(err, ErrNewerSchema):
			got = newer
		case errors.Is(err, ErrCorrupt):
			got = corrupt
		case err != nil:
			got = "unexpected: " + err.Error()
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %s (%v), want %s", tt.in, got, err, tt.want)
		}
		if (r == nil) == (err == nil) {
			t.Errorf("Parse(%q) returned record %v with error %v", tt.in, r, err)
		}
	}
}

// Keys match exactly: "Job" is not "job" but a key this version does not
// know, kept as it is.
func TestParseKeysAreCaseSensitive(t *testing.T) {
	r, err := Parse([]byte(`{"Job":"x","schema":1,"job":"j","STATE":"done","state":"succeeded"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]json.RawMessage{"Job": json.RawMessage(`"x"`), "STATE": json.RawMessage(`"done"`)}
	if r.Job != "j" || r.State != Succeeded {
		t.Errorf("job %q state %q, want j succeeded", r.Job, r.State)
	}
	if diff := cmp.Diff(want, r.Extra); diff != "" {
		t.Errorf("Extra mismatch (-want +got):\n%s", diff)
	}
}

// docs/design.md §6 names every key of the record: the keys the tags of
// Record declare are the API it documents.
func TestDesignNamesEveryKey(t *testing.T) {
	b, err := os.ReadFile("../docs/design.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n## 6. The record\n")
	if !ok {
		t.Fatal(`docs/design.md has no "## 6. The record" section`)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	for key := range recordKeys {
		if !strings.Contains(sec, "`"+key+"`") {
			t.Errorf("docs/design.md §6 does not name the record key %q", key)
		}
	}
	if len(recordKeys) == 0 {
		t.Error("Record declares no keys")
	}
}
