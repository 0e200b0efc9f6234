package wrap

import "syscall"

const syscallSIGTERM = syscall.SIGTERM
