package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestReleaseBuildStatic: the Linux binary scripts/release ships must be
// static, so that it runs on any distribution and in a minimal initramfs.
// The release sets CGO_ENABLED=0; with cgo on, a plain "go build" links libc
// dynamically, since net's resolver and os/user's lookup come in with the
// D-Bus library (docs/design.md §11). This builds upwrap the way the release
// does and reads the ELF file: no interpreter, no shared library.
func TestReleaseBuildStatic(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain on PATH")
	}
	script, err := os.ReadFile("scripts/release")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`CGO_ENABLED=0 [^\n]*\\\n\s*go build`).Match(script) {
		t.Fatal("scripts/release no longer builds with CGO_ENABLED=0")
	}
	bin := filepath.Join(t.TempDir(), "upwrap")
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "urfave_cli_no_docs", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the release build has a %v segment: it is linked dynamically", p.Type)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("the release build needs shared libraries %v (%v)", libs, err)
	}
}
