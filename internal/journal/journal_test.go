package journal

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriterPrefixes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   string
	}{
		{"info line", []string{"upwrap: win11: succeeded; record /x\n"}, "<6>upwrap: win11: succeeded; record /x\n"},
		{"error and hint, prefixed by the caller", []string{"<3>upwrap: error: bad\n<6>upwrap: hint: do this\n"}, "<3>upwrap: error: bad\n<6>upwrap: hint: do this\n"},
		{"words do not set the priority", []string{"upwrap: error: from the child\nupwrap: warning: also\n"}, "<6>upwrap: error: from the child\n<6>upwrap: warning: also\n"},
		{"already prefixed", []string{"<3>upwrap: w: failed\n", "<5>child notice\n"}, "<3>upwrap: w: failed\n<5>child notice\n"},
		{"not a prefix", []string{"<9>x\n", "<a>\n"}, "<6><9>x\n<6><a>\n"},
		{"split line start", []string{"upw", "rap: er", "ror: split\n"}, "<6>upwrap: error: split\n"},
		{"short line", []string{"a", "\n"}, "<6>a\n"},
		{"split prefix", []string{"<", "3>", "child says\n"}, "<3>child says\n"},
		{"mid-line chunks", []string{"progress 10%", " 20%", " 30%\nnext\n"}, "<6>progress 10% 20% 30%\n<6>next\n"},
		{"empty lines", []string{"\n\n"}, "<6>\n<6>\n"},
		{"short last line flushed", []string{"a\nbc"}, "<6>a\n<6>bc"},
		{"many lines in one write", []string{"1\n2\n3\n"}, "<6>1\n<6>2\n<6>3\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			for _, s := range tc.writes {
				n, err := w.Write([]byte(s))
				if err != nil || n != len(s) {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, buf.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrefix(t *testing.T) {
	if got := Prefix(Err, "upwrap: x"); got != "<3>upwrap: x" {
		t.Errorf("Prefix(Err) = %q", got)
	}
}

// TestSay: the caller's priority reaches the journal; anywhere else the
// line is written as it is.
func TestSay(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	Say(w, Err, "upwrap: error: bad")
	Say(w, Warning, "upwrap: warning: odd")
	w.Write([]byte("child line\n"))
	if diff := cmp.Diff("<3>upwrap: error: bad\n<4>upwrap: warning: odd\n<6>child line\n", buf.String()); diff != "" {
		t.Errorf("journal (-want +got):\n%s", diff)
	}
	var plain bytes.Buffer
	Say(&plain, Err, "upwrap: error: bad")
	if got := plain.String(); got != "upwrap: error: bad\n" {
		t.Errorf("Say to a plain writer = %q", got)
	}
}
