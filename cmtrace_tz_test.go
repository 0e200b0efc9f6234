package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCMTraceOffsetInTimeZones runs the real binary under TZ=Asia/Kolkata
// and TZ=America/New_York and reads the bias of its CMTrace log lines: the
// sign Configuration Manager's own logs use, UTC = local + bias (India
// always -330; New York +300 in winter, +240 in summer).
func TestCMTraceOffsetInTimeZones(t *testing.T) {
	requirePOSIX(t)
	for _, zone := range []string{"Asia/Kolkata", "America/New_York"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Skipf("no time zone data for %s: %v", zone, err)
		}
		state := filepath.Join(t.TempDir(), "state")
		r := upwrap(t, invocation{args: []string{"run", "--state-dir", state, "--job", "tz", "--log-format", "cmtrace", "--", "true"}, env: []string{"TZ=" + zone}})
		if r.code != 0 {
			t.Fatalf("%s: %+v", zone, r)
		}
		b, err := os.ReadFile(filepath.Join(state, "tz.log"))
		if err != nil {
			t.Fatal(err)
		}
		_, off := time.Now().In(loc).Zone()
		want := fmt.Sprintf(`%+d" date="`, -off/60)
		if lines := strings.Count(string(b), "\r\n"); lines == 0 || strings.Count(string(b), want) != lines {
			t.Errorf("%s: want every line's time to end %s; log:\n%s", zone, want, b)
		}
	}
}
