package main

import (
	"os"
	"regexp"
	"testing"
)

// TestReleaseBuildStatic: the Linux binary scripts/release ships must be
// static, so that it runs on any distribution and in a minimal initramfs.
// The release sets CGO_ENABLED=0; with cgo on, a plain "go build" links libc
// dynamically, since net's resolver and os/user's lookup come in with the
// D-Bus library (docs/design.md §11). scripts/release itself reads every
// Linux binary it built and fails on an interpreter or a dynamic section;
// this checks that it still builds without cgo.
func TestReleaseBuildStatic(t *testing.T) {
	script, err := os.ReadFile("scripts/release")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`CGO_ENABLED=0 [^\n]*\\\n\s*go build`).Match(script) {
		t.Fatal("scripts/release no longer builds with CGO_ENABLED=0")
	}
	if !regexp.MustCompile(`readelf -lW "\$f" \| grep -qE '\^\\s\+\(INTERP\|DYNAMIC\)`).Match(script) {
		t.Fatal("scripts/release no longer checks that its Linux binaries are static")
	}
}
