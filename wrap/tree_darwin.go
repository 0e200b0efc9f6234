package wrap

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

var extraNoticeSignals []os.Signal

// becomeSubreaper does nothing: macOS has no child subreaper; orphans go to
// launchd, and waitRest follows the child's process group instead.
func becomeSubreaper() {}

// waitRest waits until the child's process group is empty.
func (t *tree) waitRest() {
	t.reapGroup()
	for unix.Kill(-t.pgid, 0) == nil {
		time.Sleep(50 * time.Millisecond)
	}
}

// outsiders is empty on macOS: without a subreaper upwrap cannot follow a
// descendant that left the child's group.
func (t *tree) outsiders() []int { return nil }
