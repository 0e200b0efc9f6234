package detect

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"
)

// TestSystemdLive asks the machine's own systemd, where systemd is the init
// system (the systemd harness runs it inside a container booted by
// systemd-nspawn): the answer must be a known manager state, within the
// deadline, and ShutdownNotice must say unconfirmed while nothing shuts down.
// It asks a hundred times more, each time answered. Where a system bus
// runs, systemd is asked over it too: the path taken when the private socket
// is not ours to use.
func TestSystemdLive(t *testing.T) {
	if !systemdBooted("/") {
		t.Skip("systemd is not the init system here (no /run/systemd/system)")
	}
	known := []string{"initializing", "starting", "running", "degraded", "maintenance", "stopping"}
	start := time.Now()
	v, err := querySystemd(context.Background(), "/", 0)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("querySystemd: %v", err)
	}
	t.Logf("systemd state %q, %d jobs, in %v", v.State, len(v.Jobs), took)
	if !slices.Contains(known, v.State) {
		t.Errorf("SystemState = %q, want one of %v", v.State, known)
	}
	if w := v.witness(); w != "" {
		t.Errorf("witness = %q while nothing shuts down", w)
	}

	// Again and again, each with a deadline no load here reaches: a call
	// that systemd read and left unanswered (godbus writes the first call
	// right behind the SASL BEGIN, which systemd's server might read
	// together with it) fails here, rather than costing 50 ms on a
	// shutdown notice now and then.
	for i := range 100 {
		if _, err := querySystemd(context.Background(), "/", 2*time.Second); err != nil {
			t.Fatalf("query %d of 100: %v", i+1, err)
		}
	}

	const bus = "/run/dbus/system_bus_socket"
	if _, err := os.Stat(bus); err != nil {
		t.Logf("no system bus here (%v)", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := dialDBus(ctx, bus, true)
	if err != nil {
		t.Fatalf("system bus: %v", err)
	}
	defer c.Close()
	v, err = systemdAsk(ctx, c)
	if err != nil {
		t.Fatalf("over the system bus: %v", err)
	}
	t.Logf("over the system bus: systemd state %q, %d jobs", v.State, len(v.Jobs))
	if !slices.Contains(known, v.State) {
		t.Errorf("over the system bus: SystemState = %q, want one of %v", v.State, known)
	}
}
