//go:build linux || darwin

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSummaryLine checks the one line upwrap prints on stderr after every
// run: state, reason, exit code and its meaning, the record, and the next
// step where there is one — for every state a run can leave or find, in the
// posix profile. Each row has its own state directory ($S) and makes there
// the state it finds: the commands in before, then setup.
func TestSummaryLine(t *testing.T) {
	noexec := filepath.Join(t.TempDir(), "setup.sh")
	if err := os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	succeededOK := []string{"run", "--job", "ok", "--", "true"}
	failF := []string{"run", "--job", "f", "--max-attempts", "2", "--", "sh", "-c", "exit 3"}

	tests := []struct {
		name   string
		before [][]string
		setup  func(t *testing.T, env []string, state string) // env: the row's, for invocation.env
		args   []string
		code   int
		want   string
	}{
		{name: "succeeded", args: succeededOK, code: 0,
			want: "upwrap: ok: succeeded (child exited with 0); exit 0 (success); record $S/ok.json"},
		{name: "succeeded, found again", before: [][]string{succeededOK}, args: succeededOK, code: 0,
			want: "upwrap: ok: succeeded (child exited with 0); not started again; exit 0 (success); record $S/ok.json"},
		{name: "succeeded with --quiet says nothing", args: []string{"run", "--quiet", "--job", "ok", "--", "true"}, code: 0},
		{name: "found again with --quiet says nothing", before: [][]string{succeededOK}, args: []string{"run", "--quiet", "--job", "ok", "--", "true"}, code: 0},
		{name: "conflict", before: [][]string{succeededOK}, args: []string{"run", "--quiet", "--job", "ok", "--", "false"}, code: 117,
			want: "upwrap: ok: conflict (the record is of another command line, which succeeded: true); exit 117 (conflict); record $S/ok.json; next: 'upwrap clear --job ok' forgets the earlier command line so that this one can run"},
		{name: "reboot required", args: []string{"run", "--job", "rr", "--reboot-codes", "3", "--", "sh", "-c", "exit 3"}, code: 110,
			want: "upwrap: rr: reboot-required (succeeded; child exited with 3: a reboot is required); exit 110 (success, reboot required); record $S/rr.json; next: restart the machine, then run the same command again or 'upwrap resume'"},
		{name: "rebooting", args: []string{"run", "--job", "rb", "--restart-codes", "4", "--", "sh", "-c", "exit 4"}, code: 111,
			want: "upwrap: rb: rebooting (succeeded; child exited with 4: it started the restart); exit 111 (success, restart in progress); record $S/rb.json; next: let the machine restart, then run the same command again or 'upwrap resume'"},
		{name: "failed: the code passed through", args: failF, code: 3,
			want: "upwrap: f: failed (child exited with 3); exit 3 (the command's own failure code, passed through); record $S/f.json; next: see the log $S/f.log; run the same command again to retry"},
		{name: "failed: the last attempt", before: [][]string{failF}, args: failF, code: 3,
			want: "upwrap: f: failed (child exited with 3); exit 3 (the command's own failure code, passed through); record $S/f.json; next: see the log $S/f.log; it has failed 2 of 2 allowed attempts, so upwrap will not start it again: 'upwrap clear --job f' first to retry"},
		{name: "gave up", before: [][]string{failF, failF}, args: failF, code: 120,
			want: "upwrap: f: failed (child exited with 3); exit 120 (gave up after 2 attempts); record $S/f.json; next: see the log $S/f.log; 'upwrap clear --job f', then run it again"},
		{name: "failed with a code a caller would misread", args: []string{"run", "--job", "m", "--", "sh", "-c", "exit 110"}, code: 113,
			want: "upwrap: m: failed (child exited with 110); exit 113 (the command failed with 110, a code a caller would misread; the record holds it); record $S/m.json; next: see the log $S/m.log; run the same command again to retry"},
		{name: "timeout", args: []string{"run", "--job", "to", "--timeout", "200ms", "--", "sleep", "5"}, code: 124,
			want: "upwrap: to: failed (timed out after 200ms; the process tree was killed); exit 124 (timeout); record $S/to.json; next: see the log $S/to.log; raise --timeout if the upgrade needs longer; run the same command again to retry"},
		{name: "command not found", args: []string{"run", "--job", "nf", "--", "/nonexistent/setup"}, code: 127,
			want: "upwrap: nf: failed (cannot start /nonexistent/setup: stat /nonexistent/setup: no such file or directory); exit 127 (command not found); record $S/nf.json; next: check the command's name and PATH, then run the same command again to retry"},
		{name: "cannot execute", args: []string{"run", "--job", "ne", "--", noexec}, code: 126,
			want: "upwrap: ne: failed (cannot start " + noexec + ": permission denied); exit 126 (command cannot be executed); record $S/ne.json; next: check that the command is an executable file upwrap may run, then run the same command again to retry"},
		{name: "running: busy",
			setup: func(t *testing.T, env []string, state string) {
				cmd := invocation{args: []string{"run", "--job", "busy", "--", "sleep", "1"}, env: env}.command(t)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { cmd.Wait() })
				waitForState(t, state, "busy", "running")
			},
			args: []string{"run", "--job", "busy", "--", "sleep", "1"}, code: 112,
			want: "upwrap: busy: running (started); exit 112 (busy: this job or another installation is running); record $S/busy.json; next: retry later; 'upwrap status --job busy' shows the job"},
		{name: "cancelled",
			setup: func(t *testing.T, env []string, state string) {
				cmd := invocation{args: []string{"run", "--job", "cx", "--", "sleep", "5"}, env: env}.command(t)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				waitForState(t, state, "cx", "running")
				cmd.Process.Signal(syscall.SIGINT)
				cmd.Wait()
			},
			args: []string{"status", "--job", "cx"}, code: 119,
			want: "upwrap: cx: failed (cancelled by the operator (SIGINT)); exit 119 (cancelled by the operator); record $S/cx.json; next: see the log $S/cx.log; run the same command again to retry"},
		{name: "interrupted",
			setup: func(t *testing.T, env []string, state string) {
				cmd := invocation{args: []string{"run", "--job", "in", "--", "sleep", "30"}, env: env}.command(t)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				child := jobChild(t, state, "in")
				cmd.Process.Kill()
				cmd.Wait()
				killAndAwait(t, child)
			},
			args: []string{"run", "--job", "in", "--", "sleep", "30"}, code: 118,
			want: "upwrap: in: failed (interrupted: the upwrap running the job stopped before recording an outcome); exit 118 (interrupted); record $S/in.json; next: see the log $S/in.log; run the same command again to retry"},
		{name: "status: no such job", args: []string{"status", "--job", "nope"}, code: 122,
			want: "upwrap: nope: no such job; exit 122 (no such job); next: 'upwrap status --all' lists the jobs"},
		{name: "mark failed", args: []string{"mark", "--job", "mk", "--state", "failed", "--reason", "rolled back"}, code: 0,
			want: "upwrap: mk: failed (rolled back); record $S/mk.json"},
		{name: "status after mark", before: [][]string{{"mark", "--job", "mk", "--state", "failed", "--reason", "rolled back"}},
			args: []string{"status", "--job", "mk"}, code: 123,
			want: "upwrap: mk: failed (rolled back); exit 123 (marked failed); record $S/mk.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			env := []string{"UPWRAP_STATE_DIR=" + state}
			for _, args := range tt.before {
				upwrap(t, invocation{args: args, env: env})
			}
			if tt.setup != nil {
				tt.setup(t, env, state)
			}
			r := upwrap(t, invocation{args: tt.args, env: env})
			want := ""
			if tt.want != "" {
				want = strings.ReplaceAll(tt.want, "$S", state) + "\n"
			}
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

// TestSummaryWithJSON: under --json, stdout holds the record and nothing
// else; the summary goes to stderr.
func TestSummaryWithJSON(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	r := upwrap(t, invocation{args: []string{"run", "--json", "--state-dir", state, "--job", "j", "--", "sh", "-c", "echo out"}})
	if !strings.HasPrefix(r.stdout, `{"schema":1,"job":"j","state":"succeeded"`) || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("stdout is not one record: %q", r.stdout)
	}
	want := "out\nupwrap: j: succeeded (child exited with 0); exit 0 (success); record " + state + "/j.json\n"
	if diff := cmp.Diff(want, r.stderr); diff != "" {
		t.Errorf("stderr mismatch (-want +got):\n%s", diff)
	}
}
