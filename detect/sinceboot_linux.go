package detect

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SinceBoot implements [BootClock]: the first field of /proc/uptime.
func (p *linuxProbe) SinceBoot(ctx context.Context) (time.Duration, error) {
	path := filepath.Join(p.root, "proc/uptime")
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("time since boot: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("time since boot: %s is empty", path)
	}
	s, err := strconv.ParseFloat(f[0], 64)
	if err != nil || s < 0 {
		return 0, fmt.Errorf("time since boot: %s: %q is not a number of seconds", path, f[0])
	}
	return time.Duration(s * float64(time.Second)), nil
}
