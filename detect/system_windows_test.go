package detect

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// These run on Windows and under Wine (scripts/wine-harness), against the
// real registry of the machine or prefix.

// TestWindowsPendingSources checks the registry sources as the harness
// set them with "wine reg add": with UPWRAP_WINE_PENDING=all every one of
// the 15 must be reported pending, by name, with what it found; with
// UPWRAP_WINE_PENDING=none, none. Without the variable it only checks that
// every source is read.
func TestWindowsPendingSources(t *testing.T) {
	list := System().PendingReboot(context.Background())
	if len(list) != 15 {
		t.Fatalf("%d sources, want 15", len(list))
	}
	mode := os.Getenv("UPWRAP_WINE_PENDING")
	for _, s := range list {
		t.Logf("%-32s pending=%-5v checked=%-5v %s %q", s.Name, s.Pending, s.Checked, s.Detail, s.Entries)
		switch mode {
		case "all":
			if !s.Pending || !s.Checked {
				t.Errorf("%s not reported pending: %s", s.Name, s.Detail)
			}
		case "none":
			if s.Pending {
				t.Errorf("%s reported pending: %s", s.Name, s.Detail)
			}
		}
	}
	if mode != "all" {
		return
	}
	details := map[string]string{}
	entries := map[string][]string{}
	for _, s := range list {
		details[s.Name], entries[s.Name] = s.Detail, s.Entries
	}
	for name, want := range map[string]string{
		"update-exe-volatile":            "UpdateExeVolatile = 1",
		"server-manager-reboot-attempts": "CurrentRebootAttempts = 2",
		"computer-rename":                `becomes "UPWRAP-NEXT"`,
		"dns-hostname-rename":            `becomes "upwrap-next"`,
	} {
		if !strings.Contains(details[name], want) {
			t.Errorf("%s: detail %q, want %q", name, details[name], want)
		}
	}
	if got := strings.Join(entries["pending-file-rename"], "|"); got != `C:\av\defs.tmp -> (delete)|C:\app\new.dll -> C:\app\app.dll` {
		t.Errorf("pending-file-rename entries %q", got)
	}
}

// TestWindowsBootWitnesses reads the witnesses twice: the identity holds
// within one boot, the volatile key is created once and then present.
func TestWindowsBootWitnesses(t *testing.T) {
	p := windowsProbe{}
	a, err := p.BootWitnesses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.BootWitnesses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first: %+v; second: %+v", a, b)
	if a.Identity != b.Identity || !strings.HasPrefix(a.Identity, "windows:t=") {
		t.Errorf("identity %q then %q", a.Identity, b.Identity)
	}
	if b.VolatileKey != "present" {
		t.Errorf("volatile key %q on the second read, want present", b.VolatileKey)
	}
	if !strings.Contains(a.Identity, ",k=") {
		t.Errorf("identity %q has no volatile-key token", a.Identity)
	}
	id, err := p.BootID(context.Background())
	if err != nil || id != a.Identity {
		t.Errorf("BootID = %q, %v; want %q", id, err, a.Identity)
	}
}

// TestWindowsBusy holds Global\_MSIExecute on a thread of its own, as an
// msiexec transaction does, and sets ServicingInProgress.
func TestWindowsBusy(t *testing.T) {
	p := windowsProbe{}
	if busy, why := p.Busy(context.Background()); busy {
		t.Fatalf("busy before anything is held: %s", why)
	}
	held, release := make(chan error), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		name, _ := windows.UTF16PtrFromString(`Global\_MSIExecute`)
		h, err := windows.CreateMutex(nil, true, name)
		held <- err
		if err != nil {
			return
		}
		<-release
		windows.ReleaseMutex(h)
		windows.CloseHandle(h)
	}()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	busy, why := p.Busy(context.Background())
	close(release)
	<-done
	if !busy || !strings.Contains(why, "_MSIExecute") {
		t.Errorf("with the MSI mutex held: busy=%v %q", busy, why)
	}
	if busy, why := p.Busy(context.Background()); busy {
		t.Errorf("busy after the mutex was released: %s", why)
	}

	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, keyCBSInterface, registry.SET_VALUE|registry.WOW64_64KEY)
	if err != nil {
		t.Fatal(err)
	}
	defer registry.DeleteKey(registry.LOCAL_MACHINE, keyCBSInterface)
	defer k.Close()
	for v, want := range map[uint32]bool{1: false, 2: true} {
		k.SetDWordValue("ServicingInProgress", v)
		if busy, why := p.Busy(context.Background()); busy != want {
			t.Errorf("ServicingInProgress=%d: busy=%v (%s), want %v", v, busy, why, want)
		}
	}
}

// TestWindowsConsoleHandler: upwrap's handler can be set and removed.
// Wine never sends CTRL_SHUTDOWN_EVENT; TestCtrlHandler covers what the
// handler does with it.
func TestWindowsConsoleHandler(t *testing.T) {
	stop, err := watchConsole(func(Notice) {}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	stop()
}
