package detect

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWinBootRoundTrip(t *testing.T) {
	for _, b := range []winBoot{
		{t: 1700000040, hasT: true},
		{t: 1700000040, hasT: true, c: 42, hasC: true, k: "ab12"},
		{c: 0, hasC: true, k: "ff"},
	} {
		got, ok := parseWinBoot(b.String())
		if !ok {
			t.Fatalf("parseWinBoot(%q) failed", b.String())
		}
		if got != b {
			t.Errorf("round trip of %q gave %+v", b.String(), got)
		}
	}
	for _, s := range []string{"", "windows:", "windows:t=x", "windows:q=1", "windows:t=1,,c=2", "b1", "0f4c3a2e-uuid"} {
		if _, ok := parseWinBoot(s); ok {
			t.Errorf("parseWinBoot(%q) accepted it", s)
		}
	}
}

// TestCompareBoot is the agreement rule: the majority of the witnesses
// present on both sides decides, a tie is the same boot, and any outvoted
// witness is reported.
func TestCompareBoot(t *testing.T) {
	tests := []struct {
		name     string
		a, b     string
		same     bool
		disagree string // substring of the disagreement; "" = none
	}{
		{"identical", "windows:t=1700000040,c=41,k=aa", "windows:t=1700000040,c=41,k=aa", true, ""},
		{"real restart: every witness changed", "windows:t=1700000040,c=41,k=aa", "windows:t=1700003640,c=42,k=bb", false, ""},
		{"clock step within tolerance", "windows:t=1700000040,c=41,k=aa", "windows:t=1700000100,c=41,k=aa", true, ""},
		{"sleep drift beyond tolerance, counter and key same", "windows:t=1700000040,c=41,k=aa", "windows:t=1700009000,c=41,k=aa", true, "boot time says restarted"},
		{"counter lags by one, others same", "windows:t=1700000040,c=41,k=aa", "windows:t=1700000040,c=42,k=aa", true, "boot counter says restarted (41 -> 42)"},
		{"key survived (Fast Startup), counter and time moved", "windows:t=1700000040,c=41,k=aa", "windows:t=1700009000,c=42,k=aa", false, "volatile key says same boot"},
		{"key deleted, counter and time same", "windows:t=1700000040,c=41,k=aa", "windows:t=1700000040,c=41,k=bb", true, "volatile key says restarted"},
		{"no counter: key and time disagree is a tie, same boot", "windows:t=1700000040,k=aa", "windows:t=1700009000,k=aa", true, "decided: same boot"},
		{"no counter, key gone, time same (Wine's wineserver restart)", "windows:t=1700000040,k=aa", "windows:t=1700000040,k=bb", true, "decided: same boot"},
		{"counter given on the second side only", "windows:t=1700000040,k=aa", "windows:t=1700000040,c=5,k=bb", true, "a tie counts as the same boot"},
		{"no key, counter changed", "windows:t=1700000040,c=41", "windows:t=1700003640,c=42", false, ""},
		{"nothing in common compares text", "windows:t=1700000040", "windows:c=3", false, ""},
		{"plain identities compare as text", "b1", "b1", true, ""},
		{"plain identities differ", "b1", "b2", false, ""},
		{"windows against plain", "windows:t=1700000040", "b1", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			same, dis := CompareBoot(tt.a, tt.b)
			if same != tt.same {
				t.Errorf("CompareBoot(%q, %q) same = %v, want %v (%s)", tt.a, tt.b, same, tt.same, dis)
			}
			if tt.disagree == "" && dis != "" {
				t.Errorf("disagreement %q, want none", dis)
			}
			if tt.disagree != "" && !strings.Contains(dis, tt.disagree) {
				t.Errorf("disagreement %q, want it to contain %q", dis, tt.disagree)
			}
			if SameBoot(tt.a, tt.b) != same {
				t.Errorf("SameBoot disagrees with CompareBoot")
			}
		})
	}
}

// TestResolveBoot is the probe's decision between the volatile key's
// stored identity and the live witnesses.
func TestResolveBoot(t *testing.T) {
	token := func() string { return "new" }
	stored := &winBoot{t: 1700000040, hasT: true, c: 41, hasC: true, k: "old"}
	tests := []struct {
		name      string
		stored    *winBoot
		live      winBoot
		want      string
		write     bool
		disagrees bool
	}{
		{"first read in this boot creates the key", nil, winBoot{t: 1700000040, hasT: true, c: 41, hasC: true}, "windows:t=1700000040,c=41,k=new", true, false},
		{"key present, witnesses agree", stored, winBoot{t: 1700000040, hasT: true, c: 41, hasC: true}, "windows:t=1700000040,c=41,k=old", false, false},
		{"key present, boot time drifted: the stored identity holds", stored, winBoot{t: 1700009000, hasT: true, c: 41, hasC: true}, "windows:t=1700000040,c=41,k=old", false, true},
		{"key present but time and counter say restarted: replaced", stored, winBoot{t: 1700009000, hasT: true, c: 42, hasC: true}, "windows:t=1700009000,c=42,k=new", true, true},
		{"key present, no counter now, time moved: tie keeps the key", stored, winBoot{t: 1700009000, hasT: true}, "windows:t=1700000040,c=41,k=old", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, write, dis := resolveBoot(tt.stored, tt.live, token)
			got := struct {
				ID        string
				Write     bool
				Disagrees bool
			}{id.String(), write, dis != ""}
			want := struct {
				ID        string
				Write     bool
				Disagrees bool
			}{tt.want, tt.write, tt.disagrees}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("resolveBoot mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
