package marker

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		in      string
		want    ID
		invalid bool
	}{
		{in: "win11-upgrade", want: "win11-upgrade"},
		{in: "Win11", want: "win11"},
		{in: "WIN11", want: "win11"},
		{in: "a.b_c-d", want: "a.b_c-d"},
		{in: "7zip", want: "7zip"},
		{in: strings.Repeat("a", MaxIDLength), want: ID(strings.Repeat("a", MaxIDLength))},
		{in: "", invalid: true},
		{in: "../x", invalid: true},
		{in: "a/b", invalid: true},
		{in: `a\b`, invalid: true},
		{in: "..", invalid: true},
		{in: "a..b", invalid: true},
		{in: ".hidden", invalid: true},
		{in: "-flag", invalid: true},
		{in: "trailing.", invalid: true},
		{in: "CON", invalid: true},
		{in: "con", invalid: true},
		{in: "nul.txt", invalid: true},
		{in: "Com1.json", invalid: true},
		{in: "lpt9", invalid: true},
		{in: "a b", invalid: true},
		{in: "a\x00b", invalid: true},
		{in: "a\nb", invalid: true},
		{in: "caf\xc3\xa9", invalid: true},
		{in: "\xff\xfe", invalid: true},
		{in: strings.Repeat("a", 300), invalid: true},
		{in: "console", want: "console"},
		{in: "nullify", want: "nullify"},
	}
	for _, tt := range tests {
		got, err := ParseID(tt.in)
		if tt.invalid {
			if !errors.Is(err, ErrInvalidID) {
				t.Errorf("ParseID(%q) = %q, %v; want ErrInvalidID", tt.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseID(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseID(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestDeriveIDIsStableAndValid(t *testing.T) {
	argvs := [][]string{
		{"setup.exe", "/auto", "upgrade"},
		{`C:\Install\Setup.EXE`, "/quiet"},
		{"/usr/bin/apt-get", "dist-upgrade", "-y"},
		{"CON"},
		{"...", ""},
		{""},
	}
	seen := map[ID]bool{}
	for _, argv := range argvs {
		id := DeriveID(argv)
		if again := DeriveID(append([]string(nil), argv...)); again != id {
			t.Errorf("DeriveID(%q) not stable: %q then %q", argv, id, again)
		}
		if p, err := ParseID(string(id)); err != nil || p != id {
			t.Errorf("DeriveID(%q) = %q is not a valid id: %v", argv, id, err)
		}
		if seen[id] {
			t.Errorf("DeriveID(%q) = %q collides", argv, id)
		}
		seen[id] = true
	}
	if a, b := DeriveID([]string{"a b"}), DeriveID([]string{"a", "b"}); a == b {
		t.Errorf("argv [\"a b\"] and [\"a\" \"b\"] share id %q", a)
	}
}

func TestArgvHashSeparatesArguments(t *testing.T) {
	pairs := [][2][]string{
		{{"a", "bc"}, {"ab", "c"}},
		{{"a", ""}, {"a"}},
		{{"a\x00b"}, {"a", "b"}},
	}
	for _, p := range pairs {
		if ArgvHash(p[0]) == ArgvHash(p[1]) {
			t.Errorf("ArgvHash(%q) == ArgvHash(%q)", p[0], p[1])
		}
	}
}
