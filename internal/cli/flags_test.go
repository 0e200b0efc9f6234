package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseSize: --log-max-size takes bytes or K, M, G (powers of 1024),
// with or without a trailing B; anything else is a usage error.
func TestParseSize(t *testing.T) {
	got := map[string]any{}
	for _, in := range []string{"0", "1024", "64M", "64m", "100K", "100KB", "1G", " 2M ", "-1", "64X", "", "M", "9999999999G"} {
		n, err := parseSize("log-max-size", in)
		if err != nil {
			got[in] = "error"
			continue
		}
		got[in] = n
	}
	want := map[string]any{
		"0": int64(0), "1024": int64(1024), "64M": int64(64 << 20), "64m": int64(64 << 20), "100K": int64(100 << 10),
		"100KB": int64(100 << 10), "1G": int64(1 << 30), " 2M ": int64(2 << 20),
		"-1": "error", "64X": "error", "": "error", "M": "error", "9999999999G": "error",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseSize (-want +got):\n%s", diff)
	}
}
