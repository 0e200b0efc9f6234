package wrap

import (
	"io"
	"os"
	"os/exec"
)

var noticeSignals = []os.Signal{os.Interrupt, syscallSIGTERM}

var sigPipe []os.Signal

func isInterrupt(sig os.Signal) bool { return sig == os.Interrupt }

// exitSignal is always "": Windows processes end with an exit code.
func exitSignal(ps *os.ProcessState) string { return "" }

// tree on Windows follows the direct child only.
type tree struct {
	cmd *exec.Cmd
}

func newTree(cmd *exec.Cmd, waitTree bool, stdin io.Reader) *tree { return &tree{cmd: cmd} }

func (t *tree) started(pid int) {}

// signal terminates the child: Windows has no way to deliver an operator's
// Ctrl-C to a process outside upwrap's console group.
func (t *tree) signal(sig os.Signal) { t.kill() }

func (t *tree) kill() {
	if t.cmd.Process != nil {
		t.cmd.Process.Kill()
	}
}

func (t *tree) waitRest() {}

func (t *tree) restore() {}
