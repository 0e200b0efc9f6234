package detect

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

const (
	wmClose        = 0x0010
	wmDestroy      = 0x0002
	smShuttingDown = 0x2000
	// sentinelPoll is how often the sentinel reads SM_SHUTTINGDOWN.
	sentinelPoll = time.Second
)

// startSentinel starts "upwrap __sentinel" beside the child and serves its
// reports; the returned conn asks it for fresh readings. The sentinel has
// no console at all: DETACHED_PROCESS, "the new process does not inherit
// its parent's console"
// (https://learn.microsoft.com/en-us/windows/win32/procthread/process-creation-flags).
// CREATE_NO_WINDOW would still give it a console of its own, only without
// a window ("The process is a console application that is being run
// without a console window", same page), and with it the console's
// control events. It exits when its stdin, upwrap's end of the pipe,
// closes.
func startSentinel(handle func(Notice), log *slog.Logger) (func(), *sentinelConn, error) {
	exe, err := os.Executable()
	if err != nil {
		return func() {}, nil, fmt.Errorf("sentinel: %w", err)
	}
	cmd := exec.Command(exe, SentinelCommand)
	cmd.SysProcAttr = &windows.SysProcAttr{CreationFlags: windows.DETACHED_PROCESS}
	in, err := cmd.StdinPipe()
	if err != nil {
		return func() {}, nil, fmt.Errorf("sentinel: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return func() {}, nil, fmt.Errorf("sentinel: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return func() {}, nil, fmt.Errorf("sentinel: %w", err)
	}
	conn := newSentinelConn(in)
	served := make(chan struct{})
	go func() {
		defer close(served)
		serveSentinel(out, conn, handle, func(pid int, session uint32) {
			log.Info("sentinel ready", "sentinel_pid", pid, "session", session)
		}, log.Info)
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			in.Close()
			t := time.NewTimer(2 * time.Second)
			defer t.Stop()
			select {
			case <-served:
			case <-t.C:
				cmd.Process.Kill()
			}
			cmd.Wait()
		})
	}, conn, nil
}

// RunSentinel runs the sentinel process (see [SentinelCommand]): a hidden
// top-level window that reports WM_QUERYENDSESSION and WM_ENDSESSION, and a
// poll of GetSystemMetrics(SM_SHUTTINGDOWN), each on stdout, answering
// Windows only after upwrap acknowledged on stdin. It returns when stdin
// ends.
func RunSentinel(stdin io.Reader, stdout io.Writer) error {
	// Hear the end of the session before the command does (see
	// hearShutdownFirst).
	hearShutdownFirst()
	// The window and its message loop belong to one OS thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	link := newSentinelLink(stdout)

	wndProc := func(hwnd windows.HWND, msg uint32, wParam, lParam uintptr) uintptr {
		switch msg {
		case wmQueryEndSession:
			link.report("msg", "QUERYENDSESSION", []uint64{uint64(wParam), uint64(lParam)}, noticeBudget)
			return 1 // never stand in the way of a shutdown
		case wmEndSession:
			link.report("msg", "ENDSESSION", []uint64{uint64(wParam), uint64(lParam)}, noticeBudget)
			return 0
		case wmDestroy:
			postQuitMessage(0)
			return 0
		}
		return defWindowProc(hwnd, msg, wParam, lParam)
	}
	var inst windows.Handle
	if err := windows.GetModuleHandleEx(0, nil, &inst); err != nil {
		return fmt.Errorf("sentinel: %w", err)
	}
	cls, _ := windows.UTF16PtrFromString("upwrap-sentinel")
	wc := wndClassEx{wndProc: windows.NewCallback(wndProc), instance: inst, className: cls}
	wc.size = uint32(unsafe.Sizeof(wc))
	if _, err := registerClassEx(&wc); err != nil {
		return fmt.Errorf("sentinel: RegisterClassEx: %w", err)
	}
	// A top-level window, never shown: message-only windows (HWND_MESSAGE)
	// do not receive the broadcast WM_QUERYENDSESSION.
	hwnd, err := createWindowEx(0, cls, cls, 0, 0, 0, 0, 0, 0, 0, inst, 0)
	if err != nil {
		return fmt.Errorf("sentinel: CreateWindowEx: %w", err)
	}

	go func() {
		link.readControl(stdin, func() uint64 { return uint64(uint32(getSystemMetrics(smShuttingDown))) })
		// upwrap is gone: close the window, which ends the message loop.
		postMessage(hwnd, wmClose, 0, 0)
	}()
	go func() {
		var last int32
		for {
			v := getSystemMetrics(smShuttingDown)
			if v != 0 && last == 0 {
				link.report("metric", "SM_SHUTTINGDOWN", []uint64{uint64(v)}, noticeBudget)
			}
			last = v
			time.Sleep(sentinelPoll)
		}
	}()
	var session uint32
	windows.ProcessIdToSessionId(windows.GetCurrentProcessId(), &session)
	if err := link.ready(os.Getpid(), session); err != nil {
		return fmt.Errorf("sentinel: %w", err)
	}
	var m winMsg
	for {
		r, err := getMessage(&m, 0, 0, 0)
		if err != nil {
			return fmt.Errorf("sentinel: GetMessage: %w", err)
		}
		if r == 0 {
			return nil
		}
		dispatchMessage(&m)
	}
}
