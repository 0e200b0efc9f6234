package detect

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{`C:\ProgramData\Sophos\*`, `C:\ProgramData\Sophos\x\y.dll`, true},
		{`c:\programdata\sophos\*`, `C:\ProgramData\Sophos\a`, true},
		{`C:\ProgramData\Sophos\*`, `C:\ProgramData\Other\a`, false},
		{`*\drivers\*.sys`, `C:\Windows\System32\drivers\x.sys`, true},
		{`*.sy?`, `a.sys`, true},
		{`*.sy?`, `a.sy`, false},
		{`exact`, `exact`, true},
		{`exact`, `exact2`, false},
		{`*`, ``, true},
		{`a*b*c`, `aXXbYYc`, true},
		{`a*b*c`, `aXXbYY`, false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// TestIgnoreRules covers both forms of --ignore-pending and the delta rule
// on list sources.
func TestIgnoreRules(t *testing.T) {
	pfro := func(entries ...string) PendingSource {
		return PendingSource{Name: "pending-file-rename", Pending: len(entries) > 0, Checked: true, Entries: entries}
	}
	av := `C:\ProgramData\AV\def.bin -> (delete)`
	drv := `C:\Windows\System32\drivers\x.sys.new -> C:\Windows\System32\drivers\x.sys`
	app := `C:\Program Files\App\app.dll.new -> C:\Program Files\App\app.dll`
	cbs := PendingSource{Name: "cbs-reboot-pending", Pending: true, Checked: true}
	tests := []struct {
		name          string
		before, after []PendingSource
		ignore        []string
		pending       []string
		introduced    []string
	}{
		{"stale PFRO is not this run's doing", []PendingSource{pfro(av)}, []PendingSource{pfro(av)}, nil, []string{"pending-file-rename"}, nil},
		{"a new PFRO entry is", []PendingSource{pfro(av)}, []PendingSource{pfro(av, app)}, nil, []string{"pending-file-rename"}, []string{"pending-file-rename"}},
		{"an entry this run removed is not", []PendingSource{pfro(av, app)}, []PendingSource{pfro(av)}, nil, []string{"pending-file-rename"}, nil},
		{"antivirus noise ignored by pattern", nil, []PendingSource{pfro(av)}, []string{`pending-file-rename:C:\ProgramData\AV\*`}, nil, nil},
		{"noise ignored, the app's rename still counts", nil, []PendingSource{pfro(av, app)}, []string{`pending-file-rename:C:\ProgramData\AV\*`}, []string{"pending-file-rename"}, []string{"pending-file-rename"}},
		{"two patterns", nil, []PendingSource{pfro(av, drv)}, []string{`pending-file-rename:*\AV\*`, `pending-file-rename:*\drivers\*`}, nil, nil},
		{"pattern matches the source path, not the destination", nil, []PendingSource{pfro(drv)}, []string{`pending-file-rename:*\x.sys`}, []string{"pending-file-rename"}, []string{"pending-file-rename"}},
		{"whole source ignored", nil, []PendingSource{pfro(app), cbs}, []string{"pending-file-rename"}, []string{"cbs-reboot-pending"}, []string{"cbs-reboot-pending"}},
		{"pattern on a source without entries does nothing", nil, []PendingSource{cbs}, []string{"cbs-reboot-pending:*"}, []string{"cbs-reboot-pending"}, []string{"cbs-reboot-pending"}},
		{"a rule for another source does nothing", nil, []PendingSource{pfro(av)}, []string{"pending-file-rename-2:*"}, []string{"pending-file-rename"}, []string{"pending-file-rename"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.pending, PendingNames(tt.after, tt.ignore)); diff != "" {
				t.Errorf("PendingNames mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.introduced, Introduced(tt.before, tt.after, tt.ignore)); diff != "" {
				t.Errorf("Introduced mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// Filtering never changes the caller's list.
	list := []PendingSource{pfro(av, app)}
	FilterPending(list, []string{`pending-file-rename:*`})
	if len(list[0].Entries) != 2 || !list[0].Pending {
		t.Errorf("FilterPending changed its input: %+v", list[0])
	}
}
