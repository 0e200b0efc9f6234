package wrap

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/upwrap/upwrap/marker"
)

// Log formats (--log-format).
const (
	logText    = "text"
	logJSON    = "json"
	logCMTrace = "cmtrace"
)

// jobLog is a job's log file: upwrap's own events through log/slog, and the
// child's output. In the text format the child's lines are appended as they
// are; in the JSON format each line is one object with its stream; in the
// CMTrace format each line is one entry whose component is its stream.
// Every event and, in the JSON format, every line carries the job id and the
// boot identity. Lines of the two streams never interleave mid-line. The
// events that matter to an administrator (start, outcome, shutdown notice)
// also go to the system log where there is one (see syslog.go).
type jobLog struct {
	mu      sync.Mutex
	f       *os.File
	logger  *slog.Logger
	format  string
	cm      *cmtraceWriter // the CMTrace format's writer
	sys     systemLog      // nil where there is none
	job     string
	boot    string
	nowFunc func() time.Time
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
	l := &jobLog{f: f, job: string(j.id), boot: boot, nowFunc: time.Now}
	w := lockedWriter{l}
	format := opts.LogFormat
	if format == "" {
		format = sniffLogFormat(path)
	}
	var h slog.Handler
	switch format {
	case logJSON:
		l.format = logJSON
		h = slog.NewJSONHandler(w, nil)
	case logText:
		l.format = logText
		h = slog.NewTextHandler(w, nil)
	case logCMTrace:
		l.format = logCMTrace
		if fi, err := f.Stat(); err == nil && fi.Size() == 0 {
			f.Write([]byte(cmtraceBOM))
		}
		l.cm = newCMTraceWriter(w)
		h = &cmtraceHandler{out: l.cm}
	default:
		f.Close()
		return nil, fmt.Errorf("%w: --log-format %q: use text, json or cmtrace", ErrUsage, opts.LogFormat)
	}
	l.logger = slog.New(h).With("job", string(j.id), "boot", boot, "upwrap_pid", os.Getpid())
	l.sys = openSystemLog()
	return l, nil
}

// sniffLogFormat returns the format of the log at path: a log keeps the
// format it was started in (a boot-time "upwrap resume" or "upwrap mark"
// appends to a CMTrace log in CMTrace). An empty or new log is text.
func sniffLogFormat(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return logText
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	head = bytes.TrimPrefix(head[:n], []byte(cmtraceBOM))
	switch {
	case bytes.HasPrefix(head, []byte("<![LOG[")):
		return logCMTrace
	case bytes.HasPrefix(head, []byte("{")):
		return logJSON
	}
	return logText
}

// eventLevels are the levels of upwrap's events that are not information;
// a recorded "failed" state is an error too (see levelOf).
var eventLevels = map[string]slog.Level{
	"termination notice":                              slog.LevelWarn,
	"interrupt: forwarding to the process tree":       slog.LevelWarn,
	"second interrupt: killing the process tree":      slog.LevelWarn,
	"operator's stop: forwarding to the process tree": slog.LevelWarn,
	"timeout; killing the process tree":               slog.LevelWarn,
	"machine busy; not starting":                      slog.LevelWarn,
	"verify failed":                                   slog.LevelWarn,
	"verify timed out; its process tree was killed":   slog.LevelWarn,
	"could not record the child's identity":           slog.LevelError,
	"could not record the shutdown notice":            slog.LevelError,
}

// levelOf is the level of an event: warnings and errors stand out in every
// format (CMTrace colours them).
func levelOf(msg string, args []any) slog.Level {
	if v, ok := argValue(args, "state"); ok && v == "failed" {
		return slog.LevelError
	}
	if l, ok := eventLevels[msg]; ok {
		return l
	}
	return slog.LevelInfo
}

// argValue finds key in slog-style alternating key/value arguments.
func argValue(args []any, key string) (any, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok && k == key {
			return args[i+1], true
		}
	}
	return nil, false
}

// event logs one of upwrap's own events. A nil log discards it.
func (l *jobLog) event(msg string, args ...any) {
	if l == nil {
		return
	}
	level := levelOf(msg, args)
	l.logger.Log(context.Background(), level, msg, args...)
	if l.sys != nil {
		if ev, ok := systemEventOf(l.job, l.boot, level, msg, args); ok {
			l.sys.Report(ev)
		}
	}
}

// Close flushes and closes the log.
func (l *jobLog) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	if l.sys != nil {
		l.sys.Close()
		l.sys = nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
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
	t := &teeWriter{log: l, stream: stream, to: to}
	if l != nil && l.format == logJSON {
		t.lines = slog.New(slog.NewJSONHandler(&t.buf, nil)).With("job", l.job, "boot", l.boot, "upwrap_pid", os.Getpid())
	}
	return t
}

type teeWriter struct {
	log     *jobLog
	stream  string
	to      io.Writer
	partial []byte
	// buf gathers the entries of one chunk of output, so that the log gets
	// one write per chunk rather than one per line (JSON and CMTrace).
	buf bytes.Buffer
	// lines formats JSON entries into buf, with the attributes of the log's
	// own logger.
	lines *slog.Logger
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
	if l.format == logText {
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
	now := l.nowFunc()
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if l.format == logCMTrace {
			t.buf.Write(l.cm.entry(now, t.stream, 1, string(line)))
		} else {
			t.lines.Info("output", "stream", t.stream, "line", string(line))
		}
	}
	lockedWriter{l}.Write(t.buf.Bytes())
	t.buf.Reset()
}

// flush logs a last line that had no newline.
func (t *teeWriter) flush() {
	if len(t.partial) > 0 {
		t.emit(t.partial)
		t.partial = nil
	}
}
