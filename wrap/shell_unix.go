//go:build !windows

package wrap

// shellCommand runs a --verify command with /bin/sh -c.
func shellCommand(command string) (string, []string) { return "/bin/sh", []string{"-c", command} }
