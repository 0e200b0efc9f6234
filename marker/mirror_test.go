package marker

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMirrorValues: what a registry detection rule can read for a record.
func TestMirrorValues(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	code := int64(-1047527167) // 0xC1900101, Windows Setup's rollback
	r := &Record{Schema: 1, Job: "win11", State: Failed, Attempts: 2, StartedAt: &start, ExitCode: &code,
		Reason: "child exited", Source: "exit-code", Failure: "exit-code", BootStart: "windows:t=1", Version: "v1"}
	enc, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got := mirrorValues(r, enc)
	want := []mirrorValue{
		{name: "State", str: "failed"},
		{name: "Reason", str: "child exited"},
		{name: "Source", str: "exit-code"},
		{name: "Failure", str: "exit-code"},
		{name: "ExitCode", num: 0xC1900101, isNum: true},
		{name: "Attempts", num: 2, isNum: true},
		{name: "StartedAt", str: "2026-01-02T03:04:05Z"},
		{name: "FinishedAt", str: ""},
		{name: "BootStart", str: "windows:t=1"},
		{name: "BootEnd", str: ""},
		{name: "Version", str: "v1"},
	}
	if diff := cmp.Diff(want, got[:len(got)-1], cmp.AllowUnexported(mirrorValue{})); diff != "" {
		t.Errorf("mirror values mismatch (-want +got):\n%s", diff)
	}
	last := got[len(got)-1]
	back, err := Parse([]byte(last.str))
	if last.name != "Record" || err != nil || back.State != Failed {
		t.Errorf("Record value %q does not parse back: %v", last.str, err)
	}
	r.ExitCode = nil
	if v := mirrorValues(r, enc)[4]; !v.absent {
		t.Errorf("ExitCode of a record without one = %+v, want absent", v)
	}
}
