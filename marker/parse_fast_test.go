package marker

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The fast decoder is a shortcut of Parse: these tests hold it to giving
// exactly what the strict decoder gives, and to being taken for the records
// upwrap writes (or it would be dead weight).

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

// The fast decoder knows every key of the schema (a key added to the record
// but not here would send every record to the slow decoder).
func TestParseFastKnowsEveryKey(t *testing.T) {
	var want []string
	wt := reflect.TypeOf(wire{})
	for i := range wt.NumField() {
		want = append(want, strings.Split(wt.Field(i).Tag.Get("json"), ",")[0])
	}
	var got []string
	for k := range fastKeys {
		got = append(got, k)
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fastKeys mismatch (-wire +fastKeys):\n%s", diff)
	}
}

func TestParseFastTakesUpwrapRecords(t *testing.T) {
	for _, r := range upwrapRecords() {
		b, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		fast, ok := parseFast(b)
		if !ok {
			t.Errorf("parseFast declined a record upwrap writes:\n%s", b)
			continue
		}
		strict, err := parseStrict(b)
		if err != nil {
			t.Fatalf("parseStrict: %v\n%s", err, b)
		}
		if diff := cmp.Diff(strict, fast); diff != "" {
			t.Errorf("parseFast mismatch (-strict +fast):\n%s\n%s", diff, b)
		}
		// And compact, as another tool might rewrite it.
		var c bytes.Buffer
		json.Compact(&c, b)
		if fast2, ok := parseFast(c.Bytes()); !ok || !cmp.Equal(strict, fast2) {
			t.Errorf("parseFast of the compact form: ok=%v, diff (-strict +fast):\n%s", ok, cmp.Diff(strict, fast2))
		}
	}
}

// parseCases are inputs the fast decoder must leave to the strict one
// (unknown keys, \u escapes, nulls where a value is required, numbers that
// are not plain integers, broken JSON, failing checks) or must read as the
// strict one does.
var parseCases = []string{
	`{"schema":1,"job":"j","state":"succeeded"}`,
	` {"schema":1,"job":"j","state":"succeeded"} ` + "\n",
	`{"schema":1,"job":"j","state":"succeeded","argv":null,"exit_code":null,"started_at":null,"pending_introduced":[]}`,
	`{"schema":1,"job":"j","state":"succeeded","future_key":{"a":[1,2]}}`,
	`{"schema":1,"job":"j","state":"succeeded","Job":"x"}`,
	`{"schema":1,"job":"j","state":"succeeded","reason":"caf\u00e9"}`,
	`{"schema":1,"job":"j","state":"succeeded","reason":"tab\tand\\back\/slash \"q\""}`,
	`{"schema":1,"job":"j","state":"succeeded","reason":"` + "raw\x01control" + `"}`,
	`{"schema":1,"job":"j","state":"succeeded","reason":"` + "bad\xffutf8" + `"}`,
	`{"schema":1,"job":"j","state":"succeeded","reason":"` + "\xed\xa0\x80surrogate" + `"}`,
	`{"schema":null,"job":"j","state":"succeeded"}`,
	`{"schema":2,"job":"j","state":"succeeded"}`,
	`{"schema":0,"job":"j","state":"succeeded"}`,
	`{"schema":1.0,"job":"j","state":"succeeded"}`,
	`{"schema":1e0,"job":"j","state":"succeeded"}`,
	`{"schema":01,"job":"j","state":"succeeded"}`,
	`{"schema":-0,"job":"j","state":"succeeded"}`,
	`{"schema":1,"job":"j","state":"succeeded","attempts":-0}`,
	`{"schema":1,"job":"j","state":"succeeded","attempts":99999999999999999999}`,
	`{"schema":1,"job":"j","state":"succeeded","attempts":null}`,
	`{"schema":1,"job":"j","state":"succeeded","attempts":-1}`,
	`{"schema":1,"job":"j","state":"succeeded","exit_code":-9223372036854775808}`,
	`{"schema":1,"job":"j","state":"succeeded","exit_code":"0"}`,
	`{"schema":1,"job":"j","state":"succeeded","expect_reboot":null}`,
	`{"schema":1,"job":"j","state":"succeeded","expect_reboot":true,"shutdown_confirmed":false}`,
	`{"schema":1,"job":"j","state":"succeeded","expect_reboot":truex}`,
	`{"schema":1,"job":"j","state":"succeeded","started_at":"2026-05-01T12:00:00Z"}`,
	`{"schema":1,"job":"j","state":"succeeded","started_at":"2026-05-01T12:00:00+02:00"}`,
	`{"schema":1,"job":"j","state":"succeeded","started_at":"2026-05-01 12:00:00"}`,
	`{"schema":1,"job":"j","state":"succeeded","started_at":"2026-05-01T12:00:00\/Z"}`,
	`{"schema":1,"job":"j","state":"succeeded","started_at":12}`,
	`{"schema":1,"job":"j","state":"succeeded","argv":["a",1]}`,
	`{"schema":1,"job":"j","state":"succeeded","argv":["a",]}`,
	`{"schema":1,"job":"j","state":"succeeded","argv":[]}`,
	`{"schema":1,"job":"j","state":"succeeded","argv":"a"}`,
	`{"schema":1,"job":"j","state":"succeeded","argv_sha256":"ABC"}`,
	`{"schema":1,"job":"j","state":"succeeded","argv_sha256":"` + strings.Repeat("a", 64) + `"}`,
	`{"schema":1,"job":"J","state":"succeeded"}`,
	`{"schema":1,"job":"con","state":"succeeded"}`,
	`{"schema":1,"job":"","state":"succeeded"}`,
	`{"schema":1,"job":null,"state":"succeeded"}`,
	`{"schema":1,"job":"j","state":"done"}`,
	`{"schema":1,"job":"j"}`,
	`{"job":"j","state":"succeeded"}`,
	`{"schema":1,"job":"j","job":"j","state":"succeeded"}`,
	`{"schema":1,"job":"j","state":"succeeded"}{}`,
	`{"schema":1,"job":"j","state":"succeeded"} x`,
	`{"schema":1,"job":"j","state":"succeeded",}`,
	`{"schema":1 "job":"j","state":"succeeded"}`,
	`{"schema":1,"job":"j","state":"succeeded"`,
	`{}`,
	`[]`,
	`null`,
	``,
	"\xef\xbb\xbf" + `{"schema":1,"job":"j","state":"succeeded"}`,
}

// TestParseAgreesWithStrict runs both decoders on every case: whatever the
// fast one accepts, the strict one accepts with an equal record, and Parse
// gives what the strict decoder gives.
func TestParseAgreesWithStrict(t *testing.T) {
	for _, in := range parseCases {
		t.Run("", func(t *testing.T) { checkFastAgrees(t, []byte(in)) })
	}
}

func checkFastAgrees(t *testing.T, b []byte) {
	t.Helper()
	strict, serr := parseStrict(b)
	if fast, ok := parseFast(b); ok {
		if serr != nil {
			t.Fatalf("parseFast accepted what parseStrict refuses (%v):\n%q", serr, b)
		}
		if diff := cmp.Diff(strict, fast); diff != "" {
			t.Fatalf("parseFast mismatch (-strict +fast) on %q:\n%s", b, diff)
		}
	}
	got, gerr := Parse(b)
	if len(b) <= MaxRecordSize && !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		// The strict decoder visits keys in map order, so with several bad
		// keys its message names any one of them: compare the kind.
		if (gerr == nil) != (serr == nil) || errors.Is(gerr, ErrCorrupt) != errors.Is(serr, ErrCorrupt) ||
			errors.Is(gerr, ErrNewerSchema) != errors.Is(serr, ErrNewerSchema) {
			t.Fatalf("Parse error %v, parseStrict error %v, on %q", gerr, serr, b)
		}
		if diff := cmp.Diff(strict, got); diff != "" {
			t.Fatalf("Parse mismatch (-strict +Parse) on %q:\n%s", b, diff)
		}
	}
}

// FuzzFastDecoderAgrees: for any input, the fast decoder either declines or
// returns exactly the strict decoder's record.
func FuzzFastDecoderAgrees(f *testing.F) {
	for _, in := range parseCases {
		f.Add([]byte(in))
	}
	for _, r := range upwrapRecords() {
		b, err := r.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkFastAgrees(t, b) })
}
