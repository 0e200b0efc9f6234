package wrap

import (
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// childCmdLine returns the command line the child is started with: the
// text after "--" of upwrap's own command line (GetCommandLineW,
// https://learn.microsoft.com/en-us/windows/win32/api/processenv/nf-processenv-getcommandlinew)
// with raw, else the one windowsCmdLine writes for argv.
func childCmdLine(argv []string, raw bool) (string, error) {
	if raw {
		return rawTail(windows.UTF16PtrToString(windows.GetCommandLine()), len(argv))
	}
	return windowsCmdLine(argv), nil
}

// setCmdLine gives cmd the command line whole (SysProcAttr.CmdLine), so that
// os/exec does not quote the arguments again the C runtime's way.
func setCmdLine(cmd *exec.Cmd, line string) {
	if line == "" {
		return
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CmdLine = line
}
