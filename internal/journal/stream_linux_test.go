package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMatches(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "stream"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := os.Create(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	for _, tc := range []struct {
		env  string
		file *os.File
		want bool
	}{
		{env, f, true},
		{env, g, false}, // the variable was inherited, stderr redirected elsewhere
		{"", f, false},
		{"garbage", f, false},
		{fmt.Sprintf("%d:x", st.Dev), f, false},
		{fmt.Sprintf("%d:%d", st.Dev+1, st.Ino), f, false},
	} {
		if got := matches(tc.env, tc.file); got != tc.want {
			t.Errorf("matches(%q, %s) = %v, want %v", tc.env, tc.file.Name(), got, tc.want)
		}
	}
}
