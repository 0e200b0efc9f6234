package detect

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// readBootID reads the kernel's random boot id under root ("/" on a real
// system, a fixture directory in tests).
func readBootID(root string) (string, error) {
	p := filepath.Join(root, "proc/sys/kernel/random/boot_id")
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("boot identity: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", fmt.Errorf("boot identity: %s is empty", p)
	}
	return id, nil
}

// BootID implements [Probe].
func (p *linuxProbe) BootID(ctx context.Context) (string, error) {
	return readBootID(p.root)
}
