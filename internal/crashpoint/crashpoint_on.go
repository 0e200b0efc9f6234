//go:build upwrap_crashpoints

package crashpoint

import (
	"os"
	"strings"
)

// Hit kills the process with SIGKILL when UPWRAP_CRASH_AT names step (a
// comma-separated list is allowed). Only built with the upwrap_crashpoints tag.
func Hit(step string) {
	want := os.Getenv("UPWRAP_CRASH_AT")
	if want == "" {
		return
	}
	for _, w := range strings.Split(want, ",") {
		if w == step {
			kill()
		}
	}
}
