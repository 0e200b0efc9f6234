package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The Intune Remediations pair and the Configuration Manager configuration
// item script (contrib/windows) run on devices where PowerShell runs them;
// pwsh is not in Debian. These tests hold each script to its contract
// without PowerShell: its upwrap command lines, taken out of the script, run
// through upwrap itself in every case the script tells apart, and the exit
// codes the scripts compare with are upwrap's.

// psScript is a PowerShell template: its $job and its upwrap command lines.
type psScript struct {
	text  string
	job   string
	calls [][]string
}

var psCall = regexp.MustCompile(`(?m)^(?:\$[a-z]+ = )?& \$upwrap (.*?)(?: 2>(?:\$null|&1))?(?: \|.*)?\r$`)

func readPS(t *testing.T, name string) psScript {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "contrib", "windows", name))
	if err != nil {
		t.Fatal(err)
	}
	s := psScript{text: string(b)}
	if strings.Count(s.text, "\n") != strings.Count(s.text, "\r\n") {
		t.Errorf("%s: a PowerShell template must have CRLF line ends throughout", name)
	}
	m := regexp.MustCompile(`(?m)^\$job = '([^']+)'\r$`).FindStringSubmatch(s.text)
	if m == nil {
		t.Fatalf("%s: no $job = '...' line", name)
	}
	s.job = m[1]
	for _, c := range psCall.FindAllStringSubmatch(s.text, -1) {
		s.calls = append(s.calls, strings.Fields(strings.ReplaceAll(c[1], "$job", s.job)))
	}
	if len(s.calls) == 0 {
		t.Fatalf("%s: no & $upwrap ... line", name)
	}
	return s
}

// psNumbers returns the integers of a line "$name = N" or "$name = @(N, ...)".
func psNumbers(t *testing.T, s psScript, name string) []int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\$` + name + ` = (?:@\()?([0-9, ]+)\)?\r$`).FindStringSubmatch(s.text)
	if m == nil {
		t.Fatalf("no $%s line", name)
	}
	var out []int
	for _, f := range strings.Split(m[1], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// fleetStates makes a state directory with the template's job in the given
// case: succeeded, failed, none (no record) or corrupt.
func fleetStates(t *testing.T, job, state string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	switch state {
	case "succeeded":
		inProcess(t, dir, []string{"run", "--job", job, "--", "true"})
	case "failed":
		inProcess(t, dir, []string{"mark", "--job", job, "--state", "failed", "--reason", "rolled back"})
	case "corrupt":
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, job+".json"), []byte(`{"schema":1,"job":"`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// result is what one command line printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// inProcess runs upwrap's command line in this process, with stateDir as
// UPWRAP_STATE_DIR (for the full exit code: a process exit status on Linux
// keeps only 8 bits of the msi codes).
func inProcess(t *testing.T, stateDir string, args []string) result {
	t.Helper()
	t.Setenv("UPWRAP_STATE_DIR", stateDir)
	// The scripts run on Windows, where the msi profile is the default;
	// here it is refused for the process's 8-bit exit status, which this
	// in-process call does not go through.
	narrow := narrowExitStatus
	narrowExitStatus = false
	defer func() { narrowExitStatus = narrow }()
	var out, errb bytes.Buffer
	code := run("dev", append([]string{"upwrap"}, args...), strings.NewReader(""), &out, &errb)
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// jsonState is the "state" of the one JSON line of stdout; "" when there is
// no line.
func jsonState(t *testing.T, stdout string) string {
	t.Helper()
	if stdout == "" {
		return ""
	}
	var r struct{ State string }
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("want one JSON object on one line, got %q (%v)", stdout, err)
	}
	return r.State
}

// TestIntuneDetectionScript: --detection prints one line and exits 0 only
// for a succeeded job (the script then exits 0), prints nothing and exits 0
// for a job that failed or has no record (the script asks --json for the
// state line and exits 1), and exits non-zero when it cannot decide.
func TestIntuneDetectionScript(t *testing.T) {
	requirePOSIX(t)
	s := readPS(t, "intune-detect.ps1")
	if len(s.calls) != 2 || !strings.Contains(s.text, "\r\nexit 1\r\n") || !strings.Contains(s.text, "    exit 0\r\n") {
		t.Fatalf("intune-detect.ps1: want a --detection call, a --json call, exit 0 and exit 1; got %q", s.calls)
	}
	detection, status := s.calls[0], s.calls[1]
	type got struct {
		Detection     string
		DetectionCode int
		StatusState   string
	}
	for _, c := range []struct {
		state string
		want  got
	}{
		{"succeeded", got{"upwrap: " + s.job + " succeeded\n", 0, "succeeded"}},
		{"failed", got{"", 0, "failed"}},
		{"none", got{"", 0, ""}},
	} {
		dir := fleetStates(t, s.job, c.state)
		d := inProcess(t, dir, detection)
		g := got{d.stdout, d.code, jsonState(t, inProcess(t, dir, status).stdout)}
		if diff := cmp.Diff(c.want, g); diff != "" {
			t.Errorf("job %s: (-want +got):\n%s", c.state, diff)
		}
		if d.stderr != "" {
			t.Errorf("job %s: --detection wrote to stderr: %q", c.state, d.stderr)
		}
	}
	if d := inProcess(t, fleetStates(t, s.job, "corrupt"), detection); d.code == 0 || d.stdout != "" {
		t.Errorf("corrupt record: --detection exited %d with %q; want a non-zero exit and no line", d.code, d.stdout)
	}
}

// TestConfigMgrDiscoveryScript: the script prints the state of status
// --json's record, "none" when status exits with $noJob, "error" otherwise.
func TestConfigMgrDiscoveryScript(t *testing.T) {
	requirePOSIX(t)
	s := readPS(t, "configmgr-ci-discovery.ps1")
	if len(s.calls) != 1 {
		t.Fatalf("want one upwrap call, got %q", s.calls)
	}
	noJob := psNumbers(t, s, "noJob")
	if diff := cmp.Diff([]int{kindNoJob.code(profileMSI)}, noJob); diff != "" {
		t.Errorf("$noJob is not upwrap's msi no-job code (-upwrap +script):\n%s", diff)
	}
	for _, state := range []string{"succeeded", "failed", "none", "corrupt"} {
		r := inProcess(t, fleetStates(t, s.job, state), s.calls[0])
		word := jsonState(t, r.stdout)
		switch {
		case word != "":
		case r.code == noJob[0]:
			word = "none"
		default:
			word = "error"
		}
		want := map[string]string{"corrupt": "error"}[state]
		if want == "" {
			want = state
		}
		if word != want {
			t.Errorf("job %s: the script would print %q, want %q (stdout %q, exit %d)", state, word, want, r.stdout, r.code)
		}
	}
}

// TestIntuneRemediationScript: the script's upwrap run line runs the
// command once (a second remediation does not start it again), and the codes
// it takes as done are upwrap's msi codes for success, reboot required,
// restart in progress and busy.
func TestIntuneRemediationScript(t *testing.T) {
	requirePOSIX(t)
	s := readPS(t, "intune-remediate.ps1")
	if len(s.calls) != 1 || !strings.Contains(s.text, "\r\n$command = @(") {
		t.Fatalf("want one upwrap run line and a $command, got %q", s.calls)
	}
	var want []int
	for _, k := range []exitKind{kindSuccess, kindRebootRequired, kindRestarting, kindBusy} {
		want = append(want, k.code(profileMSI))
	}
	if diff := cmp.Diff(want, psNumbers(t, s, "okCodes")); diff != "" {
		t.Errorf("$okCodes (-upwrap +script):\n%s", diff)
	}
	call := s.calls[0]
	if call[len(call)-1] != "@command" {
		t.Fatalf("the run line must end with -- @command: %q", call)
	}
	work := t.TempDir()
	argv := append(call[:len(call)-1:len(call)-1], "sh", "-c", `echo x >>"$0"`, filepath.Join(work, "runs"))
	dir := filepath.Join(work, "state")
	for range 2 {
		if r := inProcess(t, dir, argv); r.code != 0 {
			t.Fatalf("%q: exit %d, %s", argv, r.code, r.stderr)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(work, "runs")); string(b) != "x\n" {
		t.Errorf("two remediations ran the command %d times, want once", strings.Count(string(b), "x"))
	}
}
