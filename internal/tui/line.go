package tui

import (
	"bytes"
	"io"
	"os"
	"sync"
	"time"
)

// Interval is the period of the ticker that redraws the line: at most ten
// drawings a second, however fast the child writes.
const Interval = 100 * time.Millisecond

// keep bounds the copy of a line of output kept for the status line; the
// line shows at most a terminal's width of it.
const keep = 512

// erase returns the cursor to the start of the line and clears the line.
const erase = "\r\x1b[K"

// Line is a live status line on a terminal: the job, the elapsed time, what
// upwrap waits for, and the last line of the child's output. It is drawn by
// a ticker of its own; the child's output must pass through [Line.Writer]
// so that the line is erased before it and redrawn after. A nil *Line is
// valid and does nothing.
type Line struct {
	term  *os.File
	fd    uintptr
	color bool

	mu      sync.Mutex
	drawn   bool   // the line is on the screen
	shown   string // what was drawn
	atStart bool   // the terminal's cursor is at the start of a line
	job     string
	phase   string
	since   time.Time
	last    []byte // the last non-blank line of output, at most keep bytes

	stop     chan struct{}
	stopped  chan struct{}
	stopOnce sync.Once
}

// Start starts a status line on term, which the caller has found to be a
// [Terminal]; color enables SGR styles. Nothing is drawn before the first
// [Line.Set].
func Start(term *os.File, color bool) *Line {
	l := newLine(term, color)
	go l.run()
	return l
}

// newLine returns a line whose ticker is not running yet.
func newLine(term *os.File, color bool) *Line {
	return &Line{
		term: term, fd: term.Fd(), color: color, atStart: true,
		stop: make(chan struct{}), stopped: make(chan struct{}),
	}
}

// Set says what the line reports: the job and what upwrap now waits for
// (e.g. "waiting for the command"). The elapsed time counts from the first
// Set.
func (l *Line) Set(job, phase string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.since.IsZero() {
		l.since = time.Now()
	}
	l.job, l.phase = job, phase
}

// Stop stops the ticker and erases the line. It returns once the terminal
// holds no trace of it, so the caller may write its own lines next. It is
// safe to call more than once.
func (l *Line) Stop() {
	if l == nil {
		return
	}
	l.stopOnce.Do(func() {
		close(l.stop)
		<-l.stopped
		l.mu.Lock()
		defer l.mu.Unlock()
		l.clear()
	})
}

func (l *Line) run() {
	defer close(l.stopped)
	t := time.NewTicker(Interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.draw()
		}
	}
}

// draw redraws the line if it changed and the cursor is at the start of a
// line (drawing after a partial line would write into the child's own).
func (l *Line) draw() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.phase == "" || !l.atStart {
		return
	}
	s := view{job: l.job, elapsed: time.Since(l.since), phase: l.phase, last: l.last}.render(width(l.fd), l.color)
	if l.drawn && s == l.shown {
		return
	}
	// Overwrite, then clear what is left of a longer line before.
	io.WriteString(l.term, "\r"+s+"\x1b[K")
	l.drawn, l.shown = true, s
}

// clear erases the line if it is drawn; l.mu is held.
func (l *Line) clear() {
	if l.drawn {
		io.WriteString(l.term, erase)
		l.drawn = false
	}
}

// Writer returns a writer for one of the child's streams that writes to w
// and notes the last line for the status line. onTerminal says that w
// shows on the line's terminal (w is the terminal itself, or the child's
// stdout is a terminal too): the line is erased before each write to it.
// With a nil Line, Writer returns w.
func (l *Line) Writer(w io.Writer, onTerminal bool) io.Writer {
	if l == nil {
		return w
	}
	return &writer{l: l, w: w, onTerm: onTerminal}
}

// writer passes one stream of the child's output through.
type writer struct {
	l      *Line
	w      io.Writer
	onTerm bool
	cur    []byte // the stream's line so far, at most keep bytes
}

// Write writes p to the underlying writer and notes its last line. The
// mutex is held across the write so that the ticker cannot draw between
// the erase and the output.
func (w *writer) Write(p []byte) (int, error) {
	l := w.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if w.onTerm {
		l.clear()
	}
	n, err := w.w.Write(p)
	if len(p) > 0 {
		if w.onTerm {
			l.atStart = p[len(p)-1] == '\n'
		}
		w.note(p)
	}
	return n, err
}

// note keeps the stream's current line and, when p completes lines, makes
// the last one that is not blank the status line's last line. It looks at
// p backwards from its end only as far as that line, and copies at most
// keep bytes.
func (w *writer) note(p []byte) {
	i := lastIndex(p, '\n')
	if i < 0 {
		w.cur = appendBounded(w.cur, p)
		return
	}
	rest := p[i+1:]
	for end := i; ; {
		j := bytes.LastIndexByte(p[:end], '\n')
		if j < 0 {
			// The first line of p ends a line that earlier writes began.
			if line := appendBounded(w.cur, p[:end]); len(bytes.TrimSpace(line)) > 0 {
				w.l.last = appendBounded(w.l.last[:0], line)
			}
			break
		}
		if line := p[j+1 : end]; len(bytes.TrimSpace(line)) > 0 {
			w.l.last = appendBounded(w.l.last[:0], line)
			break
		}
		end = j
	}
	w.cur = appendBounded(w.cur[:0], rest)
}

// appendBounded appends p to dst, keeping at most keep bytes. A carriage
// return in p restarts the line (a progress bar redraws it), so what is
// kept is the line's latest state.
func appendBounded(dst, p []byte) []byte {
	if k := lastIndex(p, '\r'); k >= 0 && k < len(p)-1 {
		dst, p = dst[:0], p[k+1:]
	}
	if room := keep - len(dst); room < len(p) {
		if room <= 0 {
			return dst
		}
		p = p[:room]
	}
	return append(dst, p...)
}

// lastIndex is bytes.LastIndexByte, with a vectorised bytes.IndexByte first
// so that output without c costs one fast pass instead of a byte loop.
func lastIndex(p []byte, c byte) int {
	if bytes.IndexByte(p, c) < 0 {
		return -1
	}
	return bytes.LastIndexByte(p, c)
}
