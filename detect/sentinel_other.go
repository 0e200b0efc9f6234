//go:build !windows

package detect

import (
	"errors"
	"io"
)

// RunSentinel runs the sentinel process (see [SentinelCommand]). There are
// no window messages to watch outside Windows: it returns an error.
func RunSentinel(stdin io.Reader, stdout io.Writer) error {
	return errors.New("the shutdown sentinel exists only on Windows")
}
