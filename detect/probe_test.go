package detect

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIntroduced(t *testing.T) {
	src := func(name string, pending, checked bool) PendingSource {
		return PendingSource{Name: name, Pending: pending, Checked: checked}
	}
	tests := []struct {
		name          string
		before, after []PendingSource
		ignore        []string
		want          []string
	}{
		{"nothing", nil, nil, nil, nil},
		{"new source", []PendingSource{src("a", false, true)}, []PendingSource{src("a", true, true)}, nil, []string{"a"}},
		{"already pending before", []PendingSource{src("a", true, true)}, []PendingSource{src("a", true, true)}, nil, nil},
		{"ignored", nil, []PendingSource{src("a", true, true), src("b", true, true)}, []string{"a"}, []string{"b"}},
		{"cleared by the run", []PendingSource{src("a", true, true)}, []PendingSource{src("a", false, true)}, nil, nil},
		{"unchecked before, pending after", []PendingSource{src("a", false, false)}, []PendingSource{src("a", true, true)}, nil, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Introduced(tt.before, tt.after, tt.ignore)); diff != "" {
				t.Errorf("Introduced mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
