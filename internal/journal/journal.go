package journal

import (
	"bytes"
	"io"
	"sync"
)

// Priority is a syslog priority as journald reads it from a line prefix.
type Priority int

// The priorities upwrap uses.
const (
	Err     Priority = 3
	Warning Priority = 4
	Notice  Priority = 5
	Info    Priority = 6
)

// Prefix returns line with p's prefix ("<3>upwrap: ...").
func Prefix(p Priority, line string) string {
	return "<" + string(rune('0'+p)) + ">" + line
}

// Say writes line and a newline to w; when w is a [Writer] (stderr is the
// journal) the line carries priority p. The caller, which knows what the
// line means, gives its priority.
func Say(w io.Writer, p Priority, line string) error {
	if _, ok := w.(*Writer); ok {
		line = Prefix(p, line)
	}
	_, err := io.WriteString(w, line+"\n")
	return err
}

// DefaultPriority is the priority of a line that comes without one: the
// child's output, passed through as it is.
const DefaultPriority = Info

// prefixLen is the length of a priority prefix ("<3>").
const prefixLen = 3

// Writer prefixes every line written through it with a priority: a line
// that already starts with one ("<N>", N 0-7: upwrap's own lines, written
// with [Say], or a child that knows the convention) keeps it; every other
// line gets DefaultPriority. It never reads a priority from a line's words.
// It is safe for concurrent use; whole writes are kept together.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	atStart bool
	held    []byte // the start of a line too short yet to classify
}

// NewWriter returns a Writer onto w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w, atStart: true} }

// Write implements io.Writer. It reports len(p) written unless w fails.
func (jw *Writer) Write(p []byte) (int, error) {
	jw.mu.Lock()
	defer jw.mu.Unlock()
	var out []byte
	rest := p
	for len(rest) > 0 {
		if !jw.atStart {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				out = append(out, rest...)
				break
			}
			out = append(out, rest[:i+1]...)
			rest = rest[i+1:]
			jw.atStart = true
			continue
		}
		// At the start of a line: gather enough to see whether it has a
		// prefix.
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		need := prefixLen - len(jw.held)
		if len(line) < need && line[len(line)-1] != '\n' {
			jw.held = append(jw.held, line...)
			rest = rest[len(line):]
			continue
		}
		head := append(jw.held, line...)
		jw.held = nil
		out = append(out, prefixFor(head)...)
		out = append(out, head...)
		rest = rest[len(line):]
		jw.atStart = head[len(head)-1] == '\n'
	}
	if len(out) > 0 {
		if _, err := jw.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes the start of a last line that is still held back.
func (jw *Writer) Flush() error {
	jw.mu.Lock()
	defer jw.mu.Unlock()
	if len(jw.held) == 0 {
		return nil
	}
	out := append([]byte(prefixFor(jw.held)), jw.held...)
	jw.held = nil
	jw.atStart = false
	_, err := jw.w.Write(out)
	return err
}

// prefixFor returns the prefix a line starting with head needs ("" when it
// has one).
func prefixFor(head []byte) string {
	if len(head) >= prefixLen && head[0] == '<' && head[1] >= '0' && head[1] <= '7' && head[2] == '>' {
		return ""
	}
	return Prefix(DefaultPriority, "")
}
