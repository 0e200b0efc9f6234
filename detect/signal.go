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
		if name := osSignalName(s); name != "" {
			return name
		}
	}
	return "SIG" + strings.ToUpper(strings.TrimPrefix(sig.String(), "signal "))
}
