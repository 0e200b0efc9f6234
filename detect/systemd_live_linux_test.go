package detect

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestSystemdLive asks the machine's own systemd, where systemd is the init
// system (the systemd harness runs it inside a container booted by
// systemd-nspawn): the answer must be a known manager state, within the
// deadline, and ShutdownNotice must say unconfirmed while nothing shuts down.
func TestSystemdLive(t *testing.T) {
	if !systemdBooted("/") {
		t.Skip("systemd is not the init system here (no /run/systemd/system)")
	}
	start := time.Now()
	v, err := querySystemd(context.Background(), "/", 0)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("querySystemd: %v", err)
	}
	t.Logf("systemd state %q, %d jobs, in %v", v.State, len(v.Jobs), took)
	known := []string{"initializing", "starting", "running", "degraded", "maintenance", "stopping"}
	if !slices.Contains(known, v.State) {
		t.Errorf("SystemState = %q, want one of %v", v.State, known)
	}
	if w := v.witness(); w != "" {
		t.Errorf("witness = %q while nothing shuts down", w)
	}
}
