// Package tui draws upwrap's live status line on a terminal and decides
// whether a stream is a terminal that may get one, or colour.
//
// What it guarantees:
//   - The status line is drawn only on the terminal given to [Start], and
//     only while the child's output, as far as it passed through the
//     line's writers, ends at the start of a line: it never lands in the
//     middle of the child's own line (a prompt, a progress bar).
//   - It is erased before any output that passes through [Line.Writer]
//     reaches the terminal, and redrawn afterwards; [Line.Stop] erases it.
//     Nothing of it reaches any other writer.
//   - It is redrawn by one ticker, at most ten times a second, never per
//     write: the writers only note the last line of output (a bounded copy)
//     under a mutex.
//   - It fits the terminal's width (wide characters counted as two
//     columns), so it never wraps; escape sequences and control characters
//     of the child's output are stripped from it.
//   - Without colour (NO_COLOR), it writes no SGR sequence at all.
//
// What it does not do: it cannot see output that bypasses its writers
// (a process writing to /dev/tty or to the console directly), and it
// assumes that a child's standard output, when it is a terminal, is the
// same terminal as upwrap's standard error. It never reads the terminal.
package tui
