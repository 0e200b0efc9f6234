package wrap

import (
	"os"

	"github.com/upwrap/upwrap/marker"
)

// processTree is the child's process tree (docs/design.md §5), as far as
// the OS lets upwrap follow it: what runChild needs of it. Each OS has its
// own tree type (tree_unix.go with tree_linux.go or tree_darwin.go,
// tree_windows.go), made before the child starts by
//
//	newTree(cmd *exec.Cmd, waitTree bool, stdin io.Reader) *tree
//
// which prepares cmd (its Stdout and Stderr already set). Beside the tree,
// each OS gives the signal sets noticeSignals, sigPipe and sigStop, the
// functions isInterrupt and exitSignal, and treeAlive (treealive_*.go),
// which tells from a record whether a tree upwrap no longer watches lives.
type processTree interface {
	// onDaemonLeft sets the function told of each process found to have
	// left the tree on its own (a daemon), before the child starts.
	onDaemonLeft(func(pid int, name string))
	// started tells the tree the child's pid, right after it started.
	started(pid int)
	// identity is what the record keeps so that a later upwrap can tell
	// whether the tree still lives.
	identity() marker.Child
	// startNote says how the start dealt with an agent's job (Windows),
	// for the log; "" when there is nothing to say.
	startNote() string
	// signal forwards an operator's signal to the tree.
	signal(sig os.Signal)
	// kill kills every process of the tree.
	kill()
	// stops gets a value each time the child is stopped at the terminal;
	// suspend then stops upwrap with it, until both are continued.
	stops() <-chan struct{}
	suspend()
	// waitRest waits, after the child exited, for the rest of the tree
	// (eof: the child's output pipes closed).
	waitRest(eof <-chan struct{})
	// leftDaemons are the processes that left the tree on their own.
	leftDaemons() []marker.Daemon
	// restore gives the terminal back, if it was lent, and frees what the
	// tree held.
	restore()
}

// Every OS's tree is a processTree (checked in each GOOS's build).
var _ processTree = (*tree)(nil)
