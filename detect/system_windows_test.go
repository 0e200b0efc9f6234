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
	p := &windowsProbe{}
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
	p := &windowsProbe{}
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

// TestWindowsVolatileKeyCheck: a Boot key made without REG_OPTION_VOLATILE
// (by hand, by an older build) is found out, deleted and made again,
// volatile, with a new token: its old token would survive every restart.
func TestWindowsVolatileKeyCheck(t *testing.T) {
	p := &windowsProbe{}
	if _, err := p.BootWitnesses(context.Background()); err != nil {
		t.Fatal(err)
	}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, keyBoot, registry.QUERY_VALUE|registry.CREATE_SUB_KEY|registry.WOW64_64KEY)
	if err != nil {
		t.Fatal(err)
	}
	if !isVolatile(k) {
		t.Error("the key upwrap made is not volatile")
	}
	k.Close()
	// An older build's key: stable, with a token.
	if err := registry.DeleteKey(registry.LOCAL_MACHINE, keyBoot); err != nil {
		t.Fatal(err)
	}
	stable, _, err := registry.CreateKey(registry.LOCAL_MACHINE, keyBoot, registry.SET_VALUE|registry.WOW64_64KEY)
	if err != nil {
		t.Fatal(err)
	}
	stale := "windows:t=1,c=1,k=0000000000000000"
	stable.SetStringValue(bootValue, stale)
	stable.Close()

	w, err := p.BootWitnesses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after a stable key: %+v", w)
	if w.VolatileKey != "recreated: the key was not volatile" {
		t.Errorf("volatile key %q, want it recreated", w.VolatileKey)
	}
	if strings.Contains(w.Identity, "k=0000000000000000") {
		t.Errorf("the stale token was kept: %s", w.Identity)
	}
	k, err = registry.OpenKey(registry.LOCAL_MACHINE, keyBoot, registry.QUERY_VALUE|registry.CREATE_SUB_KEY|registry.WOW64_64KEY)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if !isVolatile(k) {
		t.Error("the recreated key is not volatile")
	}
	if w2, _ := p.BootWitnesses(context.Background()); w2.VolatileKey != "present" || w2.Identity != w.Identity {
		t.Errorf("next read: %+v, want the recreated key present with %s", w2, w.Identity)
	}
}

// TestWindowsGUIModules: the check finds user32.dll once it is loaded, and
// nothing before (this test binary, like upwrap, never loads it on its
// own).
func TestWindowsGUIModules(t *testing.T) {
	if got := guiModulesLoaded(); len(got) != 0 {
		t.Fatalf("loaded before the test loaded them: %v", got)
	}
	h, err := windows.LoadLibrary("user32.dll")
	if err != nil {
		t.Fatal(err)
	}
	defer windows.FreeLibrary(h)
	got := guiModulesLoaded()
	t.Logf("after LoadLibrary(user32.dll): %v", got)
	if len(got) == 0 || got[0] != "user32.dll" {
		t.Errorf("guiModulesLoaded = %v, want user32.dll found", got)
	}
}

// TestWindowsShutdownLevel: upwrap's shutdown level is above the 0x280
// every process starts at, with SHUTDOWN_NORETRY.
func TestWindowsShutdownLevel(t *testing.T) {
	if err := hearShutdownFirst(); err != nil {
		t.Fatal(err)
	}
	var level, flags uint32
	if err := windows.GetProcessShutdownParameters(&level, &flags); err != nil {
		t.Fatal(err)
	}
	if level != shutdownLevel || level <= 0x280 || flags != shutdownNoRetry {
		t.Errorf("shutdown level %#x flags %#x, want %#x and SHUTDOWN_NORETRY", level, flags, shutdownLevel)
	}
}
