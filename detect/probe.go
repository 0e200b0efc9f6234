package detect

import (
	"context"
	"os"
	"time"
)

// Probe is what package wrap asks of the machine. [System] returns the one
// for the running OS; tests use fakes.
type Probe interface {
	// BootID returns the identity of the current boot. It is recorded when a
	// job starts and compared on later runs: a different value means the
	// machine restarted in between. An error means the identity could not be
	// read; callers must not guess.
	BootID(ctx context.Context) (string, error)

	// ShutdownNotice is called when a termination signal arrives while a
	// child runs, and with a nil sig when the child ended abnormally and no
	// notice explained it (the shutdown window: is the system going down?). It reports whether the system confirms that it is going
	// down, and which witness said so. It must return quickly: the record is
	// written after it returns, and at shutdown the process may be killed a
	// few seconds later.
	ShutdownNotice(ctx context.Context, sig os.Signal) Notice

	// PendingReboot checks every reboot-pending source of this OS and returns
	// one entry per source, in a stable order.
	PendingReboot(ctx context.Context) []PendingSource
}

// Notice describes a termination signal as the system explains it.
type Notice struct {
	// Signal names the notice, e.g. "SIGTERM" or "CTRL_SHUTDOWN_EVENT".
	Signal string
	// Confirmed is true only when a witness says the system is shutting down
	// or restarting. False means an operator's stop, or nothing could tell.
	Confirmed bool
	// Witness names what confirmed the shutdown ("systemd-state=stopping",
	// "/run/systemd/shutdown/scheduled", ...). Empty when not confirmed.
	Witness string
	// Detail is one human line on an unconfirmed notice: what the witnesses
	// said instead ("no shutdown witness: systemd state running, ...").
	// Empty when confirmed or when the OS has no witness to ask.
	Detail string
}

// PendingSource is one reboot-pending source and what it found.
type PendingSource struct {
	// Name is stable and may be given to --ignore-pending.
	Name string `json:"name"`
	// Pending is true when this source says a reboot is needed.
	Pending bool `json:"pending"`
	// Checked is false when the source could not be read (missing tool,
	// unreadable or malformed file). An unchecked source is never pending.
	Checked bool `json:"checked"`
	// Detail is one human line: what was found, or why it was not checked.
	Detail string `json:"detail"`
	// Entries lists what the source holds where it is a list (the packages
	// of /var/run/reboot-required.pkgs, PendingFileRenameOperations).
	Entries []string `json:"entries,omitempty"`
}

// PendingNames returns the names of the pending sources in list after the
// --ignore-pending rules of [FilterPending].
func PendingNames(list []PendingSource, ignore []string) []string {
	var names []string
	for _, s := range FilterPending(list, ignore) {
		if s.Pending {
			names = append(names, s.Name)
		}
	}
	return names
}

// Introduced returns the names of the sources a run added (the delta rule
// of docs/design.md §4), after the --ignore-pending rules: pending in after and
// either not pending in before, or holding an entry (a file rename, a
// package) that before did not. A stale source that was already pending,
// with nothing new in it, is not the run's doing.
func Introduced(before, after []PendingSource, ignore []string) []string {
	was := map[string]PendingSource{}
	for _, s := range FilterPending(before, ignore) {
		was[s.Name] = s
	}
	var added []string
	for _, s := range FilterPending(after, ignore) {
		if !s.Pending {
			continue
		}
		if b, ok := was[s.Name]; !ok || !b.Pending || newEntries(b.Entries, s.Entries) {
			added = append(added, s.Name)
		}
	}
	return added
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// BusyChecker is implemented by probes that can tell whether the machine is
// busy with another installation, so that upwrap answers "busy, retry later"
// instead of starting an installer that would fail.
type BusyChecker interface {
	// Busy reports whether another installation is in progress, and what
	// said so.
	Busy(ctx context.Context) (bool, string)
}

// BootClock is implemented by probes that can tell how long ago the current
// boot began: `run --await-mark` counts its deadline from the restart.
type BootClock interface {
	// SinceBoot returns the time since the current boot began.
	SinceBoot(ctx context.Context) (time.Duration, error)
}
