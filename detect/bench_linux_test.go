package detect

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkShutdownNotice measures what a termination signal costs before
// the record can be written: the goal is a few milliseconds at most.
//
//   - files: no systemd; all three file witnesses read, none confirms (the
//     slowest file-only path);
//   - nologin: no systemd; the last witness confirms;
//   - systemd: a fake systemd on the private socket of a fake root, state
//     "running" with a job queue (connect, authenticate, two calls);
//   - live: the machine's own systemd, where it is the init system (run it
//     inside the systemd harness's container for the real figure).
func BenchmarkShutdownNotice(b *testing.B) {
	run := func(b *testing.B, p *linuxProbe) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			p.ShutdownNotice(ctx, syscall.SIGTERM)
		}
	}
	b.Run("files", func(b *testing.B) {
		root := fakeRoot(b, map[string]string{
			utmpPath:    utmpRec(2, 0, "reboot") + runlevelRec('5', 'N') + utmpRec(7, 99, "alice"),
			nologinPath: bootingUp,
		})
		run(b, &linuxProbe{root: root})
	})
	b.Run("nologin", func(b *testing.B) {
		run(b, &linuxProbe{root: fakeRoot(b, map[string]string{nologinPath: goingDown})})
	})
	b.Run("systemd", func(b *testing.B) {
		root := fakeRoot(b, map[string]string{"run/systemd/system": dirEntry})
		f := &fakeSystemd{State: "running", Jobs: []systemdJob{
			{Unit: "a.service", Type: "start", State: "running"},
			{Unit: "b.timer", Type: "stop", State: "waiting"},
		}}
		f.listen(b, filepath.Join(root, "run/systemd/private"))
		run(b, &linuxProbe{root: root})
	})
	b.Run("live", func(b *testing.B) {
		if !systemdBooted("/") {
			b.Skip("systemd is not the init system here")
		}
		run(b, &linuxProbe{root: "/"})
	})
}
