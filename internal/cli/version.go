package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// printVersion prints the version line of "upwrap version" and
// "upwrap --version".
func printVersion(c *cliState) {
	fmt.Fprintf(c.stdout, "upwrap %s (%s %s/%s)\n", c.version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// resolveVersion is the version upwrap reports (docs/design.md §11): the
// one scripts/release stamped into package main; else the
// main module's version from the build information when it has one (not
// "(devel)", which a build in a work tree without version control
// information records); else "dev".
func resolveVersion(stamped string, info *debug.BuildInfo, ok bool) string {
	if stamped != "" && stamped != "dev" {
		return stamped
	}
	if ok && info != nil && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
