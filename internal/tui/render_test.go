package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRender(t *testing.T) {
	base := view{job: "win11", elapsed: 65 * time.Second, phase: "waiting for the command"}
	with := func(last string) view { v := base; v.last = []byte(last); return v }
	tests := []struct {
		name  string
		v     view
		width int
		color bool
		want  string
	}{
		{"no output yet", base, 80, false, "upwrap: win11 | 1m05s | waiting for the command"},
		{"last line", with("Installing 3 of 9"), 80, false, "upwrap: win11 | 1m05s | waiting for the command | Installing 3 of 9"},
		{"colour", with("Installing"), 80, true,
			"upwrap: \x1b[1mwin11\x1b[0m | 1m05s | \x1b[36mwaiting for the command\x1b[0m | \x1b[2mInstalling\x1b[0m"},
		{"cut to the width, last column kept free", with("Installing feature 3 of 9: language packs"), 60, false,
			"upwrap: win11 | 1m05s | waiting for the command | Instal..."},
		{"no room for a useful part of the output", with("Installing feature 3 of 9"), 52, false,
			"upwrap: win11 | 1m05s | waiting for the command"},
		{"narrower than the fields", with("x"), 30, false, "upwrap: win11 | 1m05s | wa..."},
		{"unknown width means 80", with("ok"), 0, false, "upwrap: win11 | 1m05s | waiting for the command | ok"},
		{"escape sequences and controls stripped", with("\x1b[1;32mOK\x1b[0m\tdone\a \x1b]0;title\x07now"), 80, false,
			"upwrap: win11 | 1m05s | waiting for the command | OK done now"},
		{"progress bar: the text after the last carriage return", with("10%\r20%\r30%\r"), 80, false,
			"upwrap: win11 | 1m05s | waiting for the command | 30%"},
		{"invalid UTF-8 dropped", with("a\xffb"), 80, false, "upwrap: win11 | 1m05s | waiting for the command | ab"},
		{"wide characters count two columns", with("日本語のテキストです"), 60, false,
			"upwrap: win11 | 1m05s | waiting for the command | 日本語..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.v.render(tt.width, tt.color)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("render mismatch (-want +got):\n%s", diff)
			}
			if w := columns(got); tt.width > 0 && w > tt.width-1 {
				t.Errorf("%d columns, want at most %d", w, tt.width-1)
			}
		})
	}
}

// columns counts the columns of s as a terminal shows it, SGR sequences
// excluded.
func columns(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			i = skipEscape([]byte(s), i)
			continue
		}
		r, size := []rune(s[i:])[0], len(string([]rune(s[i:])[0]))
		n += runeWidth(r)
		i += size
	}
	return n
}

func TestFmtElapsed(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"}, {999 * time.Millisecond, "0s"}, {59 * time.Second, "59s"}, {60 * time.Second, "1m00s"},
		{61*time.Minute + 5*time.Second, "1h01m05s"}, {30 * time.Hour, "30h00m00s"},
	} {
		if got := fmtElapsed(tt.d); got != tt.want {
			t.Errorf("fmtElapsed(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestFit(t *testing.T) {
	for _, tt := range []struct {
		s    string
		room int
		want string
	}{
		{"hello", 5, "hello"}, {"hello", 4, "h..."}, {"hello", 3, "..."}, {"hello", 2, ""}, {"", 0, ""},
		{"日本語", 6, "日本語"}, {"日本語", 5, "日..."}, {strings.Repeat("a", 10), 9, "aaaaaa..."},
	} {
		if got := Fit(tt.s, tt.room); got != tt.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", tt.s, tt.room, got, tt.want)
		}
	}
}

func TestPaint(t *testing.T) {
	if got := Paint(false, Red, "x"); got != "x" {
		t.Errorf("Paint off = %q", got)
	}
	if got := Paint(true, Red, "x"); got != "\x1b[31mx\x1b[0m" {
		t.Errorf("Paint on = %q", got)
	}
	if got := Paint(true, Red, ""); got != "" {
		t.Errorf("Paint of empty = %q", got)
	}
}
