//go:build linux || darwin

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/google/go-cmp/cmp"
)

// ptyCols is the width of the test terminal.
const ptyCols = 72

// runOnPTY runs inv on a pseudo-terminal (stdin, stdout and, unless
// stderr is given, stderr) and returns every byte the terminal received.
func runOnPTY(t *testing.T, inv invocation, stderr io.Writer) ([]byte, int) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: ptyCols}); err != nil {
		t.Fatal(err)
	}
	cmd := inv.command(t)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	if stderr != nil {
		cmd.Stderr = stderr
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var screen bytes.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&screen, ptmx) // ends with EIO once the terminal is closed
		close(copied)
	}()
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	select {
	case <-copied:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal was not closed")
	}
	return screen.Bytes(), code
}

// replay shows what a terminal of ptyCols columns displays after receiving
// raw (SGR sequences removed): one string per row, trailing blanks trimmed,
// long lines wrapped as xterm does.
func replay(raw []byte) []string {
	var rows [][]rune
	r, c := 0, 0
	row := func() []rune {
		for len(rows) <= r {
			rows = append(rows, nil)
		}
		return rows[r]
	}
	s := []rune(string(raw))
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\r':
			c = 0
		case ch == '\n':
			r++
		case ch == 0x1b && i+1 < len(s) && s[i+1] == '[':
			j := i + 2
			for j < len(s) && !(s[j] >= 0x40 && s[j] <= 0x7e) {
				j++
			}
			if j < len(s) && s[j] == 'K' { // erase to the end of the row
				if cur := row(); len(cur) > c {
					rows[r] = cur[:c]
				}
			}
			i = j
		case ch < 0x20:
		default:
			if c == ptyCols {
				r, c = r+1, 0
			}
			cur := row()
			for len(cur) <= c {
				cur = append(cur, ' ')
			}
			cur[c] = ch
			rows[r] = cur
			c++
		}
	}
	out := make([]string, 0, len(rows))
	for _, x := range rows {
		out = append(out, strings.TrimRight(string(x), " "))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// frames returns each drawing of the status line in plain (SGR removed):
// what follows a carriage return up to the erase of the row's rest.
var frameRE = regexp.MustCompile(`\r(upwrap: [^\r\n\x1b]*)\x1b\[K`)

// wrapRows splits a line into the rows of the test terminal.
func wrapRows(s string) []string {
	var rows []string
	for len(s) > ptyCols {
		rows, s = append(rows, s[:ptyCols]), s[ptyCols:]
	}
	return append(rows, s)
}

// TestStatusLine runs upwrap on a pseudo-terminal: the status
// line shows the job, the time, what upwrap waits for and the last line of
// output; it is erased before every line of the child's and before upwrap
// exits, so the screen ends up holding exactly the child's output and the
// summary; it never reaches a piped stderr or the log.
func TestStatusLine(t *testing.T) {
	// Bursts of output with pauses, so that the line is drawn between
	// them; a long line to be cut to the width; a last line left by a
	// process the command started and did not wait for.
	script := `i=0; while [ $i -lt 120 ]; do echo "line $i"; i=$((i+1)); [ $((i % 40)) -eq 0 ] && sleep 0.6; done
echo "a long line of output that is much wider than the terminal it is shown on, and then some"
sleep 0.8; (sleep 1; echo "from the tree") & exit 0`
	var want []string
	for i := 0; i < 120; i++ {
		want = append(want, fmt.Sprintf("line %d", i))
	}
	long := "a long line of output that is much wider than the terminal it is shown on, and then some"
	want = append(want, long[:ptyCols], long[ptyCols:], "from the tree")

	for _, tt := range []struct {
		name  string
		env   []string
		color bool
	}{
		{"colour", nil, true},
		{"NO_COLOR", []string{"NO_COLOR=1"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			raw, code := runOnPTY(t, invocation{args: []string{"run", "--state-dir", state, "--job", "st", "--", "sh", "-c", script},
				env: append(tt.env, "TERM=xterm-256color")}, nil)
			if code != 0 {
				t.Fatalf("exit %d; terminal:\n%q", code, raw)
			}
			plain := string(sgr.ReplaceAll(raw, nil))
			frames := frameRE.FindAllStringSubmatch(plain, -1)
			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(`^upwrap: st \| \ds \| waiting for the command \| line 39$`),
				regexp.MustCompile(`^upwrap: st \| \ds \| waiting for the command \| a long line of output th\.\.\.$`),
				regexp.MustCompile(`^upwrap: st \| \ds \| the command exited; waiting for its process tree$`),
			} {
				found := false
				for _, f := range frames {
					found = found || want.MatchString(f[1])
				}
				if !found {
					t.Errorf("no status line matching %s on the terminal:\n%q", want, plain)
				}
			}
			if got := sgr.Match(raw); got != tt.color {
				t.Errorf("colour on the terminal: %v, want %v", got, tt.color)
			}
			if len(frames) < 5 {
				t.Errorf("%d drawings of the status line, want more", len(frames))
			}
			for _, f := range frames {
				if n := len([]rune(f[1])); n > ptyCols-1 {
					t.Errorf("status line of %d columns on a terminal of %d: %q", n, ptyCols, f[1])
				}
			}
			summary := "upwrap: st: succeeded (child exited with 0); exit 0 (success); record " + state + "/st.json"
			if diff := cmp.Diff(append(want, wrapRows(summary)...), replay([]byte(plain))); diff != "" {
				t.Errorf("screen mismatch (-want +got):\n%s", diff)
			}
			log, err := os.ReadFile(filepath.Join(state, "st.log"))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(log, []byte("\x1b")) || bytes.Contains(log, []byte("waiting for")) {
				t.Errorf("the status line reached the log:\n%q", log)
			}
			for _, l := range want[:120] {
				if !bytes.Contains(log, []byte("\n"+l+"\n")) {
					t.Errorf("log lacks %q", l)
				}
			}
		})
	}
}

// TestStatusLineNotDrawn: with --quiet, UPWRAP_QUIET, TERM=dumb or no TERM,
// and when stderr is piped, nothing but the child's output and the summary
// (none with --quiet after a success) is written.
func TestStatusLineNotDrawn(t *testing.T) {
	// The pause is the child's, long enough for a status line to be drawn
	// if one were: what is asserted is that none is.
	script := `echo out; echo err >&2; sleep 0.5; echo done`
	for _, tt := range []struct {
		name       string
		env        []string
		args       []string
		pipeStderr bool
		summary    bool
	}{
		{"--quiet", []string{"TERM=xterm"}, []string{"--quiet"}, false, false},
		{"-q", []string{"TERM=xterm"}, []string{"-q"}, false, false},
		{"UPWRAP_QUIET", []string{"TERM=xterm", "UPWRAP_QUIET=1"}, nil, false, false},
		{"TERM=dumb", []string{"TERM=dumb"}, nil, false, true},
		{"no TERM", nil, nil, false, true},
		{"stderr piped", []string{"TERM=xterm"}, nil, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			var stderr bytes.Buffer
			var errw io.Writer
			if tt.pipeStderr {
				errw = &stderr
			}
			args := append([]string{"run", "--state-dir", state, "--job", "q"}, tt.args...)
			raw, code := runOnPTY(t, invocation{args: append(args, "--", "sh", "-c", script), env: tt.env}, errw)
			if code != 0 {
				t.Fatalf("exit %d:\n%q", code, raw)
			}
			summary := "upwrap: q: succeeded (child exited with 0); exit 0 (success); record " + state + "/q.json"
			// The child's two streams reach upwrap through pipes of their
			// own, so "out" and "err" may come in either order; the summary
			// comes after both.
			want := []string{"done", "err", "out"}
			wantErr := ""
			switch {
			case tt.pipeStderr:
				want, wantErr = []string{"done", "out"}, "err\n"+summary+"\n"
			case tt.summary:
				want = append(want, summary)
			}
			got := strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n")
			if n := len(got) - 1; tt.summary && !tt.pipeStderr && n > 0 {
				slices.Sort(got[:n])
			} else {
				slices.Sort(got)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("terminal mismatch (-want +got):\n%s\nraw: %q", diff, raw)
			}
			if diff := cmp.Diff(wantErr, stderr.String()); diff != "" {
				t.Errorf("piped stderr mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
