package main

import "runtime/debug"

// version is stamped at build time with -ldflags "-X main.version=..."
// (scripts/release). When nothing stamped it, init takes the module's
// version from the binary's build information, so that
// "go install github.com/upwrap/upwrap@v1.2.3" reports v1.2.3
// (docs/design.md §11). It is set once, before main runs, and only read
// afterwards.
var version = "dev"

func init() {
	info, ok := debug.ReadBuildInfo()
	version = resolveVersion(version, info, ok)
}

// resolveVersion is the version upwrap reports: the stamped one; else the
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
