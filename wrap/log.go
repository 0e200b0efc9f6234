package wrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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
//
// The log never costs the record (docs/design.md §6): it stops growing at
// its size limit, when its file system runs short of space, or at the first
// failed write, and says so once.
type jobLog struct {
	mu      sync.Mutex
	f       *os.File // nil: no log could be opened; everything is dropped
	logger  *slog.Logger
	format  string
	cm      *cmtraceWriter // the CMTrace format's writer
	sys     systemLog      // nil where there is none
	job     string
	boot    string
	nowFunc func() time.Time
	budget  logBudget
	// warn tells the operator (stderr) that the log stopped; nil drops it.
	warn func(string)
}

// openJobLog opens the job's log for appending (0600, trust-checked). A log
// path that no longer works (its directory is gone, it is read-only, it lies
// inside the state directory but is not the job's default log) falls back
// to the default log beside the record, with a warning; when that cannot be
// opened either, the job runs without a log, with a warning. Only a file
// planted where the log goes (a symbolic link, a FIFO, another user's file)
// is an error: upwrap never writes through it.
func openJobLog(j *job, opts Options, boot string) (*jobLog, error) {
	def := j.store.LogPath(j.id)
	path := opts.LogPath
	if path == "" {
		path = def
	} else if abs, err := filepath.Abs(path); err == nil {
		// Recorded as an absolute path: resume at boot runs elsewhere.
		path = abs
	}
	var f *os.File
	var err error
	if path != def && inStateDir(j.store.Dir(), path) {
		err = fmt.Errorf("%s is inside the state directory %s, where only records and their own logs belong", path, j.store.Dir())
	} else {
		f, err = openLogFile(j, path, def)
	}
	if err != nil && path != def && !errors.Is(err, marker.ErrUntrusted) {
		j.warnf("the log %s cannot be used (%v); logging to %s instead", path, unwrapPathErr(err), def)
		path = def
		f, err = openLogFile(j, path, def)
	}
	switch {
	case errors.Is(err, marker.ErrUntrusted):
		return nil, fmt.Errorf("log %s: %w", path, err)
	case err != nil:
		j.warnf("no job log: %s cannot be opened (%v); the record is kept all the same", path, unwrapPathErr(err))
		j.logPath = ""
	default:
		j.logPath = path
	}
	l := &jobLog{f: f, job: string(j.id), boot: boot, nowFunc: time.Now, warn: func(m string) { j.warnf("%s", m) }}
	l.budget.init(f, path, opts.logMaxSize())
	w := lockedWriter{l: l}
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
		if l.budget.size == 0 {
			w.Write([]byte(cmtraceBOM))
		}
		l.cm = newCMTraceWriter(w)
		h = &cmtraceHandler{out: l.cm}
	default:
		if f != nil {
			f.Close()
		}
		return nil, &OptionError{Option: OptLogFormat, Value: opts.LogFormat, Text: "{option} {value_q}: use text, json or cmtrace"}
	}
	l.logger = slog.New(h).With("job", string(j.id), "boot", boot, "upwrap_pid", os.Getpid())
	l.sys = openSystemLog()
	return l, nil
}

// inStateDir reports whether path lies in the state directory dir (also
// through symbolic links of its directories, when they exist).
func inStateDir(dir, path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	inside := func(d, p string) bool {
		rel, err := filepath.Rel(d, p)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
	}
	if inside(dir, abs) {
		return true
	}
	rd, err1 := filepath.EvalSymlinks(dir)
	rp, err2 := filepath.EvalSymlinks(filepath.Dir(abs))
	return err1 == nil && err2 == nil && inside(rd, filepath.Join(rp, filepath.Base(abs)))
}

// unwrapPathErr drops the path an error repeats ("open /x/y.log: no such
// file or directory" says /x/y.log twice in a warning that names it).
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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

// argValue finds key in slog-style alternating key/value arguments.
func argValue(args []any, key string) (any, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok && k == key {
			return args[i+1], true
		}
	}
	return nil, false
}

// event logs one of upwrap's own events, at the level eventTable gives it
// (warnings and errors stand out in every format; CMTrace colours them),
// and sends it to the system log when the table gives it an id. A nil log
// discards it.
func (l *jobLog) event(e event, args ...any) {
	if l == nil {
		return
	}
	spec := e.spec()
	l.logger.Log(context.Background(), spec.level, spec.msg, args...)
	l.noteStop()
	if l.sys != nil {
		if ev, ok := systemEventOf(l.job, l.boot, e, args); ok {
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

// lockedWriter serialises whole writes to the log file. child marks the
// writer of the child's output, which stops at the log's size limit; upwrap's
// own events have a little more room (logBudget).
type lockedWriter struct {
	l     *jobLog
	child bool
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	w.l.writeLocked(p, w.child)
	return len(p), nil
}

// writeLocked appends p to the log file within the budget; l.mu is held.
// A write error stops the log: it is never returned (the child's output
// and the record go on without it).
func (l *jobLog) writeLocked(p []byte, child bool) {
	if l.f == nil || len(p) == 0 || !l.budget.allow(len(p), child) {
		return
	}
	n, err := l.f.Write(p)
	l.budget.wrote(n, err)
}

// noteStop says once, in the log (when it still can) and on stderr, that
// the log stopped growing and why.
func (l *jobLog) noteStop() {
	l.mu.Lock()
	why := l.budget.takeNote()
	l.mu.Unlock()
	if why == "" {
		return
	}
	l.event(evLogStopped, "reason", why)
	if l.warn != nil {
		l.warn("the job log stopped growing: " + why + "; the record is kept all the same")
	}
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
	if l == nil {
		return
	}
	if l.format == logText {
		l.mu.Lock()
		if b[len(b)-1] != '\n' {
			b = append(b[:len(b):len(b)], '\n')
		}
		l.writeLocked(b, true)
		l.mu.Unlock()
		l.noteStop()
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
	lockedWriter{l: l, child: true}.Write(t.buf.Bytes())
	t.buf.Reset()
	l.noteStop()
}

// flush logs a last line that had no newline.
func (t *teeWriter) flush() {
	if len(t.partial) > 0 {
		t.emit(t.partial)
		t.partial = nil
	}
}

// openLogFile opens the log at path: the job's default log (def) relative
// to the state directory's handle, any other by its path.
func openLogFile(j *job, path, def string) (*os.File, error) {
	if path == def {
		return j.store.OpenLog(j.id)
	}
	return marker.OpenLog(path)
}
