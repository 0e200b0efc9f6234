package wrap

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/upwrap/upwrap/marker"
)

// jobLog is a job's log file: upwrap's own events through log/slog, and the
// child's output. In the text format the child's lines are appended as they
// are; in the JSON format each line is one object with its stream. Lines of
// the two streams never interleave mid-line.
type jobLog struct {
	mu     sync.Mutex
	f      *os.File
	logger *slog.Logger
	json   bool
}

// openJobLog opens the job's log for appending (0600, trust-checked).
func openJobLog(j *job, opts Options, boot string) (*jobLog, error) {
	path := opts.LogPath
	if path == "" {
		path = j.store.LogPath(j.id)
	}
	f, err := marker.OpenLog(path)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrLog, path, err)
	}
	j.logPath = path
	l := &jobLog{f: f}
	w := lockedWriter{l}
	var h slog.Handler
	switch opts.LogFormat {
	case "json":
		l.json = true
		h = slog.NewJSONHandler(w, nil)
	case "", "text":
		h = slog.NewTextHandler(w, nil)
	default:
		f.Close()
		return nil, fmt.Errorf("%w: --log-format %q: use text or json", ErrUsage, opts.LogFormat)
	}
	l.logger = slog.New(h).With("job", string(j.id), "boot", boot, "upwrap_pid", os.Getpid())
	return l, nil
}

// event logs one of upwrap's own events. A nil log discards it.
func (l *jobLog) event(msg string, args ...any) {
	if l == nil {
		return
	}
	l.logger.Info(msg, args...)
}

// Close flushes and closes the log.
func (l *jobLog) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// lockedWriter serialises whole writes to the log file.
type lockedWriter struct{ l *jobLog }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	if w.l.f == nil {
		return len(p), nil
	}
	return w.l.f.Write(p)
}

// tee returns the writer for one of the child's streams: everything goes to
// to (the terminal side; nil discards) and, line by line, to the log.
// Failures to write either side never reach the child: an upgrade must not
// die because a terminal went away.
func (l *jobLog) tee(stream string, to io.Writer) *teeWriter {
	return &teeWriter{log: l, stream: stream, to: to}
}

type teeWriter struct {
	log     *jobLog
	stream  string
	to      io.Writer
	partial []byte
}

// maxLine bounds a line kept back waiting for its newline.
const maxLine = 64 << 10

func (t *teeWriter) Write(p []byte) (int, error) {
	if t.to != nil {
		t.to.Write(p)
	}
	i := bytes.LastIndexByte(p, '\n')
	if i < 0 {
		t.partial = append(t.partial, p...)
		if len(t.partial) >= maxLine {
			t.emit(t.partial)
			t.partial = t.partial[:0]
		}
		return len(p), nil
	}
	if len(t.partial) > 0 {
		t.partial = append(t.partial, p[:i+1]...)
		t.emit(t.partial)
		t.partial = t.partial[:0]
	} else {
		t.emit(p[:i+1])
	}
	t.partial = append(t.partial, p[i+1:]...)
	return len(p), nil
}

// emit logs whole lines (the last one may lack its newline).
func (t *teeWriter) emit(b []byte) {
	l := t.log
	if !l.json {
		l.mu.Lock()
		if l.f != nil {
			l.f.Write(b)
			if b[len(b)-1] != '\n' {
				l.f.Write([]byte{'\n'})
			}
		}
		l.mu.Unlock()
		return
	}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		l.logger.Info("output", "stream", t.stream, "line", string(line))
	}
}

// flush logs a last line that had no newline.
func (t *teeWriter) flush() {
	if len(t.partial) > 0 {
		t.emit(t.partial)
		t.partial = nil
	}
}
