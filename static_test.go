package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestNoCgoDependency: upwrap must stay a static binary even where a C
// compiler is at hand (a plain "go build" on an admin's machine): no package
// of it may pull in cgo (net's resolver, os/user's libc lookup).
func TestNoCgoDependency(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain on PATH")
	}
	for _, goos := range []string{"linux", "darwin"} {
		cmd := exec.Command("go", "list", "-deps", ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOOS="+goos)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		for _, p := range strings.Fields(string(out)) {
			if p == "runtime/cgo" || p == "net" || p == "os/user" {
				t.Errorf("GOOS=%s: upwrap depends on %s, which links it dynamically with cgo", goos, p)
			}
		}
	}
}
