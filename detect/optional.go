package detect

import (
	"context"
	"log/slog"
)

// NoticeWatcher is implemented by probes whose OS announces a shutdown by
// other means than a signal (Windows: CTRL_SHUTDOWN_EVENT to a console
// handler, WM_QUERYENDSESSION / WM_ENDSESSION to a window,
// SM_SHUTTINGDOWN). Package wrap asks for them while a child runs.
type NoticeWatcher interface {
	// WatchNotices starts watching and calls handle for each notice, from a
	// goroutine or OS thread of its own. handle must record the notice
	// durably before it returns: the OS may end the process as soon as the
	// watcher answers it, and the watcher answers only after handle has
	// returned (or, at most, after the few seconds the OS allows). log
	// receives what the watcher saw and ignored (a user's log-off). stop
	// ends the watch; it is safe to call more than once. An error means a
	// channel could not be set up; stop is still valid and the channels
	// that did start keep working.
	WatchNotices(ctx context.Context, handle func(Notice), log *slog.Logger) (stop func(), err error)
}

// BootExplainer is implemented by probes whose boot identity is decided
// from several witnesses (Windows). BootWitnesses returns the identity, as
// [Probe.BootID] would, with what each witness said.
type BootExplainer interface {
	BootWitnesses(ctx context.Context) (BootWitnesses, error)
}

// BootWitnesses is what the witnesses of the current boot said when its
// identity was read. It is recorded with a job (key "boot_witnesses").
type BootWitnesses struct {
	// Identity is the boot identity decided from the witnesses.
	Identity string `json:"identity"`
	// BootTime is the boot time from the kernel's time since boot, now.
	BootTime string `json:"boot_time"`
	// BootCounter is PrefetchParameters\BootId, or nil where absent.
	BootCounter *uint64 `json:"boot_counter"`
	// VolatileKey says what became of upwrap's volatile registry key:
	// "present", "created", "replaced" (the other witnesses outvoted it) or
	// "unavailable: <why>".
	VolatileKey string `json:"volatile_key"`
	// Disagreement describes witnesses that were outvoted; "" when all
	// agreed.
	Disagreement string `json:"disagreement,omitempty"`
}

// ShutdownAsker is implemented by probes that can be asked, at any moment,
// for a fresh reading of a shutdown witness (Windows: SM_SHUTTINGDOWN, read
// by the sentinel). Package wrap asks it in its shutdown window, when the
// child ended abnormally and no notice has arrived.
type ShutdownAsker interface {
	// AskShutdown reports a notice when the witness says the system (or,
	// on Windows, upwrap's session) is going down; ok is false when it
	// says nothing or cannot be asked. It returns within about a second.
	AskShutdown(ctx context.Context) (n Notice, ok bool)
}
