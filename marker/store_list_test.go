package marker

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// List names exactly the jobs with a record, sorted, whatever else the
// state directory holds.
func TestListNamesRecordsOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	st, err := Open(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"b.json", "a.json", "a.lock", "a.log", "c.lock", ".b.json.tmp", ".hidden.json",
		"Upper.json", "bad name.json", "con.json", "x.json.bak", "z-9.json",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.List()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ID{"a", "b", "z-9"}, got); diff != "" {
		t.Errorf("List mismatch (-want +got):\n%s", diff)
	}
}
