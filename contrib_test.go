package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The shipped templates under contrib/ hold upwrap command lines that run
// on machines where nobody can fix a typo in time. These tests take each
// command line out of its template and run it through the real binary, so a
// renamed flag or value breaks the build, not an upgrade.

// cmdTemplate reads a .cmd template: its `set "NAME=value"` lines and its
// upwrap command line, variables expanded, split per the Windows rules for
// double quotes.
func cmdTemplate(t *testing.T, path string) (vars map[string]string, argv []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vars = map[string]string{"ProgramFiles": `C:\Program Files`, "ProgramData": `C:\ProgramData`}
	set := regexp.MustCompile(`^set "([A-Za-z_]+)=(.*)"$`)
	expand := func(s string) string {
		return regexp.MustCompile(`%([A-Za-z_]+)%`).ReplaceAllStringFunc(s, func(m string) string {
			if v, ok := vars[strings.Trim(m, "%")]; ok {
				return v
			}
			t.Fatalf("%s: %s is not set", path, m)
			return ""
		})
	}
	for _, line := range strings.Split(string(b), "\r\n") {
		if m := set.FindStringSubmatch(line); m != nil {
			vars[m[1]] = expand(m[2])
		}
		if strings.HasPrefix(line, `"%UPWRAP%" `) {
			argv = splitWindows(expand(line))
		}
	}
	if strings.Contains(string(b), "\n") && strings.Count(string(b), "\r\n") != strings.Count(string(b), "\n") {
		t.Errorf("%s: a .cmd file must have CRLF line ends throughout", path)
	}
	if argv == nil {
		t.Fatalf("%s: no upwrap command line", path)
	}
	return vars, argv
}

// splitWindows splits a command line at spaces outside double quotes and
// drops the quotes (enough for the templates' lines).
func splitWindows(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, have := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, have = !inQuote, true
		case r == ' ' && !inQuote:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

// replaceFlag sets the value of --name in argv.
func replaceFlag(t *testing.T, argv []string, name, value string) []string {
	t.Helper()
	for i := range argv[:len(argv)-1] {
		if argv[i] == "--"+name {
			out := append([]string(nil), argv...)
			out[i+1] = value
			return out
		}
	}
	t.Fatalf("%v has no --%s", argv, name)
	return nil
}

// TestSetupScripts: the /PostOOBE and /PostRollback templates record the
// upgrade's verdict after the restart, and detection reads it.
func TestSetupScripts(t *testing.T) {
	requireUnshare(t)
	for _, tc := range []struct {
		script    string
		state     string
		installed bool
	}{
		{"setupcomplete.cmd", "succeeded", true},
		{"setuprollback.cmd", "failed", false},
	} {
		t.Run(tc.script, func(t *testing.T) {
			vars, argv := cmdTemplate(t, filepath.Join("contrib", "windows", tc.script))
			if got := filepath.Base(strings.ReplaceAll(argv[0], `\`, "/")); got != "upwrap.exe" {
				t.Errorf("the script runs %q, want upwrap.exe", argv[0])
			}
			if vars["UPWRAP_STATE_DIR"] != `C:\ProgramData\upwrap` {
				t.Errorf("state directory %q; want upwrap's default on Windows", vars["UPWRAP_STATE_DIR"])
			}
			job := vars["UPWRAP_JOB"]
			state := filepath.Join(t.TempDir(), "state")
			// The upgrade started the restart (Setup exits 1641-like), in
			// the old boot, with the --await-mark of setupcomplete.cmd's
			// command line...
			await := awaitMarkOfTemplate(t)
			r := upwrap(t, invocation{args: []string{"run", "--state-dir", state, "--job", job, "--expect-reboot", "--await-mark", await, "--restart-codes", "9", "--", "sh", "-c", "exit 9"}, boot: "old-os"})
			if r.code != posixRestarting {
				t.Fatalf("run: %+v", r)
			}
			// ...after the restart, until Setup's script has run, the job
			// answers busy and detection does not report it installed...
			r = upwrap(t, invocation{args: []string{"status", "--state-dir", state, "--job", job}, boot: "new-os", uptime: "300"})
			if r.code != posixBusy {
				t.Errorf("status before %s: %+v; want busy", tc.script, r)
			}
			r = upwrap(t, invocation{args: []string{"status", "--state-dir", state, "--job", job, "--detection"}, boot: "new-os", uptime: "300"})
			if r.code != 0 || r.stdout != "" {
				t.Errorf("detection before %s: %+v; want not installed", tc.script, r)
			}
			// ...and the script runs in the new one.
			r = upwrap(t, invocation{args: replaceFlag(t, argv[1:], "state-dir", state), boot: "new-os", uptime: "400"})
			if r.code != 0 || r.stdout != "" {
				t.Fatalf("%s: %+v", tc.script, r)
			}
			if got := recordedState(t, filepath.Join(state, job+".json")); got != tc.state {
				t.Errorf("recorded %q, want %q", got, tc.state)
			}
			r = upwrap(t, invocation{args: []string{"status", "--state-dir", state, "--job", job, "--detection"}, boot: "new-os", uptime: "500"})
			want := result{}
			if tc.installed {
				want.stdout = "upwrap: " + job + " succeeded\n"
			}
			if diff := cmp.Diff(want, r, cmp.AllowUnexported(result{})); diff != "" {
				t.Errorf("detection after %s (-want +got):\n%s", tc.script, diff)
			}
		})
	}
}

// awaitMarkOfTemplate returns the --await-mark value of the command line
// that setupcomplete.cmd documents.
func awaitMarkOfTemplate(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("contrib", "windows", "setupcomplete.cmd"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^rem +upwrap\.exe run .*--await-mark (\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("setupcomplete.cmd: the documented run command line has no --await-mark")
	}
	return string(m[1])
}

// TestDetectionScript: the PowerShell detection template calls
// status --detection for its job and passes the exit code on.
func TestDetectionScript(t *testing.T) {
	requirePOSIX(t)
	b, err := os.ReadFile(filepath.Join("contrib", "windows", "detect.ps1"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	job := regexp.MustCompile(`(?m)^\$job = '([^']+)'\r$`).FindStringSubmatch(s)
	call := regexp.MustCompile(`(?m)^& \$upwrap (.*)\r$`).FindStringSubmatch(s)
	if job == nil || call == nil || !strings.Contains(s, "\r\nexit $LASTEXITCODE\r\n") {
		t.Fatalf("detect.ps1: want $job = '...', & $upwrap ..., exit $LASTEXITCODE; got\n%s", s)
	}
	// The guard: without upwrap.exe the script says so and exits non-zero
	// (never 0, which Configuration Manager reads as Unknown).
	guard := regexp.MustCompile(`(?s)if \(-not \(Test-Path -LiteralPath \$upwrap -PathType Leaf\)\) \{\r\n[^}]*"upwrap: error: [^"]*missing[^"]*"[^}]*\r\n    exit 1\r\n\}`).FindStringIndex(s)
	if guard == nil || guard[0] > strings.Index(s, "& $upwrap ") {
		t.Errorf("detect.ps1: want a guard before the call: if upwrap.exe is missing, an upwrap: error: line and exit 1")
	}
	args := strings.Fields(strings.ReplaceAll(call[1], "$job", job[1]))
	state := filepath.Join(t.TempDir(), "state")
	upwrap(t, invocation{args: []string{"run", "--state-dir", state, "--job", job[1], "--", "true"}})
	r := upwrap(t, invocation{args: args, env: []string{"UPWRAP_STATE_DIR=" + state}})
	if diff := cmp.Diff(result{stdout: "upwrap: " + job[1] + " succeeded\n"}, r, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("detect.ps1's command (-want +got):\n%s", diff)
	}
}

// TestBootTimeResumeTemplates: the Task Scheduler task runs upwrap resume
// --all as SYSTEM at boot; the systemd unit runs the same; both command
// lines finalize a job whose restart happened.
func TestBootTimeResumeTemplates(t *testing.T) {
	requireUnshare(t)
	b, err := os.ReadFile(filepath.Join("contrib", "windows", "upwrap-resume.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var task struct {
		XMLName  xml.Name `xml:"http://schemas.microsoft.com/windows/2004/02/mit/task Task"`
		Triggers struct {
			Boot *struct{ Enabled string } `xml:"BootTrigger"`
		}
		Principals struct {
			Principal struct {
				ID       string `xml:"id,attr"`
				UserID   string `xml:"UserId"`
				RunLevel string
			}
		}
		Settings struct {
			MultipleInstancesPolicy, ExecutionTimeLimit, Enabled string
		}
		Actions struct {
			Context string `xml:",attr"`
			Exec    struct{ Command, Arguments string }
		}
	}
	if err := xml.Unmarshal(b, &task); err != nil {
		t.Fatalf("upwrap-resume.xml: %v", err)
	}
	if task.Triggers.Boot == nil || task.Triggers.Boot.Enabled != "true" {
		t.Error("the task must have an enabled boot trigger")
	}
	p := task.Principals.Principal
	if p.UserID != "S-1-5-18" || p.RunLevel != "HighestAvailable" || task.Actions.Context != p.ID {
		t.Errorf("the task must run as SYSTEM (S-1-5-18), highest privileges: %+v, actions context %q", p, task.Actions.Context)
	}
	if task.Settings.Enabled != "true" || task.Settings.MultipleInstancesPolicy != "IgnoreNew" || task.Settings.ExecutionTimeLimit == "" {
		t.Errorf("settings: %+v", task.Settings)
	}
	if !strings.HasSuffix(task.Actions.Exec.Command, `\upwrap\upwrap.exe`) {
		t.Errorf("task command %q", task.Actions.Exec.Command)
	}

	unit, err := os.ReadFile(filepath.Join("contrib", "systemd", "upwrap-resume.service"))
	if err != nil {
		t.Fatal(err)
	}
	exec := regexp.MustCompile(`(?m)^ExecStart=(\S+) (.*)$`).FindStringSubmatch(string(unit))
	if exec == nil || filepath.Base(exec[1]) != "upwrap" {
		t.Fatalf("the unit's ExecStart must run upwrap: %q", exec)
	}

	for name, args := range map[string]string{"task": task.Actions.Exec.Arguments, "unit": exec[2]} {
		state := filepath.Join(t.TempDir(), "state")
		upwrap(t, invocation{args: []string{"run", "--state-dir", state, "--job", "up", "--reboot-codes", "7", "--", "sh", "-c", "exit 7"}, boot: "before"})
		r := upwrap(t, invocation{args: strings.Fields(args), env: []string{"UPWRAP_STATE_DIR=" + state}, boot: "after"})
		if r.code != 0 || !strings.Contains(r.stderr, "upwrap: up: succeeded") {
			t.Errorf("%s: %q after a restart: %+v", name, args, r)
		}
		if got := recordedState(t, filepath.Join(state, "up.json")); got != "succeeded" {
			t.Errorf("%s: recorded %q after resume, want succeeded", name, got)
		}
	}
}

// TestSystemdUnits: both units run the packaged /usr/bin/upwrap; the
// upgrade unit's command line parses, and its SuccessExitStatus= are
// exactly the posix profile's "reboot required" and "restart in progress"
// codes, so systemd marks a finished upgrade that needs a restart as
// success, and every other failure as failure.
func TestSystemdUnits(t *testing.T) {
	requirePOSIX(t)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("contrib", "systemd", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	execStart := regexp.MustCompile(`(?m)^ExecStart=(\S+) (.*)$`)
	for _, name := range []string{"upwrap-resume.service", "upwrap-upgrade.service"} {
		if m := execStart.FindStringSubmatch(read(name)); m == nil || m[1] != "/usr/bin/upwrap" {
			t.Errorf("%s: ExecStart must run /usr/bin/upwrap (the packages' path): %q", name, m)
		}
	}
	unit := read("upwrap-upgrade.service")
	want := fmt.Sprintf("SuccessExitStatus=%d %d", posixRebootRequired, posixRestarting)
	if !regexp.MustCompile(`(?m)^` + want + `$`).MatchString(unit) {
		t.Errorf("upwrap-upgrade.service: want the line %q", want)
	}
	// The command line, with a stand-in upgrade that needs a restart.
	args := strings.Fields(execStart.FindStringSubmatch(unit)[2])
	i := slices.Index(args, "--")
	if i < 0 || !slices.Contains(args[:i], "--expect-reboot") {
		t.Fatalf("upwrap-upgrade.service: want upwrap run --expect-reboot ... -- COMMAND, got %q", args)
	}
	state := filepath.Join(t.TempDir(), "state")
	argv := append(append([]string{}, args[:i]...), "--state-dir", state, "--reboot-codes", "7", "--", "sh", "-c", "exit 7")
	r := upwrap(t, invocation{args: argv})
	if r.code != posixRebootRequired {
		t.Errorf("the unit's command line with an upgrade that needs a restart exited %d, want %d: %+v", r.code, posixRebootRequired, r)
	}
}

// The posix exit codes the templates rely on (README.md, "Exit codes";
// internal/cli pins them all).
const (
	posixRebootRequired = 110
	posixRestarting     = 111
	posixBusy           = 112
)
