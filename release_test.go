package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readFile returns a repository file's text.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestREADMEGoVersion: the set-up section names the exact Go version go.mod
// needs, so that "Needs Go X" on a fresh machine is true.
func TestREADMEGoVersion(t *testing.T) {
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+(\.\d+)?)$`).FindStringSubmatch(readFile(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	want := "Needs Go " + m[1] + " or later (`go.mod` says `go " + m[1] + "`"
	if !strings.Contains(readFile(t, "README.md"), want) {
		t.Errorf("README.md: the set-up section must say %q", want)
	}
}

// TestLicenseEverywhere: one license, MIT, in the LICENSE file and in every
// package's own terms.
func TestLicenseEverywhere(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"LICENSE", "MIT License\n"},
		{"packaging/nfpm.yaml", "\nlicense: MIT\n"},
		{"packaging/deb/copyright", "\nFiles: *\nCopyright: 2024-2026 the upwrap authors\nLicense: Expat\n"},
		{"packaging/windows/upwrap.wxs", `Comments="MIT License.`},
		{"README.md", "[MIT License](LICENSE)"},
	} {
		if !strings.Contains(readFile(t, c.path), c.want) {
			t.Errorf("%s: want %q", c.path, c.want)
		}
	}
	// The Debian copyright file carries the license text (Expat is not in
	// /usr/share/common-licenses): the same words as LICENSE.
	words := func(s string) string { return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n .\n", "\n")), " ") }
	lic := readFile(t, "LICENSE")
	body := lic[strings.Index(lic, "Permission is hereby granted"):]
	if !strings.Contains(words(readFile(t, "packaging/deb/copyright")), words(body)) {
		t.Error("packaging/deb/copyright: the Expat text differs from LICENSE")
	}
}
