//go:build linux || darwin

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestErrorMessages runs every error path of the command line:
// each prints "upwrap: error: <what>" and, where it helps, one
// "upwrap: hint: <what to do>" line, nothing else on either stream, and
// exits with its documented code (posix profile). $S stands for the state
// directory, $T for the test's scratch directory.
func TestErrorMessages(t *testing.T) {
	const usageHint = "upwrap: hint: run 'upwrap help' or 'upwrap COMMAND --help' for usage"
	const dirHint = "upwrap: hint: give a usable directory with --state-dir (its parent must exist) or UPWRAP_STATE_DIR"
	const trustHint = "upwrap: hint: the state directory and its files must belong to the user running upwrap and be writable by no one else; check them, then fix the owner or mode yourself"
	const corruptHint = "upwrap: hint: upwrap will not guess and re-run the job; inspect the record, then 'upwrap clear --job ID' to forget it"

	tests := []struct {
		name string
		// setup prepares the scratch directory $T; the state directory $S
		// is $T/state, created 0700 unless setup says otherwise.
		setup func(t *testing.T, tmp, state string)
		args  []string
		code  int
		want  []string
	}{
		{name: "unknown command", args: []string{"frob"}, code: 125,
			want: []string{`upwrap: error: no command "frob"`, "upwrap: hint: run 'upwrap help' for the commands"}},
		{name: "unknown flag", args: []string{"run", "--frob", "--", "true"}, code: 125,
			want: []string{"upwrap: error: unknown flag --frob", usageHint}},
		{name: "mistyped command", args: []string{"stauts", "--job", "j"}, code: 125,
			want: []string{`upwrap: error: no command "stauts"`, "upwrap: hint: did you mean 'upwrap status'? ('upwrap help' lists the commands)"}},
		{name: "mistyped flag", args: []string{"run", "--jbo", "j", "--", "true"}, code: 125,
			want: []string{"upwrap: error: unknown flag --jbo", "upwrap: hint: did you mean --job? ('upwrap run --help' lists the flags)"}},
		{name: "mistyped global flag", args: []string{"--verison"}, code: 125,
			want: []string{"upwrap: error: unknown flag --verison", "upwrap: hint: did you mean --version? ('upwrap --help' lists the flags)"}},
		{name: "bad flag value", args: []string{"run", "--timeout", "soon", "--", "true"}, code: 125,
			want: []string{`upwrap: error: --timeout: invalid value "soon"`, usageHint}},
		{name: "bad integer", args: []string{"run", "--max-attempts", "x", "--", "true"}, code: 125,
			want: []string{`upwrap: error: --max-attempts: invalid value "x"`, usageHint}},
		{name: "bad exit-code profile", args: []string{"run", "--exit-codes", "dos", "--", "true"}, code: 125,
			want: []string{`upwrap: error: --exit-codes "dos": use msi or posix`, usageHint}},
		{name: "bad exit-code list", args: []string{"run", "--success-codes", "0,ok", "--", "true"}, code: 125,
			want: []string{`upwrap: error: --success-codes: "ok" is not an exit code; give comma-separated integers, or none`, usageHint}},
		{name: "max attempts below 1", args: []string{"run", "--max-attempts", "0", "--", "true"}, code: 125,
			want: []string{"upwrap: error: --max-attempts 0: give 1 or more", usageHint}},
		{name: "negative timeout", args: []string{"run", "--timeout", "-1s", "--", "true"}, code: 125,
			want: []string{"upwrap: error: --timeout must not be negative", usageHint}},
		{name: "no command", args: []string{"run", "--job", "j"}, code: 125,
			want: []string{"upwrap: error: no command given; put it after --, e.g. upwrap run -- setup.exe /quiet", usageHint}},
		{name: "empty command name", args: []string{"run", "--", ""}, code: 125,
			want: []string{"upwrap: error: the command name is empty", usageHint}},
		{name: "bad log format", args: []string{"run", "--log-format", "xml", "--", "true"}, code: 125,
			want: []string{`upwrap: error: --log-format "xml": use text, json or cmtrace`, usageHint}},
		{name: "job id with a separator", args: []string{"run", "--job", "../x", "--", "true"}, code: 125,
			want: []string{`upwrap: error: job "../x": invalid job id: "../x" has character '/' at byte 2; use letters, digits, '.', '_' and '-'`,
				"upwrap: hint: a job id is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"}},
		{name: "job id a device name", args: []string{"status", "--job", "nul.txt"}, code: 125,
			want: []string{`upwrap: error: job "nul.txt": invalid job id: "nul.txt" is a Windows device name`,
				"upwrap: hint: a job id is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"}},
		{name: "state directory: missing parent", args: []string{"run", "--state-dir", "$T/no/state", "--", "true"}, code: 114,
			want: []string{"upwrap: error: state directory unusable: create $T/no/state: no such file or directory", dirHint}},
		{name: "state directory: a file",
			setup: func(t *testing.T, tmp, state string) { writeTestFile(t, filepath.Join(tmp, "file"), "", 0o600) },
			args:  []string{"run", "--state-dir", "$T/file", "--", "true"}, code: 114,
			want: []string{"upwrap: error: state directory unusable: $T/file is not a directory", dirHint}},
		{name: "state directory: writable by others",
			setup: func(t *testing.T, tmp, state string) { os.Chmod(state, 0o777) },
			args:  []string{"run", "--", "true"}, code: 115,
			want: []string{"upwrap: error: untrusted: state directory $S is writable by group or others (mode 0777); make it 0700", trustHint}},
		{name: "state directory: a symbolic link",
			setup: func(t *testing.T, tmp, state string) { os.Symlink(state, filepath.Join(tmp, "link")) },
			args:  []string{"run", "--state-dir", "$T/link", "--", "true"}, code: 115,
			want: []string{"upwrap: error: untrusted: state directory $T/link is a symbolic link; give the real path", trustHint}},
		{name: "record: a symbolic link",
			setup: func(t *testing.T, tmp, state string) {
				writeTestFile(t, filepath.Join(tmp, "elsewhere.json"), "{}", 0o600)
				os.Symlink(filepath.Join(tmp, "elsewhere.json"), filepath.Join(state, "j.json"))
			},
			args: []string{"run", "--job", "j", "--", "true"}, code: 115,
			want: []string{"upwrap: error: untrusted: $S/j.json is a symbolic link", trustHint}},
		{name: "record: corrupt",
			setup: func(t *testing.T, tmp, state string) {
				writeTestFile(t, filepath.Join(state, "j.json"), `{"schema":1,`, 0o600)
			},
			args: []string{"run", "--job", "j", "--", "true"}, code: 116,
			want: []string{"upwrap: error: $S/j.json: record is corrupt: unexpected end of JSON input", corruptHint}},
		{name: "record: newer schema",
			setup: func(t *testing.T, tmp, state string) {
				writeTestFile(t, filepath.Join(state, "j.json"), `{"schema":2}`, 0o600)
			},
			args: []string{"status", "--job", "j"}, code: 116,
			want: []string{"upwrap: error: $S/j.json: record has a newer schema than this upwrap understands (record schema 2, this upwrap reads up to 1): upgrade upwrap",
				"upwrap: hint: a newer upwrap wrote this record; run that version, or upgrade this one"}},
		{name: "log: inside the state directory", args: []string{"run", "--job", "j", "--log", "$S/k.json", "--", "true"}, code: 125,
			want: []string{"upwrap: error: --log $S/k.json is inside the state directory $S; only the job's own log $S/j.log may be there: give a path outside it, or leave --log out", usageHint}},
		{name: "log: another job's log", args: []string{"run", "--job", "j", "--log", "$T/state/../state/k.log", "--", "true"}, code: 125,
			want: []string{"upwrap: error: --log $T/state/../state/k.log is inside the state directory $S; only the job's own log $S/j.log may be there: give a path outside it, or leave --log out", usageHint}},
		{name: "log: inside the state directory through a link",
			setup: func(t *testing.T, tmp, state string) { os.Symlink(state, filepath.Join(tmp, "link")) },
			args:  []string{"run", "--job", "j", "--log", "$T/link/k.json", "--", "true"}, code: 125,
			want: []string{"upwrap: error: --log $T/link/k.json is inside the state directory $S; only the job's own log $S/j.log may be there: give a path outside it, or leave --log out", usageHint}},
		{name: "exit codes msi where exit codes are 8 bits", args: []string{"run", "--exit-codes", "msi", "--", "true"}, code: 125,
			want: []string{"upwrap: error: --exit-codes msi: this system passes on 8 bits of an exit code (3010 would arrive as 194); use posix, the default here", usageHint}},
		{name: "status: exit codes msi", args: []string{"status", "--all", "--exit-codes", "msi"}, code: 125,
			want: []string{"upwrap: error: --exit-codes msi: this system passes on 8 bits of an exit code (3010 would arrive as 194); use posix, the default here", usageHint}},
		{name: "bad log size", args: []string{"run", "--log-max-size", "lots", "--", "true"}, code: 125,
			want: []string{`upwrap: error: --log-max-size "lots": give a size in bytes, optionally with K, M or G (e.g. 64M); 0 for no limit`, usageHint}},
		{name: "negative record retry", args: []string{"run", "--record-retry", "-1s", "--", "true"}, code: 125,
			want: []string{"upwrap: error: --record-retry must not be negative", usageHint}},
		{name: "run: empty --job", args: []string{"run", "--job", "", "--", "true"}, code: 125,
			want: []string{`upwrap: error: --job is empty (--job "" or UPWRAP_JOB set to nothing): give a job id, or leave both out to derive one from the command line`, usageHint}},
		{name: "run: empty --job=", args: []string{"run", "--job=", "--", "true"}, code: 125,
			want: []string{`upwrap: error: --job is empty (--job "" or UPWRAP_JOB set to nothing): give a job id, or leave both out to derive one from the command line`, usageHint}},
		{name: "status: empty --job", args: []string{"status", "--job", ""}, code: 125,
			want: []string{`upwrap: error: --job is empty (--job "" or UPWRAP_JOB set to nothing): give a job id`, usageHint}},
		{name: "mark: empty --job", args: []string{"mark", "--job", "", "--state", "succeeded"}, code: 125,
			want: []string{`upwrap: error: --job is empty (--job "" or UPWRAP_JOB set to nothing): give a job id`, usageHint}},
		{name: "log: a symbolic link",
			setup: func(t *testing.T, tmp, state string) {
				os.Symlink(filepath.Join(tmp, "x.log"), filepath.Join(state, "j.log"))
			},
			args: []string{"run", "--job", "j", "--", "true"}, code: 115,
			want: []string{"upwrap: error: log $S/j.log: untrusted: $S/j.log is a symbolic link", trustHint}},
		{name: "status: no job named", args: []string{"status"}, code: 125,
			want: []string{"upwrap: error: give --job ID or --all", usageHint}},
		{name: "status: --detection with --all", args: []string{"status", "--all", "--detection"}, code: 125,
			want: []string{"upwrap: error: --detection goes with --job alone", usageHint}},
		{name: "resume: no job named", args: []string{"resume"}, code: 125,
			want: []string{"upwrap: error: give --job ID or --all", usageHint}},
		{name: "mark: no --state", args: []string{"mark", "--job", "j"}, code: 125,
			want: []string{"upwrap: error: mark needs --state", usageHint}},
		{name: "mark: no --job", args: []string{"mark", "--state", "failed"}, code: 125,
			want: []string{"upwrap: error: mark needs --job", usageHint}},
		{name: "mark: bad state", args: []string{"mark", "--job", "j", "--state", "done"}, code: 125,
			want: []string{`upwrap: error: --state "done": use succeeded or failed`, usageHint}},
		{name: "clear: no --job", args: []string{"clear"}, code: 125,
			want: []string{"upwrap: error: clear needs --job", usageHint}},
		{name: "clear: no record", args: []string{"clear", "--job", "j"}, code: 122,
			want: []string{"upwrap: error: job j: no record", "upwrap: hint: 'upwrap status --all' lists the jobs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			state := filepath.Join(tmp, "state")
			if err := os.Mkdir(state, 0o700); err != nil {
				t.Fatal(err)
			}
			if tt.setup != nil {
				tt.setup(t, tmp, state)
			}
			expand := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "$S", state), "$T", tmp) }
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = expand(a)
			}
			r := upwrap(t, invocation{args: args, env: []string{"UPWRAP_STATE_DIR=" + state}})
			want := expand(strings.Join(tt.want, "\n") + "\n")
			if diff := cmp.Diff(want, r.stderr); diff != "" {
				t.Errorf("stderr mismatch (-want +got):\n%s", diff)
			}
			if r.code != tt.code {
				t.Errorf("exit %d, want %d", r.code, tt.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}
}

func writeTestFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}
