//go:build upwrap_crashpoints

package crashpoint

import (
	"os"
	"strconv"
	"strings"
	"sync"
)

// hits counts how often each step was reached in this process: the test
// build's only state, so that "step@N" can pick the Nth record write.
var (
	mu   sync.Mutex
	hits = map[string]int{}
)

// Hit kills the process with SIGKILL when UPWRAP_CRASH_AT names step, either
// alone (its first hit) or as "step@N" (its Nth hit). Only built with the
// upwrap_crashpoints tag.
func Hit(step string) {
	want := os.Getenv("UPWRAP_CRASH_AT")
	if want == "" {
		return
	}
	mu.Lock()
	hits[step]++
	n := hits[step]
	mu.Unlock()
	for _, w := range strings.Split(want, ",") {
		name, nth, found := strings.Cut(strings.TrimSpace(w), "@")
		if name != step {
			continue
		}
		at := 1
		if found {
			v, err := strconv.Atoi(nth)
			if err != nil || v < 1 {
				continue
			}
			at = v
		}
		if n == at {
			kill()
		}
	}
}
