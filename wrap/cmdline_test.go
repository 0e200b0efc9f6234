package wrap

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// cmdLineTable is argv → the command line upwrap gives CreateProcess, per
// kind of parser. scripts/wine-harness checks the same rows under Wine with
// a program that prints GetCommandLineW (TestWindowsCmdLineSeen).
var cmdLineTable = []struct {
	name string
	argv []string
	want string
}{
	// msiexec: PROPERTY="value", inner quotes doubled; switches and paths
	// as the C runtime would read them.
	{"msiexec property with a space", []string{"msiexec", "/i", `C:\pkg\app.msi`, "/qn", `INSTALLDIR=C:\Program Files\App`},
		`msiexec /i C:\pkg\app.msi /qn INSTALLDIR="C:\Program Files\App"`},
	{"msiexec trailing backslash stays literal", []string{"msiexec.exe", "/i", "a.msi", `INSTALLDIR=C:\Program Files\App\`},
		`msiexec.exe /i a.msi INSTALLDIR="C:\Program Files\App\"`},
	{"msiexec embedded quotes doubled", []string{`C:\Windows\System32\MSIEXEC.EXE`, "/i", "a.msi", `GREETING=say "hi" now`},
		`C:\Windows\System32\MSIEXEC.EXE /i a.msi GREETING="say ""hi"" now"`},
	{"msiexec empty value clears a property", []string{"msiexec", "/x", "{GUID}", "REBOOT="},
		`msiexec /x {GUID} REBOOT=""`},
	{"msiexec plain property untouched", []string{"msiexec", "/i", "a.msi", "ALLUSERS=1", "REBOOT=ReallySuppress"},
		`msiexec /i a.msi ALLUSERS=1 REBOOT=ReallySuppress`},
	{"msiexec package path with a space", []string{"msiexec", "/i", `C:\My Packages\a.msi`, "/L*v", `C:\log dir\a.log`},
		`msiexec /i "C:\My Packages\a.msi" /L*v "C:\log dir\a.log"`},
	{"msiexec program path with a space", []string{`C:\Program Files\Tools\msiexec.exe`, "/i", "a.msi"},
		`"C:\Program Files\Tools\msiexec.exe" /i a.msi`},

	// setup.exe-style /switch:value and NAME=value: quotes around the value.
	{"setup /switch:value with a space", []string{"setup.exe", "/auto", "upgrade", `/postoobe:C:\Program Files\upwrap\setupcomplete.cmd`},
		`setup.exe /auto upgrade /postoobe:"C:\Program Files\upwrap\setupcomplete.cmd"`},
	{"inno /DIR=value", []string{"app-setup.exe", "/VERYSILENT", `/DIR=C:\Program Files\App`},
		`app-setup.exe /VERYSILENT /DIR="C:\Program Files\App"`},
	{"setup switch value ending in a backslash", []string{"setup.exe", `/dir:C:\Program Files\`},
		`setup.exe /dir:"C:\Program Files\\"`},
	{"setup value with a quote", []string{"setup.exe", `-name=a "b" c`},
		`setup.exe -name="a \"b\" c"`},
	{"setup path argument with a space", []string{"setup.exe", `C:\My Dir\answers.ini`},
		`setup.exe "C:\My Dir\answers.ini"`},
	{"plain switches untouched", []string{"setup.exe", "/quiet", "/eula", "accept", `C:\x\y`},
		`setup.exe /quiet /eula accept C:\x\y`},
	{"crt quote without space", []string{"tool.exe", `a"b\`},
		`tool.exe a\"b\`},
	{"crt empty argument", []string{"tool.exe", ""},
		`tool.exe ""`},

	// cmd: /s /c "the command", words quoted without escapes.
	{"cmd /c with a path with spaces", []string{"cmd", "/c", `C:\Program Files\App\run.cmd`, "a b"},
		`cmd /s /c ""C:\Program Files\App\run.cmd" "a b""`},
	{"cmd /c keeps what the caller quoted", []string{"cmd.exe", "/d", "/c", `echo "x y" & exit 3`},
		`cmd.exe /d /s /c "echo "x y" & exit 3"`},
	{"cmd /c operators as words are quoted", []string{"cmd", "/c", "echo", "a&b"},
		`cmd /s /c "echo "a&b""`},
	{"cmd /c one argument is the command as typed", []string{"cmd.exe", "/d", "/c", `echo run>>C:\x\runs.txt & shutdown.exe /r /t 20 & ping -n 600 127.0.0.1 >nul`},
		`cmd.exe /d /s /c "echo run>>C:\x\runs.txt & shutdown.exe /r /t 20 & ping -n 600 127.0.0.1 >nul"`},
}

func TestWindowsCmdLineTable(t *testing.T) {
	for _, tt := range cmdLineTable {
		t.Run(tt.name, func(t *testing.T) {
			if got := windowsCmdLine(tt.argv); got != tt.want {
				t.Errorf("windowsCmdLine(%q)\n got %s\nwant %s", tt.argv, got, tt.want)
			}
		})
	}
}

// TestCRTRoundTrip: for a program that follows the C runtime's rules, the
// command line upwrap writes (with the quotes around a switch's value only)
// splits back into exactly the argv the caller gave.
func TestCRTRoundTrip(t *testing.T) {
	argvs := [][]string{
		{"setup.exe", `/postoobe:C:\Program Files\x.cmd`, `/DIR=C:\a b\`, `-k="q" r`},
		{"tool", `a\\"b`, `c d\\`, "", `\`, `"`, "\t", `x\"y z`},
		{"tool", `NAME=C:\Program Files\App\`, `/s:a"b`},
	}
	for _, argv := range argvs {
		line := windowsCmdLine(argv)
		var got []string
		for _, tok := range splitCmdLine(line) {
			got = append(got, tok.arg)
		}
		if diff := cmp.Diff(argv, got); diff != "" {
			t.Errorf("%s does not split back (-want +got):\n%s", line, diff)
		}
	}
}

// TestRawTail: --raw-cmdline passes the text after "--" as typed, spaces
// and quotes included.
func TestRawTail(t *testing.T) {
	tests := []struct {
		line string
		n    int
		want string
		err  bool
	}{
		{`upwrap.exe run --raw-cmdline --job j -- msiexec /i a.msi INSTALLDIR="C:\Program Files\App"`, 4,
			`msiexec /i a.msi INSTALLDIR="C:\Program Files\App"`, false},
		{`"C:\Program Files\upwrap\upwrap.exe" run --raw-cmdline --   nsis.exe /S /D=C:\Program Files\App  `, 4,
			`nsis.exe /S /D=C:\Program Files\App`, false},
		{`upwrap run --raw-cmdline --verify "a -- b" -- x "y  z"`, 2, `x "y  z"`, false},
		{`upwrap run --raw-cmdline x`, 1, "", true},
		{`upwrap run --raw-cmdline --`, 0, "", true},
	}
	for _, tt := range tests {
		got, err := rawTail(tt.line, tt.n)
		if tt.err {
			if !errors.Is(err, ErrUsage) {
				t.Errorf("rawTail(%s, %d) = %q, %v; want a usage error", tt.line, tt.n, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("rawTail(%s, %d) = %q, %v; want %q", tt.line, tt.n, got, err, tt.want)
		}
	}
}
