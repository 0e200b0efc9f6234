package tui

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// view is what one drawing of the status line shows.
type view struct {
	job     string
	elapsed time.Duration
	phase   string
	last    []byte // the last line of output, raw
}

// sep separates the fields; ASCII, since a console's code page may not be
// UTF-8.
const sep = " | "

// render returns the line for a terminal of the given width: at most
// width-1 columns (the last column would make some terminals wrap), with
// colour when color is set. The last line of output gets what room is left.
func (v view) render(width int, color bool) string {
	if width <= 0 {
		width = 80
	}
	room := width - 1
	prefix := "upwrap: "
	fields := []struct {
		s  string
		st Style
	}{
		{v.job, Bold},
		{fmtElapsed(v.elapsed), ""},
		{v.phase, Cyan},
	}
	var b strings.Builder
	used := 0
	add := func(s string, st Style) bool {
		s, w, cut := fit(s, room-used)
		used += w
		if st != "" {
			b.WriteString(Paint(color, st, s))
		} else {
			b.WriteString(s)
		}
		return !cut
	}
	if !add(prefix, "") {
		return b.String()
	}
	for i, f := range fields {
		if f.s == "" {
			continue
		}
		if i > 0 && !add(sep, "") {
			return b.String()
		}
		if !add(f.s, f.st) {
			return b.String()
		}
	}
	// The output line is shown only when a useful part of it fits.
	if last := sanitize(v.last); last != "" && room-used-len(sep) >= 8 {
		add(sep, "")
		add(last, Dim)
	}
	return b.String()
}

// Fit returns the longest prefix of s that fits in room columns, ending in
// "..." when s had to be cut.
func Fit(s string, room int) string {
	s, _, _ = fit(s, room)
	return s
}

// fit returns the longest prefix of s that fits in room columns (ending in
// "..." when s was cut), its width, and whether s was cut.
func fit(s string, room int) (string, int, bool) {
	total := 0
	for _, r := range s {
		total += runeWidth(r)
	}
	if total <= room {
		return s, total, false
	}
	if room < 3 {
		return "", 0, true
	}
	w := 0
	for i, r := range s {
		rw := runeWidth(r)
		if w+rw > room-3 {
			return s[:i] + "...", w + 3, true
		}
		w += rw
	}
	return s, total, false // not reached: total > room
}

// runeWidth is the number of columns a terminal gives r, rounded up where
// terminals disagree: East Asian wide and full-width characters and emoji
// count as two, so the line may end early but never wraps.
func runeWidth(r rune) int {
	switch {
	case r >= 0x1100 && r <= 0x115f, r >= 0x2300 && r <= 0x2bff, r >= 0x2e80:
		return 2
	}
	return 1
}

// sanitize turns a raw line of the child's output into what the status
// line shows: the text after the last carriage return (a progress bar's
// latest state), without escape sequences, control characters or invalid
// UTF-8, tabs as spaces, trimmed.
func sanitize(raw []byte) string {
	raw = trimCR(raw)
	var b strings.Builder
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == 0x1b:
			i = skipEscape(raw, i)
			continue
		case c == '\t':
			b.WriteByte(' ')
		case c < 0x20 || c == 0x7f:
		case c < utf8.RuneSelf:
			b.WriteByte(c)
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r != utf8.RuneError && !(r >= 0x80 && r < 0xa0) && r != 0x2028 && r != 0x2029 {
				b.WriteRune(r)
			}
			i += size
			continue
		}
		i++
	}
	return strings.TrimSpace(b.String())
}

// trimCR returns what follows the last carriage return that is not at the
// end of raw: the line as the terminal last showed it.
func trimCR(raw []byte) []byte {
	for len(raw) > 0 && raw[len(raw)-1] == '\r' {
		raw = raw[:len(raw)-1]
	}
	for i := len(raw) - 1; i >= 0; i-- {
		if raw[i] == '\r' {
			return raw[i+1:]
		}
	}
	return raw
}

// skipEscape returns the index after the escape sequence that starts at
// raw[i] (ESC): CSI (ESC [ ... final byte), OSC and other strings (ending
// in BEL or ESC \), or a two-byte sequence.
func skipEscape(raw []byte, i int) int {
	i++
	if i >= len(raw) {
		return i
	}
	switch raw[i] {
	case '[':
		for i++; i < len(raw); i++ {
			if raw[i] >= 0x40 && raw[i] <= 0x7e {
				return i + 1
			}
		}
		return i
	case ']', 'P', '_', '^', 'X':
		for i++; i < len(raw); i++ {
			if raw[i] == 0x07 {
				return i + 1
			}
			if raw[i] == 0x1b && i+1 < len(raw) && raw[i+1] == '\\' {
				return i + 2
			}
		}
		return i
	}
	return i + 1
}

// fmtElapsed formats d as 7s, 3m05s or 1h02m03s.
func fmtElapsed(d time.Duration) string {
	d = d.Truncate(time.Second)
	h, m, s := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}
