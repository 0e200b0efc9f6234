package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"

	"github.com/upwrap/upwrap/internal/clidocs"
)

// docsInput is the documentation's input: the real app, with the defaults
// that depend on the machine (state directory, exit-code profile) stated
// for every OS, so the generated files are the same wherever they are made.
func docsInput(t *testing.T) clidocs.Input {
	t.Helper()
	app := newApp(&cliState{version: "dev", stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, profile: profilePOSIX})
	for _, c := range app.Commands {
		for _, f := range c.Flags {
			sf, ok := f.(*cli.StringFlag)
			if !ok {
				continue
			}
			switch sf.Name {
			case "state-dir":
				sf.Usage = `directory of the job records (default: %ProgramData%\upwrap on Windows, /var/lib/upwrap for root elsewhere, $XDG_STATE_HOME/upwrap for other users)`
			case "exit-codes":
				sf.Value = ""
				sf.Usage = "exit-code profile: msi or posix (default: msi on Windows, posix elsewhere)"
			}
		}
	}
	codes := "# EXIT STATUS\n\nTwo profiles (--exit-codes): msi, the default on Windows, and posix, the default elsewhere. " +
		"Any code not listed is the command's own failure code, passed through. The codes are stable across releases.\n\n"
	for k := range numKinds {
		codes += fmt.Sprintf("**%d** (msi), **%d** (posix): %s\n\n", k.code(profileMSI), k.code(profilePOSIX), k.row().doc)
	}
	files := "# FILES\n\n" +
		"**/var/lib/upwrap** (root), **$XDG_STATE_HOME/upwrap** (other users), **%ProgramData%\\upwrap** (Windows): " +
		"the state directory: one record JOB.json, one lock JOB.lock and one log JOB.log per job.\n\n" +
		"**/etc/systemd/system/upwrap-resume.service**, the **\\upwrap\\resume** scheduled task: " +
		"run upwrap resume --all at boot (templates in contrib/).\n"
	return clidocs.Input{
		App:        app,
		ManSection: 8,
		Description: "upwrap runs a command -- an OS upgrade, or any installer that may restart the machine -- as a job " +
			"with a durable record, written before the command starts and stamped with the identity of the current boot. " +
			"Whoever asks afterwards -- the same command line run again, **upwrap status**, or a detection rule -- learns the " +
			"truth after a restart: done, done but a reboot is needed, still running, or failed and why. " +
			"The same command line run again never starts a finished upgrade twice.\n\n" +
			"Run **upwrap COMMAND --help** for a command's options. Every option can also be set by an environment variable " +
			"(see ENVIRONMENT).",
		Sections: []string{codes, files, "# SEE ALSO\n\nThe README: https://github.com/upwrap/upwrap\n"},
		Values: map[string][]string{
			"log-format": {"text", "json", "cmtrace"},
			"exit-codes": {"msi", "posix"},
			"state":      {"succeeded", "failed"},
		},
		Dirs:  []string{"state-dir"},
		Files: []string{"log"},
	}
}

// TestGeneratedDocs checks that the man page, the Markdown reference and
// the shell completions in the repository are what the CLI generates. With
// UPWRAP_GENDOCS=1 (scripts/gendocs) it writes them instead.
func TestGeneratedDocs(t *testing.T) {
	files, err := clidocs.Generate(docsInput(t))
	if err != nil {
		t.Fatal(err)
	}
	write := os.Getenv("UPWRAP_GENDOCS") == "1"
	for path, want := range files {
		p := filepath.Join("..", "..", filepath.FromSlash(path)) // the repository's root
		if write {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v; run scripts/gendocs", path, err)
			continue
		}
		if diff := cmp.Diff(want, string(got)); diff != "" {
			t.Errorf("%s is not what the CLI generates; run scripts/gendocs (-generated +file):\n%s", path, diff)
		}
	}
}

// TestDocsCoverEveryFlag: every visible command and flag of the CLI is in
// the reference, the man page and each completion.
func TestDocsCoverEveryFlag(t *testing.T) {
	in := docsInput(t)
	files, err := clidocs.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range in.App.VisibleCommands() {
		for path, text := range files {
			if !strings.Contains(text, c.Name) {
				t.Errorf("%s lacks the command %s", path, c.Name)
			}
			for _, f := range c.VisibleFlags() {
				name := f.Names()[0]
				if len(name) < 2 {
					continue
				}
				want := "--" + name
				if strings.HasSuffix(path, ".8") {
					want = strings.ReplaceAll(want, "-", `\-`) // the man page writes minus signs
				}
				if !strings.Contains(text, want) {
					t.Errorf("%s lacks %s's flag --%s", path, c.Name, name)
				}
			}
		}
	}
}
