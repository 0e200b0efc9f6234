package wrap

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/detect"
)

// TestPending checks the report behind `upwrap pending`: every source is
// listed, ignored ones are marked and do not count, unchecked ones never
// count, and ignore names that match nothing are named.
func TestPending(t *testing.T) {
	req := detect.PendingSource{Name: "reboot-required", Pending: true, Checked: true, Detail: "exists", Entries: []string{"libc6"}}
	kern := detect.PendingSource{Name: "running-kernel", Pending: true, Checked: true, Detail: "newer kernel"}
	tool := detect.PendingSource{Name: "needs-restarting", Detail: "not installed"}
	clean := detect.PendingSource{Name: "reboot-needed", Checked: true, Detail: "absent"}
	tests := []struct {
		name    string
		sources []detect.PendingSource
		ignore  []string
		want    PendingReport
	}{
		{
			name: "no sources on this OS",
			want: PendingReport{Sources: []PendingSource{}, Pending: []string{}},
		},
		{
			name:    "nothing pending",
			sources: []detect.PendingSource{clean, tool},
			want: PendingReport{
				Sources: []PendingSource{{PendingSource: clean}, {PendingSource: tool}},
				Pending: []string{},
			},
		},
		{
			name:    "two pending, one ignored, one unknown name",
			sources: []detect.PendingSource{req, clean, tool, kern},
			ignore:  []string{"running-kernel", "PendingFileRenameOperations", "running-kernel"},
			want: PendingReport{
				Sources: []PendingSource{{PendingSource: req}, {PendingSource: clean}, {PendingSource: tool}, {PendingSource: kern, Ignored: true}},
				Pending: []string{"reboot-required"},
				Unknown: []string{"PendingFileRenameOperations"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Pending(context.Background(), &fakeProbe{pending: tt.sources}, tt.ignore)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Pending (-want +got):\n%s", diff)
			}
		})
	}
}
