package detect

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"runtime"

	"golang.org/x/sys/windows"
)

// windowsProbe reads the running Windows machine.
type windowsProbe struct{}

// System returns the probe of the running machine. On Windows it also
// implements [BusyChecker], [NoticeWatcher] and [BootExplainer].
func System() Probe { return windowsProbe{} }

// BootID implements [Probe]: the identity decided by the boot witnesses
// (see [windowsProbe.BootWitnesses]).
func (p windowsProbe) BootID(ctx context.Context) (string, error) {
	w, err := p.BootWitnesses(ctx)
	return w.Identity, err
}

// ShutdownNotice implements [Probe]. While a job runs, CTRL_SHUTDOWN_EVENT
// and CTRL_LOGOFF_EVENT are answered by upwrap's own console handler
// (WatchNotices) before Go's runtime sees them, so a SIGTERM that still
// arrives is CTRL_CLOSE_EVENT: the console window was closed, an operator's
// act, never confirmed.
func (windowsProbe) ShutdownNotice(ctx context.Context, sig os.Signal) Notice {
	return Notice{Signal: SignalName(sig)}
}

// PendingReboot implements [Probe]: every registry source of anchors.md
// §b.1 rows 1-15, in that order.
func (windowsProbe) PendingReboot(ctx context.Context) []PendingSource {
	return windowsPending(hklmRegistry{})
}

// Busy implements [BusyChecker]: Windows Installer's Global\_MSIExecute
// mutex is held, or Component Based Servicing reports ServicingInProgress 2.
func (windowsProbe) Busy(ctx context.Context) (bool, string) {
	v, found, _ := hklmRegistry{}.value(keyCBSInterface, "ServicingInProgress")
	return busyFrom(msiMutexHeld(), v, found)
}

// msiMutexHeld reports whether another process holds Global\_MSIExecute,
// as PSAppDeployToolkit checks before it starts msiexec: open it and try to
// take it without waiting.
func msiMutexHeld() bool {
	name, _ := windows.UTF16PtrFromString(`Global\_MSIExecute`)
	h, err := windows.OpenMutex(windows.SYNCHRONIZE|windows.MUTEX_MODIFY_STATE, false, name)
	if err != nil {
		// Not found: no installation runs. Any other error (access
		// denied): cannot tell, and upwrap does not refuse to work on a
		// guess.
		return false
	}
	defer windows.CloseHandle(h)
	// A mutex belongs to the thread that took it: release it on the same one.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ev, err := windows.WaitForSingleObject(h, 0)
	switch {
	case err != nil:
		return false
	case ev == uint32(windows.WAIT_TIMEOUT):
		return true
	}
	windows.ReleaseMutex(h)
	return false
}

// WatchNotices implements [NoticeWatcher]: a console control handler for
// CTRL_SHUTDOWN_EVENT in this process, and the sentinel process for the
// channels that need user32.dll.
func (windowsProbe) WatchNotices(ctx context.Context, handle func(Notice), log *slog.Logger) (func(), error) {
	stopConsole, errConsole := watchConsole(handle, log)
	stopSentinel, errSentinel := startSentinel(handle, log)
	return func() {
		stopSentinel()
		stopConsole()
	}, errors.Join(errConsole, errSentinel)
}
