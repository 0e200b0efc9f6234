package wrap

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLogBudget: the child's output stops at the limit, upwrap's events get
// eventRoom more, a failed write stops everything, and the stop is said
// once.
func TestLogBudget(t *testing.T) {
	type step struct {
		n     int
		child bool
		err   error
	}
	errFake := errors.New("fake")
	tests := []struct {
		name  string
		max   int64
		steps []step
		want  []bool
		notes []string
	}{
		{"no limit", 0, []step{{100, true, nil}, {1 << 30, true, nil}}, []bool{true, true}, []string{"", ""}},
		{"child output stops at the limit", 1000, []step{{600, true, nil}, {600, true, nil}, {10, true, nil}, {600, false, nil}},
			[]bool{true, false, false, true}, []string{"", "the log reached its size limit of 1000 bytes (--log-max-size)", "", ""}},
		{"events beyond eventRoom are dropped", 1000, []step{{1000, true, nil}, {eventRoom, false, nil}, {1, false, nil}},
			[]bool{true, true, false}, []string{"", "", ""}},
		{"a failed write stops events too", 0, []step{{10, true, errFake}, {10, false, nil}, {10, true, nil}},
			[]bool{true, false, false}, []string{"writing it failed: fake", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := logBudget{max: tt.max, every: 1 << 62}
			var got []bool
			var notes []string
			for _, s := range tt.steps {
				ok := b.allow(s.n, s.child)
				got = append(got, ok)
				if ok {
					b.wrote(s.n, s.err)
				}
				notes = append(notes, b.takeNote())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("allowed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.notes, notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
		})
	}
}
