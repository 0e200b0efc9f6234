package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"

	"github.com/upwrap/upwrap/marker"
	"github.com/upwrap/upwrap/wrap"
)

// TestExitCodesAreStable pins every code of both profiles: callers enter
// them in their agents' return-code tables, so they never change. It
// iterates over exitTable, so a new kind must be pinned here too.
func TestExitCodesAreStable(t *testing.T) {
	want := map[string][2]int{ // name: {msi, posix}
		"success": {0, 0}, "reboot-required": {3010, 110}, "restarting": {1641, 111}, "busy": {1618, 112},
		"child-failed": {27001, 113}, "usage": {27002, 125}, "state-dir": {27003, 114}, "untrusted": {27004, 115},
		"corrupt": {27005, 116}, "conflict": {27006, 117}, "interrupted": {27007, 118}, "cancelled": {27008, 119},
		"gave-up": {27009, 120}, "timeout": {27010, 124}, "not-found": {27011, 127}, "cannot-execute": {27012, 126},
		"verify-failed": {27013, 121}, "no-job": {27014, 122}, "marked-failed": {27015, 123}, "internal": {27016, 125},
	}
	got := map[string][2]int{}
	for k := range numKinds {
		got[k.String()] = [2]int{k.code(profileMSI), k.code(profilePOSIX)}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exit codes changed (-want +got):\n%s", diff)
	}
}

// TestExitTableRows: every row of the table is complete, and no two kinds
// share a code — except usage and internal in posix, 125 ("upwrap's own
// error", docs/design.md §7).
func TestExitTableRows(t *testing.T) {
	seen := map[profile]map[int]exitKind{profileMSI: {}, profilePOSIX: {}}
	for k := range numKinds {
		r := k.row()
		if r.name == "" || r.doc == "" {
			t.Errorf("kind %d: name %q, doc %q: every kind needs both", k, r.name, r.doc)
		}
		if r.posix > 127 {
			t.Errorf("%s: posix code %d does not fit the posix range", k, r.posix)
		}
		if k != kindSuccess && k != kindNoJob && r.severity == 0 {
			t.Errorf("%s: severity 0 ranks it with success", k)
		}
		for p, codes := range seen {
			c := k.code(p)
			if other, ok := codes[c]; ok && !(p == profilePOSIX && c == 125) {
				t.Errorf("%s: %s code %d is also %s's", k, p, c, other)
			}
			codes[c] = k
		}
	}
	if got := exitKind(numKinds).code(profileMSI); got != kindInternal.code(profileMSI) {
		t.Errorf("a kind outside the table has code %d, want internal's", got)
	}
}

// TestEveryOutcomeHasAKind: every outcome wrap can return (up to the first
// whose name is "unknown", so a new outcome is checked too) maps to a kind
// of its own, with the summary line's words; only BadRecord takes its
// error's kind.
func TestEveryOutcomeHasAKind(t *testing.T) {
	seen := map[exitKind]wrap.Outcome{}
	n := 0
	for o := wrap.Outcome(0); o.String() != "unknown"; o++ {
		n++
		k := outcomeKind(o)
		if o == wrap.BadRecord {
			if k != kindInternal {
				t.Errorf("BadRecord has kind %s; its error decides", k)
			}
			continue
		}
		if k == kindInternal {
			t.Errorf("outcome %v has no kind (it would exit as an internal error)", o)
			continue
		}
		if prev, ok := seen[k]; ok {
			t.Errorf("outcomes %v and %v share the kind %s", prev, o, k)
		}
		seen[k] = o
		if k != kindChildFailed && k.row().summary == "" {
			t.Errorf("outcome %v (%s) has no words for the summary line", o, k)
		}
	}
	if n < int(wrap.BadRecord)+1 {
		t.Errorf("walked %d outcomes, want at least %d", n, int(wrap.BadRecord)+1)
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
		{profileMSI, 5, 27001},   // a success code of this job
		{profilePOSIX, 5, 113},   // the same in posix
		{profilePOSIX, 125, 113}, // upwrap's own usage code
		{profilePOSIX, 127, 113}, // not found
	}
	for _, tt := range tests {
		got := exitCodeForResult(tt.p, &wrap.Result{Outcome: wrap.ChildFailed, ExitCode: tt.code}, []int64{0, 5})
		if got != tt.want {
			t.Errorf("%s: child code %d -> %d, want %d", tt.p, tt.code, got, tt.want)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	tests := []struct {
		err  error
		want exitKind
	}{
		{usageError{"x"}, kindUsage},
		{fmt.Errorf("a: %w", wrap.ErrUsage), kindUsage},
		{fmt.Errorf("a: %w", marker.ErrInvalidID), kindUsage},
		{fmt.Errorf("a: %w", marker.ErrTooLarge), kindUsage},
		{fmt.Errorf("a: %w", marker.ErrUntrusted), kindUntrusted},
		{fmt.Errorf("a: %w", marker.ErrCorrupt), kindCorrupt},
		{fmt.Errorf("a: %w", marker.ErrNewerSchema), kindCorrupt},
		{fmt.Errorf("a: %w", marker.ErrNotFound), kindNoJob},
		{fmt.Errorf("a: %w: %w", marker.ErrStateDir, os.ErrPermission), kindStateDir},
		{errors.New("boot identity: no /proc"), kindInternal},
	}
	for _, tt := range tests {
		if got := errorKind(tt.err); got != tt.want {
			t.Errorf("%v -> %s, want %s", tt.err, got, tt.want)
		}
	}
}

// TestREADMEDocumentsEveryCode checks the README's exit-code table against
// exitTable: one row per kind, in the table's order, with its two codes.
func TestREADMEDocumentsEveryCode(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| [^|]+ \| (\d+) \| (\d+) \|$`)
	var documented [][2]int
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		msi, _ := strconv.Atoi(m[1])
		posix, _ := strconv.Atoi(m[2])
		documented = append(documented, [2]int{msi, posix})
	}
	var want [][2]int
	for k := range numKinds {
		want = append(want, [2]int{k.code(profileMSI), k.code(profilePOSIX)})
	}
	if diff := cmp.Diff(want, documented); diff != "" {
		t.Errorf("README's exit-code table (msi, posix per row) is not exitTable (-code +README):\n%s", diff)
	}
	if !strings.Contains(string(b), "go test ./...") {
		t.Errorf("README lost its test command")
	}
}

// TestFlagErrorsInChosenProfile: a flag's own check fails after --exit-codes
// was read (the commands' Before hook), so its usage error has the code of
// the chosen profile. In process: this OS refuses msi for its 8-bit exit
// status, which a call of run does not go through.
func TestFlagErrorsInChosenProfile(t *testing.T) {
	narrow := narrowExitStatus
	narrowExitStatus = false
	defer func() { narrowExitStatus = narrow }()
	for _, args := range [][]string{
		{"run", "--max-attempts", "0", "--exit-codes", "msi", "--", "true"},
		{"run", "--job", "", "--exit-codes", "msi", "--", "true"},
		{"status", "--verify-timeout", "0", "--exit-codes", "msi", "--job", "j"},
		{"mark", "--textfile", "/nonexistent", "--exit-codes", "msi", "--job", "j", "--state", "failed"},
	} {
		var stderr strings.Builder
		code := run("dev", append([]string{"upwrap"}, args...), strings.NewReader(""), io.Discard, &stderr)
		if want := kindUsage.code(profileMSI); code != want {
			t.Errorf("%q: exit %d, want msi's usage code %d; stderr:\n%s", args, code, want, stderr.String())
		}
	}
}

// TestUndefinedFlagIsInternal: code that reads a flag its command does not
// define (a typo: urfave/cli answers "") makes the command line fail with
// the internal error's code, not succeed.
func TestUndefinedFlagIsInternal(t *testing.T) {
	var stderr strings.Builder
	c := &cliState{version: "dev", stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, profile: profilePOSIX}
	app := newApp(c)
	app.Commands = append(app.Commands, &cli.Command{Name: "typo", Action: func(ctx *cli.Context) error {
		ctx.String("jbo")
		return nil
	}})
	if code := c.finish(app.Run([]string{"upwrap", "typo"})); code != kindInternal.code(profilePOSIX) {
		t.Errorf("exit %d, want the internal error's %d", code, kindInternal.code(profilePOSIX))
	}
	if want := "upwrap: error: upwrap read the flag --jbo, which the command does not define (a bug in upwrap)\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

// TestREADMEAgentReturnCodes checks the README's return-code table for
// Configuration Manager and Intune against exitTable: the agents' own codes
// are upwrap's msi codes of the same meaning, the failure block is exactly
// the range of upwrap's own msi codes, and each code the row names has the
// kind it names.
func TestREADMEAgentReturnCodes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, row := range []struct {
		kind exitKind
		typ  string
	}{
		{kindSuccess, "Success / Success"},
		{kindRebootRequired, "Soft Reboot / Soft reboot"},
		{kindRestarting, "Hard Reboot / Hard reboot"},
		{kindBusy, "Fast Retry / Retry"},
	} {
		if want := fmt.Sprintf("   | %d | %s |", row.kind.code(profileMSI), row.typ); !strings.Contains(readme, want) {
			t.Errorf("README's return codes lack the row %q (%s)", want, row.kind)
		}
	}
	lo, hi := 1<<31, 0
	for k := range numKinds {
		if c := k.code(profileMSI); c >= 27000 {
			lo, hi = min(lo, c), max(hi, c)
		}
	}
	m := regexp.MustCompile(`(?m)^   \| (\d+)–(\d+) \| Failure / Failed \| upwrap's own outcomes [^|]*: ([^|]*) \|$`).FindStringSubmatch(readme)
	if m == nil {
		t.Fatal("README's return codes lack the row of upwrap's own outcomes")
	}
	if got := m[1] + "–" + m[2]; got != fmt.Sprintf("%d–%d", lo, hi) {
		t.Errorf("README's block of upwrap's own codes is %s, the table's %d–%d", got, lo, hi)
	}
	byName := map[string]exitKind{}
	for k := range numKinds {
		byName[strings.ReplaceAll(k.String(), "-", " ")] = k
	}
	for _, named := range strings.Split(m[3], ", ") {
		code, words, _ := strings.Cut(named, " ")
		words, _, _ = strings.Cut(words, " after") // "verify failed after the restart"
		words, _, _ = strings.Cut(words, " (")     // "marked failed (rolled back)"
		k, ok := byName[words]
		switch {
		case !ok:
			t.Errorf("README names %q: the table has no kind %q", named, words)
		case strconv.Itoa(k.code(profileMSI)) != code:
			t.Errorf("README names %q: the table's %s is %d", named, k, k.code(profileMSI))
		}
	}
}
