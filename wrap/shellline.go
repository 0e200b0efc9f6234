package wrap

// cmdShellLine is the command line that makes cmd.exe run command exactly
// as typed: `"COMSPEC" /d /s /c "COMMAND"`. With /s, cmd.exe removes the
// first and the last quote of what follows /c and runs the rest verbatim,
// so the command's own quotes and backslashes reach it unchanged. /d skips
// the AutoRun commands of the registry, which would otherwise run first.
func cmdShellLine(comspec, command string) string {
	return `"` + comspec + `" /d /s /c "` + command + `"`
}
