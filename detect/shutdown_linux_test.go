package detect

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// scheduledFile is logind's schedule file for a shutdown at t.
func scheduledFile(t time.Time, mode string) string {
	return fmt.Sprintf("USEC=%d\nWARN_WALL=1\nMODE=%s\nUID=0\n", t.UnixMicro(), mode)
}

const (
	goingDown = "System is going down. Unprivileged users are not permitted to log in anymore. For technical details, see pam_nologin(8).\n"
	bootingUp = "System is booting up. Unprivileged users are not permitted to log in yet. Please come back later. For technical details, see pam_nologin(8).\n"
)

// TestShutdownNoticeFiles covers the file witnesses, on a machine whose init
// is not systemd (no /run/systemd/system): each confirms alone, and stale,
// early, unreadable or malformed ones never do.
func TestShutdownNoticeFiles(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name  string
		files map[string]string
		want  Notice
		// detail is a part of the Detail line of an unconfirmed notice.
		detail string
	}{
		{
			name:   "nothing says so",
			files:  map[string]string{},
			want:   Notice{Signal: "SIGTERM"},
			detail: "init is not systemd",
		},
		{
			name:  "scheduled reboot whose time has come",
			files: map[string]string{scheduledPath: scheduledFile(now.Add(-time.Second), "reboot")},
			want:  Notice{Signal: "SIGTERM", Confirmed: true, Witness: "/run/systemd/shutdown/scheduled (mode=reboot)"},
		},
		{
			name:  "scheduled poweroff due within the slack",
			files: map[string]string{scheduledPath: scheduledFile(now.Add(2*time.Second), "poweroff")},
			want:  Notice{Signal: "SIGTERM", Confirmed: true, Witness: "/run/systemd/shutdown/scheduled (mode=poweroff)"},
		},
		{
			name:   "scheduled reboot minutes ahead is a plan, not this signal",
			files:  map[string]string{scheduledPath: scheduledFile(now.Add(5*time.Minute), "reboot")},
			want:   Notice{Signal: "SIGTERM"},
			detail: "reboot scheduled for ",
		},
		{
			name:   "dry run (shutdown -k)",
			files:  map[string]string{scheduledPath: scheduledFile(now.Add(-time.Second), "dry-reboot")},
			want:   Notice{Signal: "SIGTERM"},
			detail: "dry run",
		},
		{
			name:   "schedule without a time is malformed",
			files:  map[string]string{scheduledPath: "MODE=reboot\n"},
			want:   Notice{Signal: "SIGTERM"},
			detail: "/run/systemd/shutdown/scheduled malformed",
		},
		{
			name:   "schedule with garbage is malformed",
			files:  map[string]string{scheduledPath: "\x7fELF\x02\x01\x01"},
			want:   Notice{Signal: "SIGTERM"},
			detail: "/run/systemd/shutdown/scheduled malformed",
		},
		{
			name:   "schedule that cannot be read",
			files:  map[string]string{scheduledPath: dirEntry},
			want:   Notice{Signal: "SIGTERM"},
			detail: "/run/systemd/shutdown/scheduled unreadable",
		},
		{
			name:  "runlevel 6 in utmp",
			files: map[string]string{utmpPath: utmpRec(2, 0, "reboot") + runlevelRec('6', '5') + utmpRec(7, 1234, "alice")},
			want:  Notice{Signal: "SIGTERM", Confirmed: true, Witness: "/run/utmp (runlevel 6)"},
		},
		{
			name:  "runlevel 0 in utmp",
			files: map[string]string{utmpPath: runlevelRec('0', '3')},
			want:  Notice{Signal: "SIGTERM", Confirmed: true, Witness: "/run/utmp (runlevel 0)"},
		},
		{
			name:  "systemd's shutdown record in utmp",
			files: map[string]string{utmpPath: utmpRec(utmpRunLevel, 0, "shutdown")},
			want:  Notice{Signal: "SIGTERM", Confirmed: true, Witness: "/run/utmp (shutdown record)"},
		},
		{
			name:   "runlevel 5 in utmp",
			files:  map[string]string{utmpPath: utmpRec(2, 0, "reboot") + runlevelRec('5', 'N')},
			want:   Notice{Signal: "SIGTERM"},
			detail: "init is not systemd",
		},
		{
			name:   "the last run-level record counts",
			files:  map[string]string{utmpPath: runlevelRec('6', '5') + runlevelRec('5', 'S')},
			want:   Notice{Signal: "SIGTERM"},
			detail: "init is not systemd",
		},
		{
			name:   "a user process with pid '6' is not a run level",
			files:  map[string]string{utmpPath: utmpRec(7, '6', "runlevel")},
			want:   Notice{Signal: "SIGTERM"},
			detail: "init is not systemd",
		},
		{
			name:   "truncated utmp",
			files:  map[string]string{utmpPath: runlevelRec('6', '5')[:383]},
			want:   Notice{Signal: "SIGTERM"},
			detail: "/run/utmp malformed",
		},
		{
			name:   "utmp that cannot be read",
			files:  map[string]string{utmpPath: dirEntry},
			want:   Notice{Signal: "SIGTERM"},
			detail: "/run/utmp unreadable",
		},
		{
			name:  "PID 1 is systemd-shutdown, systemd's final stage",
			files: map[string]string{pid1CommPath: "systemd-shutdow\n"},
			want:  Notice{Signal: "SIGTERM", Confirmed: true, Witness: "pid1=systemd-shutdown"},
		},
		{
			name:   "PID 1 is systemd",
			files:  map[string]string{pid1CommPath: "systemd\n"},
			want:   Notice{Signal: "SIGTERM"},
			detail: "init is not systemd",
		},
		{
			name:  "nologin going down",
			files: map[string]string{nologinPath: goingDown},
			want:  Notice{Signal: "SIGTERM", Confirmed: true, Witness: "/run/nologin (System is going down)"},
		},
		{
			name:   "nologin at boot",
			files:  map[string]string{nologinPath: bootingUp},
			want:   Notice{Signal: "SIGTERM"},
			detail: "init is not systemd",
		},
		{
			name:   "an administrator's nologin",
			files:  map[string]string{nologinPath: "Maintenance until 18:00, call Bob.\n"},
			want:   Notice{Signal: "SIGTERM"},
			detail: "init is not systemd",
		},
		{
			name:   "empty nologin",
			files:  map[string]string{nologinPath: ""},
			want:   Notice{Signal: "SIGTERM"},
			detail: "init is not systemd",
		},
		{
			name: "nologin explained by a shutdown scheduled for later",
			files: map[string]string{
				nologinPath:   goingDown,
				scheduledPath: scheduledFile(now.Add(4*time.Minute), "reboot"),
			},
			want:   Notice{Signal: "SIGTERM"},
			detail: "reboot scheduled for ",
		},
		{
			name:   "nologin that cannot be read",
			files:  map[string]string{nologinPath: dirEntry},
			want:   Notice{Signal: "SIGTERM"},
			detail: "/run/nologin unreadable",
		},
		{
			name: "the first witness decides",
			files: map[string]string{
				scheduledPath: scheduledFile(now.Add(-time.Minute), "halt"),
				utmpPath:      runlevelRec('0', '5'),
				nologinPath:   goingDown,
			},
			want: Notice{Signal: "SIGTERM", Confirmed: true, Witness: "/run/systemd/shutdown/scheduled (mode=halt)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &linuxProbe{root: fakeRoot(t, tt.files)}
			got := p.ShutdownNotice(context.Background(), syscall.SIGTERM)
			detail := got.Detail
			got.Detail = ""
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ShutdownNotice (-want +got):\n%s\ndetail: %s", diff, detail)
			}
			if tt.want.Confirmed != (detail == "") {
				t.Errorf("Detail = %q; want it set exactly when unconfirmed", detail)
			}
			if !strings.Contains(detail, tt.detail) {
				t.Errorf("Detail = %q, want it to contain %q", detail, tt.detail)
			}
		})
	}
}

// TestShutdownNoticeSystemd covers systemd's answer, from a fake systemd on
// the private socket or the system bus of a fake root. While systemd answers
// its word is final; when it cannot answer in time the files decide.
func TestShutdownNoticeSystemd(t *testing.T) {
	stopping := fakeSystemd{State: "stopping"}
	tests := []struct {
		name    string
		private *fakeSystemd // on /run/systemd/private
		bus     *fakeSystemd // on /run/dbus/system_bus_socket
		files   map[string]string
		want    Notice
		detail  string
	}{
		{
			name:    "manager stopping",
			private: &stopping,
			want:    Notice{Signal: "SIGTERM", Confirmed: true, Witness: "systemd-state=stopping"},
		},
		{
			name: "reboot queued while still booting",
			private: &fakeSystemd{State: "starting", Jobs: []systemdJob{
				{Unit: "multi-user.target", Type: "start", State: "waiting"},
				{Unit: "shutdown.target", Type: "start", State: "waiting"},
				{Unit: "reboot.target", Type: "start", State: "waiting"},
			}},
			want: Notice{Signal: "SIGTERM", Confirmed: true, Witness: "systemd-job=reboot.target"},
		},
		{
			name: "poweroff named before shutdown.target",
			private: &fakeSystemd{State: "running", Jobs: []systemdJob{
				{Unit: "shutdown.target", Type: "start", State: "waiting"},
				{Unit: "poweroff.target", Type: "start", State: "waiting"},
			}},
			want: Notice{Signal: "SIGTERM", Confirmed: true, Witness: "systemd-job=poweroff.target"},
		},
		{
			name: "kexec",
			private: &fakeSystemd{State: "degraded", Jobs: []systemdJob{
				{Unit: "kexec.target", Type: "start", State: "waiting"},
			}},
			want: Notice{Signal: "SIGTERM", Confirmed: true, Witness: "systemd-job=kexec.target"},
		},
		{
			name: "a stop job of reboot.target is no shutdown",
			private: &fakeSystemd{State: "running", Jobs: []systemdJob{
				{Unit: "reboot.target", Type: "stop", State: "waiting"},
				{Unit: "agent.service", Type: "stop", State: "running"},
			}},
			want:   Notice{Signal: "SIGTERM"},
			detail: "systemd state running, no shutdown job queued",
		},
		{
			name:    "systemd running: stale files do not count",
			private: &fakeSystemd{State: "running"},
			files: map[string]string{
				nologinPath: goingDown,
				utmpPath:    runlevelRec('6', '5'),
			},
			want:   Notice{Signal: "SIGTERM"},
			detail: "systemd state running",
		},
		{
			name: "over the system bus when the private socket is not ours",
			bus: &fakeSystemd{State: "starting", Bus: true, Jobs: []systemdJob{
				{Unit: "halt.target", Type: "start", State: "waiting"},
			}},
			want: Notice{Signal: "SIGTERM", Confirmed: true, Witness: "systemd-job=halt.target"},
		},
		{
			name:    "private socket refuses us, the bus answers",
			private: &fakeSystemd{Reject: true},
			bus:     &fakeSystemd{State: "stopping", Bus: true},
			want:    Notice{Signal: "SIGTERM", Confirmed: true, Witness: "systemd-state=stopping"},
		},
		{
			name: "replies out of order",
			private: &fakeSystemd{State: "running", Reverse: true, Jobs: []systemdJob{
				{Unit: "poweroff.target", Type: "start", State: "waiting"},
			}},
			want: Notice{Signal: "SIGTERM", Confirmed: true, Witness: "systemd-job=poweroff.target"},
		},
		{
			name:   "systemd gone: no socket answers, nothing else says so",
			want:   Notice{Signal: "SIGTERM"},
			detail: "systemd not reachable",
		},
		{
			name:  "systemd gone: the files decide",
			files: map[string]string{nologinPath: goingDown},
			want:  Notice{Signal: "SIGTERM", Confirmed: true, Witness: "/run/nologin (System is going down)"},
		},
		{
			name:    "systemd hangs: the deadline passes and the files decide",
			private: &fakeSystemd{Hang: true},
			files:   map[string]string{utmpPath: utmpRec(utmpRunLevel, 0, "shutdown")},
			want:    Notice{Signal: "SIGTERM", Confirmed: true, Witness: "/run/utmp (shutdown record)"},
		},
		{
			name:    "systemd hangs and nothing else says so",
			private: &fakeSystemd{Hang: true},
			want:    Notice{Signal: "SIGTERM"},
			detail:  "no answer within",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeRoot(t, tt.files)
			writeTree(t, root, map[string]string{"run/systemd/system": dirEntry})
			if tt.private != nil {
				tt.private.listen(t, filepath.Join(root, "run/systemd/private"))
			}
			if tt.bus != nil {
				tt.bus.listen(t, filepath.Join(root, "run/dbus/system_bus_socket"))
			}
			// A generous deadline: the fake answers at once, but the
			// machine running the tests may be loaded. The cases where
			// systemd hangs use the real one.
			p := &linuxProbe{root: root, systemdTimeout: 5 * time.Second}
			if tt.private != nil && tt.private.Hang {
				p.systemdTimeout = 0
			}
			got := p.ShutdownNotice(context.Background(), syscall.SIGTERM)
			detail := got.Detail
			got.Detail = ""
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ShutdownNotice (-want +got):\n%s\ndetail: %s", diff, detail)
			}
			if !strings.Contains(detail, tt.detail) {
				t.Errorf("Detail = %q, want it to contain %q", detail, tt.detail)
			}
		})
	}
}

// TestShutdownNoticeBusCalls checks what upwrap asks a bus: Hello first, then
// systemd's manager, never starting a service for it (NO_AUTO_START).
func TestShutdownNoticeBusCalls(t *testing.T) {
	for _, tt := range []struct {
		state string
		want  []string
	}{
		{"stopping", []string{
			"Hello org.freedesktop.DBus 2",
			"Get org.freedesktop.systemd1 2",
			"ListJobs org.freedesktop.systemd1 2",
		}},
		{"running", []string{
			"Hello org.freedesktop.DBus 2",
			"Get org.freedesktop.systemd1 2",
			"ListJobs org.freedesktop.systemd1 2",
		}},
	} {
		root := fakeRoot(t, map[string]string{"run/systemd/system": dirEntry})
		bus := &fakeSystemd{State: tt.state, Bus: true}
		bus.listen(t, filepath.Join(root, "run/dbus/system_bus_socket"))
		(&linuxProbe{root: root, systemdTimeout: 5 * time.Second}).ShutdownNotice(context.Background(), syscall.SIGTERM)
		if diff := cmp.Diff(tt.want, bus.Calls()); diff != "" {
			t.Errorf("state %s: calls (-want +got):\n%s", tt.state, diff)
		}
	}
}

// TestShutdownNoticeDeadline checks that a systemd that accepts and never
// answers costs no more than the deadline: the notice comes back, and a
// caller's shorter deadline is honoured.
func TestShutdownNoticeDeadline(t *testing.T) {
	root := fakeRoot(t, map[string]string{"run/systemd/system": dirEntry})
	(&fakeSystemd{Hang: true}).listen(t, filepath.Join(root, "run/systemd/private"))
	p := &linuxProbe{root: root}
	done := make(chan Notice, 1)
	go func() { done <- p.ShutdownNotice(context.Background(), syscall.SIGTERM) }()
	select {
	case n := <-done:
		if n.Confirmed {
			t.Errorf("hanging systemd confirmed a shutdown: %+v", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ShutdownNotice did not return although systemd never answers")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := p.ShutdownNotice(ctx, syscall.SIGHUP)
	if n.Confirmed || n.Signal != "SIGHUP" || !strings.Contains(n.Detail, "systemd not reachable") {
		t.Errorf("with a cancelled context: %+v", n)
	}
}

// TestSignalNames checks the names recorded for the signals wrap listens to.
func TestSignalNames(t *testing.T) {
	got := []string{SignalName(syscall.SIGTERM), SignalName(syscall.SIGHUP), SignalName(syscall.SIGPWR), SignalName(syscall.SIGINT), SignalName(nil)}
	want := []string{"SIGTERM", "SIGHUP", "SIGPWR", "SIGINT", ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("signal names (-want +got):\n%s", diff)
	}
}
