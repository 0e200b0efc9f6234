package detect

import (
	"os"
	"strings"
	"syscall"
)

// SignalName returns the conventional upper-case name of sig ("SIGTERM").
func SignalName(sig os.Signal) string {
	if sig == nil {
		return ""
	}
	if s, ok := sig.(syscall.Signal); ok {
		switch s {
		case syscall.SIGTERM:
			return "SIGTERM"
		case syscall.SIGINT:
			return "SIGINT"
		case syscall.SIGHUP:
			return "SIGHUP"
		}
	}
	return "SIG" + strings.ToUpper(strings.TrimPrefix(sig.String(), "signal "))
}
