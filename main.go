// Command upwrap wraps an OS upgrade, or any installer that may restart the
// machine, so that whoever asks afterwards learns the truth: it ran once, it
// is done or needs a reboot, or it failed and why. See README.md and
// docs/design.md; the command line is package internal/cli.
package main

import (
	"os"

	"github.com/upwrap/upwrap/internal/cli"
)

// version is stamped at build time with -ldflags "-X main.version=..."
// (scripts/release); without a stamp, cli.Main takes the module's version
// from the build information (docs/design.md §11).
var version = "dev"

func main() {
	os.Exit(cli.Main(version))
}
