package cli

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/upwrap/upwrap/wrap"
)

// TestOptionFlagsExist: every option wrap's errors can name is spelled as a
// flag the CLI really has, so an error never sends the user to a flag that
// does not exist.
func TestOptionFlagsExist(t *testing.T) {
	app := newApp(&cliState{stdout: io.Discard, stderr: io.Discard, profile: profilePOSIX})
	flags := map[string]bool{}
	for _, cmd := range app.Commands {
		for _, f := range cmd.Flags {
			for _, n := range f.Names() {
				flags["--"+n] = true
			}
		}
	}
	n := 0
	for o := wrap.Option(1); !strings.HasPrefix(o.String(), "option "); o++ {
		n++
		if f := optionFlag(o); !flags[f] {
			t.Errorf("option %s is spelled %q, which is no flag", o, f)
		}
	}
	if n == 0 {
		t.Fatal("no options")
	}
}

// TestOptionErrorNamesTheFlag: an option error, also wrapped in context,
// is printed with the flag's name and what was wrong.
func TestOptionErrorNamesTheFlag(t *testing.T) {
	err := fmt.Errorf("job j: %w", &wrap.OptionError{Option: wrap.OptLogPath, Value: "/s/{option}.log", Facts: []string{"/s", "/s/j.log"},
		Text: "{option} {value} is inside the state directory {1}; only the job's own log {2} may be there: give a path outside it, or leave {option} out"})
	var b strings.Builder
	printError(&b, err)
	want := "upwrap: error: job j: --log /s/{option}.log is inside the state directory /s; only the job's own log /s/j.log may be there: give a path outside it, or leave --log out\n" +
		"upwrap: hint: run 'upwrap help' or 'upwrap COMMAND --help' for usage\n"
	if got := b.String(); got != want {
		t.Errorf("printError:\n got %q\nwant %q", got, want)
	}
}
