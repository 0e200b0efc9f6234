package cli

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"
)

// Every flag keeps the names urfave/cli gives it.
func TestFixedNamesAreFlagNames(t *testing.T) {
	app := newApp(&cliState{stdout: io.Discard, stderr: io.Discard, profile: profilePOSIX})
	fixNames(app)
	raw := newApp(&cliState{stdout: io.Discard, stderr: io.Discard, profile: profilePOSIX})
	for i, cmd := range app.Commands {
		for j, f := range cmd.Flags {
			if f == raw.Commands[i].Flags[j] {
				t.Errorf("%s --%s: not wrapped (a flag type fixNames does not know)", cmd.Name, f.Names()[0])
			}
			if diff := cmp.Diff(raw.Commands[i].Flags[j].Names(), f.Names()); diff != "" {
				t.Errorf("%s: names mismatch (-urfave +fixed):\n%s", cmd.Name, diff)
			}
		}
	}
	if got := flagNames("a, b", nil, &cli.StringFlag{Name: "a, b"}); !cmp.Equal(got, []string{"a"}) {
		t.Errorf("a name with a comma: got %q, want urfave's [a]", got)
	}
}

// The help of every command reads the same with the wrapped flags.
func TestFixedNamesKeepHelp(t *testing.T) {
	help := func(app *cli.App, args ...string) string {
		var out bytes.Buffer
		app.Writer, app.ErrWriter = &out, &out
		app.Run(append([]string{"upwrap"}, args...))
		return out.String()
	}
	raw := func() *cli.App {
		return newApp(&cliState{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, profile: profilePOSIX})
	}
	fixed := func() *cli.App {
		app := raw()
		fixNames(app)
		return app
	}
	cmds := [][]string{{"--help"}}
	for _, c := range raw().Commands {
		cmds = append(cmds, []string{c.Name, "--help"})
	}
	for _, args := range cmds {
		want, got := help(raw(), args...), help(fixed(), args...)
		if want == "" {
			t.Fatalf("%v: no help printed", args)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%v: help mismatch (-urfave +fixed):\n%s", args, diff)
		}
	}
}

// Flags given on the command line or in the environment are still seen as
// set (IsSet looks flags up by name): a --reboot-codes code makes the run
// reboot-required.
func TestFixedNamesIsSet(t *testing.T) {
	for name, setup := range map[string]func(t *testing.T) []string{
		"flag": func(t *testing.T) []string { return []string{"--reboot-codes", "1"} },
		"env": func(t *testing.T) []string {
			t.Setenv("UPWRAP_REBOOT_CODES", "1")
			return nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"upwrap", "run", "--exit-codes", "posix", "--state-dir", filepath.Join(t.TempDir(), "s"), "--job", "j"}, setup(t)...)
			args = append(args, "--", "false")
			var stderr bytes.Buffer
			if code := run("dev", args, strings.NewReader(""), io.Discard, &stderr); code != kindRebootRequired.code(profilePOSIX) {
				t.Errorf("exit %d, want reboot-required (%d); stderr:\n%s", code, kindRebootRequired.code(profilePOSIX), stderr.String())
			}
		})
	}
}
