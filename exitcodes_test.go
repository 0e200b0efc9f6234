package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/marker"
	"github.com/upwrap/upwrap/wrap"
)

// TestExitCodesAreStable pins every code of both profiles: callers enter
// them in their agents' return-code tables, so they never change.
func TestExitCodesAreStable(t *testing.T) {
	want := map[profile]map[string]int{
		profileMSI: {
			"success": 0, "reboot-required": 3010, "restarting": 1641, "busy": 1618,
			"child-failed": 27001, "usage": 27002, "state-dir": 27003, "untrusted": 27004,
			"corrupt": 27005, "conflict": 27006, "interrupted": 27007, "cancelled": 27008,
			"gave-up": 27009, "timeout": 27010, "not-found": 27011, "cannot-execute": 27012,
			"verify-failed": 27013, "no-job": 27014, "marked-failed": 27015, "internal": 27016,
		},
		profilePOSIX: {
			"success": 0, "reboot-required": 110, "restarting": 111, "busy": 112,
			"child-failed": 113, "usage": 125, "state-dir": 114, "untrusted": 115,
			"corrupt": 116, "conflict": 117, "interrupted": 118, "cancelled": 119,
			"gave-up": 120, "timeout": 124, "not-found": 127, "cannot-execute": 126,
			"verify-failed": 121, "no-job": 122, "marked-failed": 123, "internal": 125,
		},
	}
	if diff := cmp.Diff(want, exitCodes); diff != "" {
		t.Errorf("exit codes changed (-want +got):\n%s", diff)
	}
	for code := range exitCodes[profilePOSIX] {
		if c := exitCodes[profilePOSIX][code]; c > 127 {
			t.Errorf("posix code %s = %d does not fit the posix range", code, c)
		}
	}
	for o := wrap.Succeeded; o <= wrap.MarkedFailed; o++ {
		if _, ok := outcomeKeys[o]; !ok {
			t.Errorf("outcome %v has no exit code", o)
		}
	}
}

func TestChildFailureCodes(t *testing.T) {
	tests := []struct {
		p    profile
		code int64
		want int
	}{
		{profilePOSIX, 1, 1},
		{profilePOSIX, 109, 109},
		{profilePOSIX, 110, 113},
		{profilePOSIX, 200, 113},
		{profilePOSIX, -1, 113},
		{profilePOSIX, 0, 113},
		{profileMSI, 1603, 1603},
		{profileMSI, 3010, 27001},
		{profileMSI, 1641, 27001},
		{profileMSI, 1618, 27001},
		{profileMSI, 1707, 27001},
		{profileMSI, 27005, 27001},
		{profileMSI, 0xC1900101, 0xC1900101},
		{profileMSI, 5, 27001}, // a success code of this job
	}
	for _, tt := range tests {
		got := exitCodeForResult(tt.p, &wrap.Result{Outcome: wrap.ChildFailed, ExitCode: tt.code}, []int64{0, 5})
		if tt.p == profilePOSIX && tt.code == 5 {
			continue
		}
		if got != tt.want {
			t.Errorf("%s: child code %d -> %d, want %d", tt.p, tt.code, got, tt.want)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{usageError{"x"}, "usage"},
		{fmt.Errorf("a: %w", wrap.ErrUsage), "usage"},
		{fmt.Errorf("a: %w", marker.ErrInvalidID), "usage"},
		{fmt.Errorf("a: %w", marker.ErrUntrusted), "untrusted"},
		{fmt.Errorf("a: %w", marker.ErrCorrupt), "corrupt"},
		{fmt.Errorf("a: %w", marker.ErrNewerSchema), "corrupt"},
		{fmt.Errorf("a: %w", marker.ErrNotFound), "no-job"},
		{fmt.Errorf("a: %w: %w", marker.ErrStateDir, os.ErrPermission), "state-dir"},
		{errors.New("boot identity: no /proc"), "internal"},
	}
	for _, p := range []profile{profileMSI, profilePOSIX} {
		for _, tt := range tests {
			if got, want := exitCodeForError(p, tt.err), exitCodes[p][tt.want]; got != want {
				t.Errorf("%s: %v -> %d, want %d (%s)", p, tt.err, got, want, tt.want)
			}
		}
	}
}

// TestREADMEDocumentsEveryCode checks the README's exit-code table against
// the code.
func TestREADMEDocumentsEveryCode(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| [^|]+ \| (\d+) \| (\d+) \|$`)
	documented := map[profile]map[int]bool{profileMSI: {}, profilePOSIX: {}}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		msi, _ := strconv.Atoi(m[1])
		posix, _ := strconv.Atoi(m[2])
		documented[profileMSI][msi] = true
		documented[profilePOSIX][posix] = true
	}
	for p, codes := range exitCodes {
		for name, c := range codes {
			if !documented[p][c] {
				t.Errorf("README does not document %s code %d (%s)", p, c, name)
			}
		}
	}
	if !strings.Contains(string(b), "go test ./...") {
		t.Errorf("README lost its test command")
	}
}
