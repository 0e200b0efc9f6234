package wrap

import (
	"path"
	"strings"
)

// A Windows program receives one command line, not an argv: each program
// splits it itself (docs/design.md §10). Most use the C runtime's rules
// ("Parsing C command-line arguments",
// https://learn.microsoft.com/en-us/cpp/c-language/parsing-c-command-line-arguments),
// which Go's syscall.EscapeArg targets. Two kinds that admins wrap every day
// do not:
//
//   - msiexec reads PROPERTY=value pairs with the quotes around the value
//     only, and a quote inside a value doubled: PROPERTY="Embedded ""Quotes""
//     White Space" ("Setting Public Property Values on the Command Line",
//     https://learn.microsoft.com/en-us/windows/win32/msi/setting-public-property-values-on-the-command-line).
//     "PROPERTY=value with space", which EscapeArg writes, makes msiexec
//     show its usage box and exit 1639 (golang/go#15566).
//   - cmd.exe takes the text after /c as a command of its own and knows no
//     \" escape ("cmd", https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/cmd).
//
// windowsCmdLine writes the command line each of them expects. Programs with
// parsers of their own beyond these are run with --raw-cmdline: the text
// after "--" exactly as the caller typed it (rawTail).

// windowsCmdLine returns the command line for argv. The program name is
// quoted when it holds a space; the arguments follow the rules of the
// program's kind (see cmdKind).
func windowsCmdLine(argv []string) string {
	if len(argv) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(quoteProgram(argv[0]))
	kind := cmdKind(argv[0])
	for i, a := range argv[1:] {
		b.WriteByte(' ')
		switch kind {
		case kindMsiexec:
			b.WriteString(msiexecArg(a))
		case kindCmd:
			if l := strings.ToLower(a); l == "/c" || l == "/k" {
				// The rest is one command: /s makes cmd strip the outer
				// quotes and run what they hold verbatim.
				b.WriteString("/s " + a + ` "` + cmdCommand(argv[i+2:]) + `"`)
				return b.String()
			}
			b.WriteString(cmdArg(a))
		default:
			b.WriteString(crtSwitchArg(a))
		}
	}
	return b.String()
}

// cmdCommand writes a cmd.exe command (what follows /c). One argument is
// the command as typed, as with sh -c ("echo a & exit 3"); several are
// words, each quoted as cmdArg does.
func cmdCommand(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = cmdArg(w)
	}
	return strings.Join(parts, " ")
}

// Kinds of command-line parsers.
const (
	kindCRT     = iota // the C runtime's rules (most programs)
	kindMsiexec        // msiexec.exe: PROPERTY="value"
	kindCmd            // cmd.exe: the rest of the line is a command
)

// cmdKind tells the parser of the program named by argv[0] from its base
// name, case-insensitively, with or without ".exe".
func cmdKind(program string) int {
	base := strings.ToLower(path.Base(strings.ReplaceAll(program, `\`, "/")))
	base = strings.TrimSuffix(base, ".exe")
	switch base {
	case "msiexec":
		return kindMsiexec
	case "cmd":
		return kindCmd
	}
	return kindCRT
}

// quoteProgram quotes a program name that holds a space or tab. The C
// runtime reads the program name up to the next quote, without backslash
// escapes, so none is added.
func quoteProgram(p string) string {
	if p == "" || strings.ContainsAny(p, " \t") {
		return `"` + p + `"`
	}
	return p
}

// needsQuotes reports whether a value must be quoted on any command line.
func needsQuotes(v string) bool { return v == "" || strings.ContainsAny(v, " \t\"") }

// splitSwitch splits NAME=value, /NAME:value, /NAME=value, -NAME:value or
// -NAME=value into the part up to and including the separator and the value.
// ok is false for anything else (a path, a bare switch).
func splitSwitch(a string) (head, value string, ok bool) {
	i := 0
	if strings.HasPrefix(a, "/") || strings.HasPrefix(a, "-") {
		i = 1
		if strings.HasPrefix(a, "--") {
			i = 2
		}
	}
	j := i
	for j < len(a) && (isNameChar(a[j]) || (j > i && a[j] == '.')) {
		j++
	}
	if j == i || j >= len(a) || (a[j] != '=' && a[j] != ':') {
		return "", "", false
	}
	if a[j] == ':' && i == 0 {
		// "C:\..." is a path, not NAME:value.
		return "", "", false
	}
	return a[:j+1], a[j+1:], true
}

func isNameChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// msiexecArg writes one msiexec argument: a PROPERTY=value pair with the
// value quoted and inner quotes doubled; anything else (a switch, a package
// path) as the C runtime would read it, which msiexec accepts for those.
func msiexecArg(a string) string {
	head, value, ok := splitSwitch(a)
	if ok && !strings.HasPrefix(head, "/") && !strings.HasPrefix(head, "-") && strings.HasSuffix(head, "=") {
		if !needsQuotes(value) {
			return a
		}
		return head + `"` + strings.ReplaceAll(value, `"`, `""`) + `"`
	}
	return crtArg(a)
}

// crtSwitchArg writes one argument for a program that follows the C
// runtime's rules. NAME=value and /NAME:value get the quotes around the
// value only (/DIR="C:\Program Files\X"), the form installers with their own
// parsers (setup.exe-style switches) document; the C runtime reads it as
// the same argument as "/DIR:C:\Program Files\X", so nothing is lost for
// the others.
func crtSwitchArg(a string) string {
	head, value, ok := splitSwitch(a)
	if !ok || !needsQuotes(value) {
		return crtArg(a)
	}
	return head + crtQuoted(value)
}

// crtArg is syscall.EscapeArg: the C runtime's quoting. Quotes are added
// only around an argument with a space or tab; a quote is escaped with a
// backslash, and the backslashes just before it doubled.
func crtArg(a string) string {
	if a == "" {
		return `""`
	}
	if strings.ContainsAny(a, " \t") {
		return crtQuoted(a)
	}
	if !strings.Contains(a, `"`) {
		// Backslashes are literal unless a quote follows them.
		return a
	}
	return crtEscape(a, false)
}

// crtQuoted wraps s in quotes the C runtime way (see crtEscape).
func crtQuoted(s string) string { return `"` + crtEscape(s, true) + `"` }

// crtEscape escapes the quotes of s with a backslash and doubles the
// backslashes just before each quote, and, when s will be followed by a
// closing quote, the backslashes at its end.
func crtEscape(s string, closing bool) string {
	var b strings.Builder
	slashes := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			slashes++
		case '"':
			b.WriteString(strings.Repeat(`\`, slashes+1))
			slashes = 0
		default:
			slashes = 0
		}
		b.WriteByte(c)
	}
	if closing {
		b.WriteString(strings.Repeat(`\`, slashes))
	}
	return b.String()
}

// cmdArg writes one argument for cmd.exe: quoted when it holds a space,
// a tab or a character cmd would otherwise act on (& | < > ^ ( ) , ; =),
// without escapes (cmd has none inside quotes); an argument that already
// holds a quote is passed as it is, because the caller wrote cmd syntax.
func cmdArg(a string) string {
	if strings.Contains(a, `"`) {
		return a
	}
	if a == "" || strings.ContainsAny(a, " \t&|<>^(),;=") {
		return `"` + a + `"`
	}
	return a
}

// crtToken is one argument of a command line and where it starts.
type crtToken struct {
	arg   string
	start int
}

// splitCmdLine splits a command line the way the C runtime (and Go's
// os.Args) does, remembering where each argument starts. It follows Go's
// os.commandLineToArgv, so that its arguments are os.Args.
func splitCmdLine(cmd string) []crtToken {
	var toks []crtToken
	i := 0
	for i < len(cmd) {
		if cmd[i] == ' ' || cmd[i] == '\t' {
			i++
			continue
		}
		start := i
		var b []byte
		inquote := false
		nslash := 0
	arg:
		for ; i < len(cmd); i++ {
			c := cmd[i]
			switch c {
			case ' ', '\t':
				if !inquote {
					break arg
				}
			case '"':
				b = append(b, strings.Repeat(`\`, nslash/2)...)
				if nslash%2 == 0 {
					if inquote && i+1 < len(cmd) && cmd[i+1] == '"' {
						b = append(b, c)
						i++
					}
					inquote = !inquote
				} else {
					b = append(b, c)
				}
				nslash = 0
				continue
			case '\\':
				nslash++
				continue
			}
			b = append(b, strings.Repeat(`\`, nslash)...)
			nslash = 0
			b = append(b, c)
		}
		b = append(b, strings.Repeat(`\`, nslash)...)
		toks = append(toks, crtToken{arg: string(b), start: start})
	}
	return toks
}

// rawTail returns the last n arguments of upwrap's own command line as the
// caller typed them: the text from the first of them to the end. The
// argument before them must be "--" (--raw-cmdline passes through what
// follows "--", nothing else).
func rawTail(cmdline string, n int) (string, error) {
	toks := splitCmdLine(cmdline)
	if n <= 0 || n >= len(toks) {
		return "", &OptionError{Option: OptRawCmdLine, Text: "{option}: no command after --"}
	}
	k := len(toks) - n
	if toks[k-1].arg != "--" {
		return "", &OptionError{Option: OptRawCmdLine, Text: "{option}: the command must follow --"}
	}
	return strings.TrimRight(cmdline[toks[k].start:], " \t"), nil
}
