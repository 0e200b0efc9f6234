package wrap

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The CMTrace log format: one entry per line, in the shape PSAppDeployToolkit
// writes and CMTrace and OneTrace (Configuration Manager's log viewers)
// parse:
//
//	<![LOG[message]LOG]!><time="HH:mm:ss.fff+OFFSET" date="MM-dd-yyyy" component="..." context="..." type="1" thread="..." file="...">
//
// time is local time followed by the Windows time-zone bias in minutes, in
// Configuration Manager's sign: UTC = local time + bias, so India (UTC+5:30)
// writes "-330" and New York in winter (UTC-5) "+300", as the client's own
// logs in C:\Windows\CCM\Logs do (docs/design.md §11). PSAppDeployToolkit
// writes the opposite sign; CMTrace shows local time either way, but a tool
// that converts the entries to UTC reads them as the CCM logs beside them
// only with this sign. type is 1 information, 2
// warning, 3 error (CMTrace highlights 2 yellow and 3 red); thread is
// upwrap's process id; context is the user upwrap runs as. Lines end with
// CRLF on every OS, and a new file starts with a UTF-8 byte order mark, as
// PSADT writes them, so that CMTrace shows non-ASCII text correctly.
//
// upwrap's own events have component "upwrap" and carry their details as
// key=value pairs after the message; the child's output lines have
// component "stdout", "stderr" or "verify" and are logged as they are.

// cmtraceBOM starts a new CMTrace log.
const cmtraceBOM = "\uFEFF"

// cmtraceWriter formats CMTrace entries onto w. Its fields are fixed when it
// is made, so that a test can give every variable part.
type cmtraceWriter struct {
	w       io.Writer
	context string // user name
	thread  int    // process id
	file    string
	// stamp caches the time and date attributes of the last entry: a chunk
	// of the child's output is many entries of one time. The two output
	// streams and upwrap's events format entries concurrently.
	mu                   sync.Mutex
	stampAt              time.Time
	stampTime, stampDate string
}

// newCMTraceWriter returns a writer for this process.
func newCMTraceWriter(w io.Writer) *cmtraceWriter {
	return &cmtraceWriter{w: w, context: currentUserName(), thread: os.Getpid(), file: "upwrap"}
}

// cmtraceType is the CMTrace severity of a slog level.
func cmtraceType(l slog.Level) int {
	switch {
	case l >= slog.LevelError:
		return 3
	case l >= slog.LevelWarn:
		return 2
	}
	return 1
}

// entry formats one CMTrace line (with its CRLF).
func (c *cmtraceWriter) entry(t time.Time, component string, typ int, msg string) []byte {
	c.mu.Lock()
	// The same instant in another zone is another stamp.
	if !t.Equal(c.stampAt) || t.Location() != c.stampAt.Location() || c.stampTime == "" {
		mins := cmtraceBias(t)
		sign := "+"
		if mins < 0 {
			sign, mins = "-", -mins
		}
		c.stampAt = t
		c.stampTime = t.Format("15:04:05.000") + sign + strconv.Itoa(mins)
		c.stampDate = t.Format("01-02-2006")
	}
	stampTime, stampDate := c.stampTime, c.stampDate
	c.mu.Unlock()
	var b strings.Builder
	b.Grow(len(msg) + 160)
	b.WriteString("<![LOG[")
	b.WriteString(cmtraceText(msg))
	b.WriteString("]LOG]!><time=\"")
	b.WriteString(stampTime)
	b.WriteString("\" date=\"")
	b.WriteString(stampDate)
	b.WriteString("\" component=\"")
	b.WriteString(cmtraceAttr(component))
	b.WriteString("\" context=\"")
	b.WriteString(cmtraceAttr(c.context))
	b.WriteString("\" type=\"")
	b.WriteString(strconv.Itoa(typ))
	b.WriteString("\" thread=\"")
	b.WriteString(strconv.Itoa(c.thread))
	b.WriteString("\" file=\"")
	b.WriteString(cmtraceAttr(c.file))
	b.WriteString("\">\r\n")
	return []byte(b.String())
}

// cmtraceBias is the Windows time-zone bias of t in minutes: UTC = local +
// bias (docs/design.md §11).
func cmtraceBias(t time.Time) int {
	_, off := t.Zone()
	return -off / 60
}

// cmtraceText makes a message safe inside <![LOG[...]LOG]!>: valid UTF-8,
// one line, and never the closing marker.
func cmtraceText(s string) string {
	s = strings.TrimRight(s, "\r\n")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.ContainsAny(s, "\x00\r\n") {
		s = strings.NewReplacer("\x00", "", "\r", " ", "\n", " ").Replace(s)
	}
	return strings.ReplaceAll(s, "]LOG]!>", "]LOG] !>")
}

// cmtraceAttr makes a value safe inside an attribute's double quotes.
func cmtraceAttr(s string) string {
	s = cmtraceText(s)
	return strings.NewReplacer(`"`, "'", ">", ")", "<", "(").Replace(s)
}

// cmtraceHandler is the slog handler of the CMTrace format: each record is
// one entry, the message followed by the attributes as key=value.
type cmtraceHandler struct {
	out   *cmtraceWriter
	attrs []slog.Attr // from WithAttrs, written after the record's own
	group string
}

// Enabled implements slog.Handler: every level is logged.
func (h *cmtraceHandler) Enabled(context.Context, slog.Level) bool { return true }

// Handle implements slog.Handler.
func (h *cmtraceHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		appendAttr(&b, h.group, a)
		return true
	})
	for _, a := range h.attrs {
		appendAttr(&b, "", a)
	}
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	_, err := h.out.w.Write(h.out.entry(t, "upwrap", cmtraceType(r.Level), b.String()))
	return err
}

// WithAttrs implements slog.Handler.
func (h *cmtraceHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr(nil), h.attrs...), qualify(h.group, as)...)
	return &n
}

// WithGroup implements slog.Handler.
func (h *cmtraceHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	if n.group != "" {
		n.group += "."
	}
	n.group += name
	return &n
}

func qualify(group string, as []slog.Attr) []slog.Attr {
	if group == "" {
		return as
	}
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = slog.Attr{Key: group + "." + a.Key, Value: a.Value}
	}
	return out
}

// appendAttr writes " key=value", quoting the value when it has spaces,
// quotes, '=' or control characters, as slog's text format does.
func appendAttr(b *strings.Builder, group string, a slog.Attr) {
	v := a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	key := a.Key
	if group != "" {
		key = group + "." + key
	}
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			appendAttr(b, key, g)
		}
		return
	}
	var s string
	switch v.Kind() {
	case slog.KindString:
		s = v.String()
	case slog.KindTime:
		s = v.Time().Format(time.RFC3339Nano)
	default:
		if err, ok := v.Any().(error); ok {
			s = err.Error()
		} else {
			s = fmt.Sprint(v.Any())
		}
	}
	b.WriteByte(' ')
	b.WriteString(key)
	b.WriteByte('=')
	if needsQuote(s) {
		s = strconv.Quote(s)
	}
	b.WriteString(s)
}

func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '=' || r == 0x7f || !strconv.IsPrint(r) {
			return true
		}
	}
	return false
}
