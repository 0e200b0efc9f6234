package wrap

// tree is the child's process tree (docs/design.md §5), as far as the OS
// lets upwrap follow it. The per-OS files implement:
//
//	newTree(cmd, waitTree, stdin) *tree  prepare cmd (its Stdout and Stderr set) before Start
//	(*tree).started(pid)                 after Start
//	(*tree).identity() marker.Child      what the record keeps so that a later upwrap can tell whether it lives
//	(*tree).signal(sig)                  forward an operator's signal to the tree
//	(*tree).kill()                       kill every process of the tree
//	(*tree).waitRest(eof)                after the child exits: wait for the rest (eof: the output pipes closed)
//	(*tree).leftDaemons()                the processes that left the tree on their own
//	(*tree).stopped, (*tree).suspend()   the child was stopped at the terminal; stop upwrap with it
//	(*tree).startNote() string          how the start dealt with an agent's job (Windows), for the log
//	(*tree).restore()                    give the terminal back, if it was lent
//
// and the signal sets noticeSignals, sigPipe and sigStop, isInterrupt and
// exitSignal, and treeAlive (treealive_*.go).
