package tui

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// termFile stands in for a terminal: the line and the output it shares the
// terminal with land in one file, in the order they were written.
func termFile(t *testing.T) (*os.File, func() string) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "term"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, func() string {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}

// TestLineProtocol follows the bytes on the terminal: the line is drawn
// only at the start of a line, erased before every write of output and by
// Stop, and never drawn into a partial line of the child's.
func TestLineProtocol(t *testing.T) {
	f, screen := termFile(t)
	l := newLine(f, false)
	out := l.Writer(f, true)

	l.draw() // nothing to report yet
	l.Set("j", "waiting for the command")
	l.draw()
	l.draw() // unchanged: not drawn again
	io.WriteString(out, "one\n")
	l.draw()
	io.WriteString(out, "Continue? [y/N] ") // a prompt: the line must stay away
	l.draw()
	io.WriteString(out, "y\n")
	l.draw()
	close(l.stopped) // no ticker runs
	l.Stop()
	l.Stop()

	want := strings.Join([]string{
		"\rupwrap: j | 0s | waiting for the command\x1b[K",
		"\r\x1b[K", "one\n",
		"\rupwrap: j | 0s | waiting for the command | one\x1b[K",
		"\r\x1b[K", "Continue? [y/N] ",
		"y\n",
		"\rupwrap: j | 0s | waiting for the command | Continue? [y/N] y\x1b[K",
		"\r\x1b[K",
	}, "")
	if diff := cmp.Diff(want, screen()); diff != "" {
		t.Errorf("terminal bytes mismatch (-want +got):\n%s", diff)
	}
}

// TestWriterPassesOutputThrough: the child's output reaches its writer
// byte for byte, and a stream that is not on the terminal never erases the
// line.
func TestWriterPassesOutputThrough(t *testing.T) {
	f, screen := termFile(t)
	l := newLine(f, true)
	var piped bytes.Buffer
	out := l.Writer(&piped, false)
	l.Set("j", "waiting")
	l.draw()
	drawn := screen()
	var want bytes.Buffer
	for i := 0; i < 300; i++ {
		chunk := bytes.Repeat([]byte{byte(i)}, i)
		want.Write(chunk)
		if n, err := out.Write(chunk); n != len(chunk) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if !bytes.Equal(want.Bytes(), piped.Bytes()) {
		t.Errorf("output changed on its way through (%d bytes in, %d out)", want.Len(), piped.Len())
	}
	if got := screen(); got != drawn {
		t.Errorf("piped output touched the terminal: %q", got[len(drawn):])
	}
}

// TestLastLine follows which line of output the status line shows.
func TestLastLine(t *testing.T) {
	long := strings.Repeat("x", 2*keep)
	tests := []struct {
		name      string
		writes    []string
		wantLast  string
		wantStart bool
	}{
		{"one line", []string{"hello\n"}, "hello", true},
		{"split across writes", []string{"hel", "lo\nwor"}, "hello", false},
		{"last of several", []string{"a\nb\nc\n"}, "c", true},
		{"blank lines keep the last one", []string{"a\n\n  \n"}, "a", true},
		{"a progress bar keeps its latest state", []string{"10%\r", "20%\r", "30%\n"}, "30%", true},
		{"CRLF", []string{"done\r\n"}, "done\r", true},
		{"a long line is kept bounded", []string{long, "\n"}, long[:keep], true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := termFile(t)
			l := newLine(f, false)
			out := l.Writer(io.Discard, true)
			for _, w := range tt.writes {
				io.WriteString(out, w)
			}
			if got := string(l.last); got != tt.wantLast {
				t.Errorf("last = %q, want %q", got, tt.wantLast)
			}
			if l.atStart != tt.wantStart {
				t.Errorf("atStart = %v, want %v", l.atStart, tt.wantStart)
			}
		})
	}
}

// TestNilLine: without a terminal the CLI holds a nil *Line; it does
// nothing and hands the writers back unchanged.
func TestNilLine(t *testing.T) {
	var l *Line
	var b bytes.Buffer
	if w := l.Writer(&b, true); w != io.Writer(&b) {
		t.Errorf("Writer of a nil Line wrapped the writer")
	}
	l.Set("j", "x")
	l.Stop()
}

// BenchmarkWriter measures the cost of the line's writer on the child's
// output path: compare with BenchmarkDiscard (the same writes, straight).
func BenchmarkWriter(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "term"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	l := newLine(f, false)
	l.Set("j", "waiting for the command")
	benchWrites(b, l.Writer(io.Discard, true), 80)
}

func BenchmarkDiscard(b *testing.B) { benchWrites(b, io.Discard, 80) }

// BenchmarkWriterNoNewline is the worst case: output without newlines is
// searched to its start.
func BenchmarkWriterNoNewline(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "term"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	l := newLine(f, false)
	l.Set("j", "waiting for the command")
	benchWrites(b, l.Writer(io.Discard, true), 0)
}

// benchWrites writes 32 KiB chunks of lines of n bytes (n = 0: no
// newline at all), as a pipe delivers an installer's output.
func benchWrites(b *testing.B, w io.Writer, n int) {
	chunk := bytes.Repeat([]byte("x"), 32<<10)
	if n > 0 {
		line := strings.Repeat("x", n-1) + "\n"
		chunk = []byte(strings.Repeat(line, 32<<10/n))
	}
	b.SetBytes(int64(len(chunk)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Write(chunk)
	}
}
