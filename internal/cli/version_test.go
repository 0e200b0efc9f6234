package cli

import (
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestResolveVersion: the stamped version wins; without one, the module's
// version from the build information (go install module@vX.Y.Z); a work
// tree build without version control information says "dev".
func TestResolveVersion(t *testing.T) {
	info := func(v string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/upwrap/upwrap", Version: v}}
	}
	tests := []struct {
		name    string
		stamped string
		info    *debug.BuildInfo
		ok      bool
		want    string
	}{
		{"stamped by scripts/release", "v1.2.3", info("v1.2.2"), true, "v1.2.3"},
		{"go install at a tag", "dev", info("v1.2.3"), true, "v1.2.3"},
		{"go build in a git work tree", "dev", info("v1.2.4-0.20261202190000-0a347ba1c2d3+dirty"), true, "v1.2.4-0.20261202190000-0a347ba1c2d3+dirty"},
		{"go build without VCS information", "dev", info("(devel)"), true, "dev"},
		{"no build information", "dev", nil, false, "dev"},
		{"empty stamp", "", info("v2.0.0"), true, "v2.0.0"},
	}
	var got, want []string
	for _, tc := range tests {
		got = append(got, tc.name+": "+resolveVersion(tc.stamped, tc.info, tc.ok))
		want = append(want, tc.name+": "+tc.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolveVersion (-want +got):\n%s", diff)
	}
}

// TestSuggest: a name one typo away (two for longer names) is suggested;
// anything further is not.
func TestSuggest(t *testing.T) {
	commands := []string{"run", "status", "resume", "mark", "clear", "pending", "version", "help", "h"}
	flags := []string{"job", "state-dir", "expect-reboot", "verify", "timeout", "json", "log", "log-format"}
	tests := []struct {
		typed string
		names []string
		want  string
	}{
		{"stauts", commands, "status"},
		{"staus", commands, "status"},
		{"resme", commands, "resume"},
		{"rnu", commands, "run"},
		{"verison", commands, "version"},
		{"frob", commands, ""},
		{"frobnicate", commands, ""},
		{"jbo", flags, "job"},
		{"jobs", flags, "job"},
		{"frob", flags, ""},
		{"expect-rebot", flags, "expect-reboot"},
		{"state_dir", flags, "state-dir"},
		{"logformat", flags, "log-format"},
		{"jsno", flags, "json"},
	}
	var got, want []string
	for _, tc := range tests {
		got = append(got, tc.typed+" -> "+suggest(tc.typed, tc.names))
		want = append(want, tc.typed+" -> "+tc.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("suggest (-want +got):\n%s", diff)
	}
}
