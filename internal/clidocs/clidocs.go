package clidocs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/urfave/cli/v2"
)

// Input is what the documentation is made from.
type Input struct {
	// App is the application; Generate calls its Setup.
	App *cli.App
	// ManSection is the man page's section (8: system administration).
	ManSection int
	// Description is the DESCRIPTION section's text (Markdown), when the
	// app has none of its own.
	Description string
	// Sections are Markdown sections (each starting "# TITLE") appended to
	// the reference and the man page, e.g. EXIT STATUS.
	Sections []string
	// Values lists the values of flags that take one of a fixed set (flag
	// name -> values), for completion.
	Values map[string][]string
	// Dirs and Files name flags whose value is a directory or a file.
	Dirs, Files []string
}

// The paths of the generated files, relative to the repository.
const (
	MarkdownPath   = "docs/upwrap.md"
	BashPath       = "contrib/completions/upwrap.bash"
	ZshPath        = "contrib/completions/_upwrap"
	PowerShellPath = "contrib/completions/upwrap.ps1"
)

// ManPath is the man page's path for a section.
func ManPath(section int) string { return fmt.Sprintf("docs/upwrap.%d", section) }

// Generate returns every generated file by path.
func Generate(in Input) (map[string]string, error) {
	app := in.App
	app.Setup()
	if app.Description == "" {
		app.Description = in.Description
	}
	// The reference shows each command's usage line, arguments included.
	for _, c := range app.Commands {
		if c.UsageText == "" && !c.Hidden {
			c.UsageText = strings.TrimSpace(fmt.Sprintf("%s %s [OPTIONS] %s", app.Name, c.Name, c.ArgsUsage))
		}
	}
	md, err := app.ToMarkdown()
	if err != nil {
		return nil, fmt.Errorf("markdown: %w", err)
	}
	md = strings.TrimRight(md, "\n") + "\n"
	if env := environment(app); env != "" {
		md += "\n" + env
	}
	for _, s := range in.Sections {
		md += "\n" + strings.TrimRight(s, "\n") + "\n"
	}
	head := "<!-- Generated from upwrap's CLI by scripts/gendocs; do not edit. -->\n\n"
	man := manHyphens(md2man.Render([]byte(fmt.Sprintf("%% %s %d\n\n", app.Name, in.ManSection) + md)))
	cmds := commands(app)
	return map[string]string{
		MarkdownPath:           head + md,
		ManPath(in.ManSection): string(man),
		BashPath:               bash(app.Name, cmds, in),
		ZshPath:                zsh(app.Name, cmds, in),
		PowerShellPath:         powershell(app.Name, cmds, in),
	}, nil
}

// command is one visible command and its visible flags, for completion.
type command struct {
	name, usage string
	flags       []flag
	takesArgv   bool // "-- COMMAND [ARG...]"
}

type flag struct {
	name, usage string
	takesValue  bool
}

func commands(app *cli.App) []command {
	var out []command
	for _, c := range app.VisibleCommands() {
		cmd := command{name: c.Name, usage: c.Usage, takesArgv: strings.Contains(c.ArgsUsage, "--")}
		for _, f := range c.VisibleFlags() {
			d, ok := f.(cli.DocGenerationFlag)
			if !ok {
				continue
			}
			for _, n := range f.Names() {
				if len(n) > 1 {
					cmd.flags = append(cmd.flags, flag{name: n, usage: d.GetUsage(), takesValue: d.TakesValue()})
				}
			}
		}
		sort.Slice(cmd.flags, func(i, j int) bool { return cmd.flags[i].name < cmd.flags[j].name })
		out = append(out, cmd)
	}
	return out
}

// environment is the ENVIRONMENT section: every flag's variables.
func environment(app *cli.App) string {
	seen := map[string]string{}
	for _, c := range app.VisibleCommands() {
		for _, f := range c.VisibleFlags() {
			d, ok := f.(cli.DocGenerationFlag)
			if !ok {
				continue
			}
			for _, e := range d.GetEnvVars() {
				if _, ok := seen[e]; !ok {
					seen[e] = "--" + f.Names()[0]
				}
			}
		}
	}
	if len(seen) == 0 {
		return ""
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# ENVIRONMENT\n\nA flag given on the command line wins over its variable.\n\n")
	for _, n := range names {
		fmt.Fprintf(&b, "**%s**: as %s\n\n", n, seen[n])
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// manHyphens escapes every plain "-" of the man page's text as "\-", the
// minus sign: groff may print a plain "-" as a typographic hyphen, and an
// option copied from the page ("--log-format") must stay typeable. Request
// lines and characters already escaped are left alone.
func manHyphens(b []byte) string {
	lines := strings.SplitAfter(string(b), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			continue
		}
		var out strings.Builder
		escaped := false
		for _, r := range l {
			if r == '-' && !escaped {
				out.WriteString(`\-`)
				continue
			}
			escaped = r == '\\' && !escaped
			out.WriteRune(r)
		}
		lines[i] = out.String()
	}
	return strings.Join(lines, "")
}
