package detect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/windows"
)

// windowsProbe reads the running Windows machine.
type windowsProbe struct {
	mu       sync.Mutex
	sentinel *sentinelConn // while WatchNotices runs
}

// System returns the probe of the running machine. On Windows it also
// implements [BusyChecker], [NoticeWatcher], [ShutdownAsker] and
// [BootExplainer].
func System() Probe { return &windowsProbe{} }

// BootID implements [Probe]: the identity decided by the boot witnesses
// (see [windowsProbe.BootWitnesses]).
func (p *windowsProbe) BootID(ctx context.Context) (string, error) {
	w, err := p.BootWitnesses(ctx)
	return w.Identity, err
}

// ShutdownNotice implements [Probe]. While a job runs, CTRL_SHUTDOWN_EVENT
// and CTRL_LOGOFF_EVENT are answered by upwrap's own console handler
// (WatchNotices) before Go's runtime sees them, so a SIGTERM that still
// arrives is CTRL_CLOSE_EVENT: the console window was closed, an operator's
// act, never confirmed.
func (*windowsProbe) ShutdownNotice(ctx context.Context, sig os.Signal) Notice {
	return Notice{Signal: SignalName(sig)}
}

// PendingReboot implements [Probe]: every registry source of
// docs/design.md §8, in that order.
func (*windowsProbe) PendingReboot(ctx context.Context) []PendingSource {
	return windowsPending(hklmRegistry{})
}

// Busy implements [BusyChecker]: Windows Installer's Global\_MSIExecute
// mutex is held, or Component Based Servicing reports ServicingInProgress 2.
func (*windowsProbe) Busy(ctx context.Context) (bool, string) {
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
// channels that need user32.dll. It first asks Windows to notify this
// process before the command (hearShutdownFirst) and logs, loudly, a
// user32.dll or gdi32.dll found loaded here: with either, this process
// would never get CTRL_SHUTDOWN_EVENT.
func (p *windowsProbe) WatchNotices(ctx context.Context, handle func(Notice), log *slog.Logger) (func(), error) {
	errShutdown := hearShutdownFirst()
	if mods := guiModulesLoaded(); len(mods) > 0 {
		log.Error("upwrap: "+strings.Join(mods, " and ")+" is loaded in upwrap's own process: Windows will not send it CTRL_SHUTDOWN_EVENT; only the sentinel and the boot identity can tell a restart", "gui_modules", strings.Join(mods, ","))
	} else {
		log.Info("console shutdown channel ready", "gui_modules", "none")
	}
	stopConsole, errConsole := watchConsole(handle, log)
	stopSentinel, conn, errSentinel := startSentinel(handle, log)
	p.mu.Lock()
	p.sentinel = conn
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		p.sentinel = nil
		p.mu.Unlock()
		stopSentinel()
		stopConsole()
	}, errors.Join(errShutdown, errConsole, errSentinel)
}

// askTimeout bounds a query to the sentinel.
const askTimeout = time.Second

// AskShutdown implements [ShutdownAsker]: a fresh SM_SHUTTINGDOWN reading
// from the sentinel, classified by classifyShuttingDown (never a
// confirmation). ok is false when it says nothing (0, no sentinel, no
// answer within a second).
func (p *windowsProbe) AskShutdown(ctx context.Context) (Notice, bool) {
	p.mu.Lock()
	conn := p.sentinel
	p.mu.Unlock()
	if conn == nil {
		return Notice{}, false
	}
	v, session, ok := conn.ask(askTimeout)
	if !ok {
		return Notice{}, false
	}
	n, ok, _ := classifyShuttingDown(v, session)
	return n, ok
}

// shutdownLevel is the shutdown level of upwrap and its sentinel: the top
// of the "application reserved first shutdown range" (300-3FF), above the
// 0x280 every process starts at, so that both hear a shutdown before the
// command they wrap. SetProcessShutdownParameters
// (https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-setprocessshutdownparameters):
// "The system shuts down processes from high dwLevel values to low", and
// processes in the system security context, which do not get shut down,
// "also get notified in the order specified by the dwLevel parameter".
const shutdownLevel = 0x3FF

// shutdownNoRetry is SHUTDOWN_NORETRY (same page): no retry dialog, which
// nobody could answer in session 0.
const shutdownNoRetry = 0x1

// hearShutdownFirst sets this process's shutdown level above the
// command's.
func hearShutdownFirst() error {
	if err := windows.SetProcessShutdownParameters(shutdownLevel, shutdownNoRetry); err != nil {
		return fmt.Errorf("SetProcessShutdownParameters: %w", err)
	}
	return nil
}

// guiModulesLoaded returns user32.dll and gdi32.dll if either is loaded in
// this process. A console process that has loaded them is treated as a GUI
// process and no longer receives CTRL_SHUTDOWN_EVENT ("SetConsoleCtrlHandler",
// https://learn.microsoft.com/en-us/windows/console/setconsolectrlhandler:
// "If a console application loads the gdi32.dll or user32.dll library, the
// HandlerRoutine function that you specify when you call
// SetConsoleCtrlHandler does not get called for the CTRL_LOGOFF_EVENT and
// CTRL_SHUTDOWN_EVENT events"). GetModuleHandleEx with
// GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT looks without loading
// (https://learn.microsoft.com/en-us/windows/win32/api/libloaderapi/nf-libloaderapi-getmodulehandleexw).
func guiModulesLoaded() []string {
	var found []string
	for _, name := range []string{"user32.dll", "gdi32.dll"} {
		p, _ := windows.UTF16PtrFromString(name)
		var h windows.Handle
		if windows.GetModuleHandleEx(windows.GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, p, &h) == nil && h != 0 {
			found = append(found, name)
		}
	}
	return found
}
