package clidocs

import (
	"fmt"
	"sort"
	"strings"
)

const generated = "generated from upwrap's CLI by scripts/gendocs; do not edit"

// valueFlags returns the names of the flags that take a value, over all
// commands, sorted.
func valueFlags(cmds []command) []string {
	set := map[string]bool{}
	for _, c := range cmds {
		for _, f := range c.flags {
			if f.takesValue {
				set[f.name] = true
			}
		}
	}
	var out []string
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func commandNames(cmds []command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.name)
	}
	return out
}

func flagWords(c command) []string {
	var out []string
	for _, f := range c.flags {
		out = append(out, "--"+f.name)
	}
	if c.takesArgv {
		out = append(out, "--")
	}
	return out
}

// bash returns the bash completion script.
func bash(name string, cmds []command, in Input) string {
	fn := "_" + name
	var b strings.Builder
	fmt.Fprintf(&b, "# bash completion for %s (%s).\n", name, generated)
	fmt.Fprintf(&b, "# Install: copy to /usr/share/bash-completion/completions/%s, or source it.\n\n", name)
	fmt.Fprintf(&b, "%s() {\n", fn)
	b.WriteString(`	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}
	# "--flag=value": bash splits at "=" (COMP_WORDBREAKS).
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD-2]}
	fi
	local i w cmd= skip=
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -n $skip ]]; then
			skip=
			continue
		fi
		case $w in
		--)
			# After "--" comes the wrapped command: complete it as bash would.
			if ((i == COMP_CWORD - 1)); then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return 0
			;;
`)
	vf := valueFlags(cmds)
	if len(vf) > 0 {
		fmt.Fprintf(&b, "\t\t--%s)\n\t\t\t[[ ${COMP_WORDS[i+1]} == = ]] && ((i++))\n\t\t\tskip=1\n\t\t\t;;\n", strings.Join(vf, "|--"))
	}
	b.WriteString(`		-*) ;;
		*) [[ -z $cmd ]] && cmd=$w ;;
		esac
	done
	case $prev in
`)
	var enum []string
	for k := range in.Values {
		enum = append(enum, k)
	}
	sort.Strings(enum)
	for _, k := range enum {
		fmt.Fprintf(&b, "\t--%s)\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\treturn 0\n\t\t;;\n", k, strings.Join(in.Values[k], " "))
	}
	if len(in.Dirs) > 0 {
		fmt.Fprintf(&b, "\t--%s)\n\t\tCOMPREPLY=($(compgen -d -- \"$cur\"))\n\t\treturn 0\n\t\t;;\n", strings.Join(in.Dirs, "|--"))
	}
	if len(in.Files) > 0 {
		fmt.Fprintf(&b, "\t--%s)\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n\t\treturn 0\n\t\t;;\n", strings.Join(in.Files, "|--"))
	}
	var free []string
	for _, f := range vf {
		if _, ok := in.Values[f]; !ok && !contains(in.Dirs, f) && !contains(in.Files, f) {
			free = append(free, f)
		}
	}
	if len(free) > 0 {
		fmt.Fprintf(&b, "\t--%s)\n\t\t# a free value: nothing to offer\n\t\treturn 0\n\t\t;;\n", strings.Join(free, "|--"))
	}
	b.WriteString("\tesac\n\tcase $cmd in\n")
	fmt.Fprintf(&b, "\t\"\")\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\t;;\n", strings.Join(commandNames(cmds), " "))
	for _, c := range cmds {
		fmt.Fprintf(&b, "\t%s)\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\t;;\n", c.name, strings.Join(flagWords(c), " "))
	}
	b.WriteString("\tesac\n\treturn 0\n}\n")
	fmt.Fprintf(&b, "complete -F %s %s\n", fn, name)
	return b.String()
}

// zshQuote escapes text for a single-quoted zsh word: an _arguments
// explanation (inside [...]) or a _describe description.
func zshQuote(s string) string {
	return strings.NewReplacer(`'`, `'\''`, `[`, `\[`, `]`, `\]`).Replace(s)
}

// zshName escapes a _describe item or an _arguments message (before a
// colon that separates fields).
func zshName(s string) string { return strings.ReplaceAll(zshQuote(s), ":", `\:`) }

// zsh returns the zsh completion function file (_upwrap).
func zsh(name string, cmds []command, in Input) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#compdef %s\n# zsh completion for %s (%s).\n", name, name, generated)
	fmt.Fprintf(&b, "# Install: put this file, named _%s, in a directory of $fpath.\n\n", name)
	fmt.Fprintf(&b, "_%s() {\n\tlocal -a commands\n\tcommands=(\n", name)
	for _, c := range cmds {
		fmt.Fprintf(&b, "\t\t'%s:%s'\n", zshName(c.name), zshQuote(c.usage))
	}
	b.WriteString("\t)\n\tif ((CURRENT == 2)); then\n\t\t_describe -t commands 'upwrap command' commands\n\t\treturn\n\tfi\n")
	b.WriteString("\tlocal cmd=$words[2]\n\tshift words\n\t((CURRENT--))\n\tcase $cmd in\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "\t%s)\n\t\t_arguments -S \\\n", c.name)
		for _, f := range c.flags {
			spec := "--" + f.name
			if f.takesValue {
				action := ""
				switch {
				case in.Values[f.name] != nil:
					action = "(" + strings.Join(in.Values[f.name], " ") + ")"
				case contains(in.Dirs, f.name):
					action = "_files -/"
				case contains(in.Files, f.name):
					action = "_files"
				}
				spec += "=[" + zshQuote(f.usage) + "]:" + zshName(f.name) + ":" + action
			} else {
				spec += "[" + zshQuote(f.usage) + "]"
			}
			fmt.Fprintf(&b, "\t\t\t'%s' \\\n", spec)
		}
		if c.takesArgv {
			b.WriteString("\t\t\t'*::command:_normal'\n")
		} else {
			b.WriteString("\t\t\t'*: :'\n")
		}
		b.WriteString("\t\t;;\n")
	}
	b.WriteString("\tesac\n}\n\n")
	fmt.Fprintf(&b, "_%s \"$@\"\n", name)
	return b.String()
}

// psQuote quotes s as a PowerShell single-quoted string.
func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// powershell returns the PowerShell argument completer.
func powershell(name string, cmds []command, in Input) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# PowerShell completion for %s (%s).\r\n", name, generated)
	fmt.Fprintf(&b, "# Install: dot-source it from your profile:  . <path>\\%s.ps1\r\n\r\n", name)
	fmt.Fprintf(&b, "Register-ArgumentCompleter -Native -CommandName %s, %s.exe -ScriptBlock {\r\n", psQuote(name), psQuote(name))
	b.WriteString("    param($wordToComplete, $commandAst, $cursorPosition)\r\n")
	b.WriteString("    $commands = [ordered]@{\r\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "        %s = %s\r\n", psQuote(c.name), psQuote(c.usage))
	}
	b.WriteString("    }\r\n    $flags = @{\r\n")
	for _, c := range cmds {
		var fs []string
		for _, f := range c.flags {
			fs = append(fs, psQuote("--"+f.name))
		}
		fmt.Fprintf(&b, "        %s = @(%s)\r\n", psQuote(c.name), strings.Join(fs, ", "))
	}
	b.WriteString("    }\r\n    $usage = @{\r\n")
	seen := map[string]bool{}
	for _, c := range cmds {
		for _, f := range c.flags {
			if !seen[f.name] {
				seen[f.name] = true
				fmt.Fprintf(&b, "        %s = %s\r\n", psQuote("--"+f.name), psQuote(f.usage))
			}
		}
	}
	b.WriteString("    }\r\n    $values = @{\r\n")
	var enum []string
	for k := range in.Values {
		enum = append(enum, k)
	}
	sort.Strings(enum)
	for _, k := range enum {
		var vs []string
		for _, v := range in.Values[k] {
			vs = append(vs, psQuote(v))
		}
		fmt.Fprintf(&b, "        %s = @(%s)\r\n", psQuote("--"+k), strings.Join(vs, ", "))
	}
	var vf []string
	for _, f := range valueFlags(cmds) {
		vf = append(vf, psQuote("--"+f))
	}
	b.WriteString("    }\r\n")
	fmt.Fprintf(&b, "    $takesValue = @(%s)\r\n", strings.Join(vf, ", "))
	b.WriteString(`    # The words before the one being completed, without the command name.
    $before = @($commandAst.CommandElements |
        Where-Object { $_.Extent.EndOffset -lt $cursorPosition } |
        Select-Object -Skip 1 | ForEach-Object { $_.Extent.Text })
    $cmd = $null
    $prev = $null
    $skip = $false
    foreach ($w in $before) {
        if ($skip) { $skip = $false; $prev = $null; continue }
        if ($w -eq '--') { return }  # the wrapped command: PowerShell completes paths
        if ($takesValue -contains $w) { $skip = $true; $prev = $w; continue }
        if (-not $w.StartsWith('-') -and -not $cmd) { $cmd = $w }
        $prev = $null
    }
    $results = @()
    if ($skip -and $prev) {
        if ($values.ContainsKey($prev)) {
            $results = $values[$prev] | Where-Object { $_ -like "$wordToComplete*" } |
                ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
        }
        return $results  # nothing: PowerShell completes paths (--state-dir, --log)
    }
    if (-not $cmd) {
        $results = $commands.Keys | Where-Object { $_ -like "$wordToComplete*" } |
            ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'Command', $commands[$_]) }
        return $results
    }
    if ($flags.ContainsKey($cmd)) {
        $results = $flags[$cmd] | Where-Object { $_ -like "$wordToComplete*" } |
            ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterName', $usage[$_]) }
    }
    return $results
}
`)
	return strings.ReplaceAll(strings.ReplaceAll(b.String(), "\r\n", "\n"), "\n", "\r\n")
}
