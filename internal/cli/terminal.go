package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/upwrap/upwrap/internal/tui"
	"github.com/upwrap/upwrap/wrap"
)

// statusLine starts run's live status line when upwrap's stderr is a
// terminal that can show it and --quiet was not given; nil otherwise (a nil
// *tui.Line does nothing).
func (c *cliState) statusLine(quiet bool) *tui.Line {
	f, ok := c.stderr.(*os.File)
	if quiet || !ok || !tui.Terminal(f, os.Getenv) {
		return nil
	}
	return tui.Start(f, tui.Color(f, os.Getenv))
}

// onTerminal reports whether w shows on the terminal of upwrap's stderr:
// it is that stderr, or a terminal too (taken to be the same one).
func (c *cliState) onTerminal(w io.Writer) bool {
	if w == c.stderr {
		return true
	}
	f, ok := w.(*os.File)
	return ok && tui.Terminal(f, os.Getenv)
}

// colorOn reports whether w may be coloured.
func colorOn(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && tui.Color(f, os.Getenv)
}

// phaseText is what the status line says upwrap waits for.
func phaseText(p wrap.Progress) string {
	switch p.Phase {
	case wrap.WaitChild:
		if p.Attempt > 1 {
			return fmt.Sprintf("waiting for the command (attempt %d)", p.Attempt)
		}
		return "waiting for the command"
	case wrap.WaitTree:
		return "the command exited; waiting for its process tree"
	}
	return "waiting for " + p.Phase.String()
}
