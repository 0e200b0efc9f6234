package wrap

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/detect"
)

// TestPendingEntryRules: `upwrap pending --ignore-pending NAME:PATTERN`
// drops the matching entries of a list source, and the source counts only
// while an entry is left; the rule is not reported as unknown.
func TestPendingEntryRules(t *testing.T) {
	pfro := detect.PendingSource{Name: "pending-file-rename", Pending: true, Checked: true,
		Entries: []string{`C:\av\defs.tmp -> (delete)`, `C:\app\new.dll -> C:\app\app.dll`}}
	p := &fakeProbe{pending: []detect.PendingSource{pfro}}
	type got struct {
		Pending []string
		Entries []string
		Unknown []string
	}
	tests := []struct {
		name   string
		ignore []string
		want   got
	}{
		{"no rule", nil, got{[]string{"pending-file-rename"}, pfro.Entries, nil}},
		{"antivirus noise dropped", []string{`pending-file-rename:C:\av\*`}, got{[]string{"pending-file-rename"}, []string{`C:\app\new.dll -> C:\app\app.dll`}, nil}},
		{"every entry dropped", []string{`pending-file-rename:C:\*`}, got{[]string{}, []string{}, nil}},
		{"a rule for no source", []string{`no-such-source:*`}, got{[]string{"pending-file-rename"}, pfro.Entries, []string{"no-such-source:*"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Pending(context.Background(), p, tt.ignore)
			g := got{Pending: r.Pending, Entries: r.Sources[0].Entries, Unknown: r.Unknown}
			if diff := cmp.Diff(tt.want, g); diff != "" {
				t.Errorf("Pending mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
