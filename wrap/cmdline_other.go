//go:build !windows

package wrap

import "os/exec"

// childCmdLine is "" outside Windows: the argv is handed to the program
// as it is. A raw command line is a usage error there.
func childCmdLine(argv []string, raw bool) (string, error) {
	if raw {
		return "", &OptionError{Option: OptRawCmdLine, Text: "{option} exists only on Windows, where a program receives one command line; elsewhere the argv reaches the command as given"}
	}
	return "", nil
}

// setCmdLine does nothing outside Windows.
func setCmdLine(cmd *exec.Cmd, line string) {}
