package detect

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadBootID(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "proc/sys/kernel/random/boot_id")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if _, err := readBootID(root); err == nil {
		t.Errorf("missing boot_id: no error")
	}
	os.WriteFile(p, []byte("\n"), 0o644)
	if _, err := readBootID(root); err == nil {
		t.Errorf("empty boot_id: no error")
	}
	os.WriteFile(p, []byte("6f1c2a3e-0000-4000-8000-000000000001\n"), 0o644)
	if id, err := readBootID(root); err != nil || id != "6f1c2a3e-0000-4000-8000-000000000001" {
		t.Errorf("readBootID = %q, %v", id, err)
	}
	// The real machine's identity is stable within one boot.
	a, err1 := System().BootID(t.Context())
	b, err2 := System().BootID(t.Context())
	if err1 != nil || err2 != nil || a != b || a == "" {
		t.Errorf("BootID twice: %q %v, %q %v", a, err1, b, err2)
	}
}
