package wrap

// tree is the child's process tree, as far as the OS lets upwrap follow it.
// The per-OS files implement:
//
//	newTree(cmd, waitTree, stdin) *tree  prepare cmd before Start
//	(*tree).started(pid)                 after Start
//	(*tree).signal(sig)                  forward an operator's signal to the tree
//	(*tree).kill()                       kill every process of the tree
//	(*tree).waitRest()                   after the child exits: wait for the rest
//	(*tree).restore()                    give the terminal back, if it was lent
//
// and the signal sets noticeSignals and sigPipe, and isInterrupt and
// exitSignal.
