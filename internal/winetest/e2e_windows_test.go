package winetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"github.com/upwrap/upwrap/internal/wintest"
)

// The test binary doubles as the command upwrap runs, in the mode that
// E2E_CHILD_MODE names (see child). The name must not start with UPWRAP_:
// upwrap removes those variables from the command's environment.
func TestMain(m *testing.M) {
	if mode, arg, ok := strings.Cut(os.Getenv("E2E_CHILD_MODE"), ":"); ok {
		os.Exit(child(mode, arg))
	}
	os.Exit(m.Run())
}

func child(mode, arg string) int {
	switch mode {
	case "exit": // exit with the given code
		n, _ := strconv.ParseInt(arg, 0, 64)
		return int(n)
	case "argv": // write the arguments as JSON to the file arg
		b, _ := json.Marshal(os.Args[1:])
		os.WriteFile(arg, b, 0o600)
		return 0
	case "modules": // write the modules of upwrap and of its sentinel to arg
		return writeModules(arg)
	case "spawn": // start a copy in mode late, exit at once
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "E2E_CHILD_MODE=late:"+arg)
		cmd.Start()
		return 0
	case "late": // wait, then write the file arg
		time.Sleep(4 * time.Second)
		os.WriteFile(arg, []byte("done"), 0o600)
		return 0
	case "started-late": // write arg+".started" now, then act as late
		os.WriteFile(arg+".started", nil, 0o600)
		return child("late", arg)
	}
	return 99
}

func upwrapExe(t *testing.T) string {
	exe := os.Getenv("UPWRAP_EXE")
	if exe == "" {
		t.Skip("UPWRAP_EXE is not set (scripts/wine-harness sets it)")
	}
	return exe
}

// upwrap runs upwrap.exe with the child mode in its environment and
// returns its full 32-bit exit code.
func upwrap(t *testing.T, childMode string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(upwrapExe(t), args...)
	cmd.Env = append(os.Environ(), "E2E_CHILD_MODE="+childMode)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("upwrap %q: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

func stateDir(t *testing.T) string { return filepath.Join(wintest.TempDir(t), "state") }

// record reads a job's record as a generic JSON object.
func record(t *testing.T, dir, job string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, job+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// holdMutex holds a named mutex on a thread of its own until release.
func holdMutex(t *testing.T, name string) (release func()) {
	t.Helper()
	held, rel, done := make(chan error), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		p, _ := windows.UTF16PtrFromString(name)
		h, err := windows.CreateMutex(nil, true, p)
		held <- err
		if err != nil {
			return
		}
		<-rel
		windows.ReleaseMutex(h)
		windows.CloseHandle(h)
	}()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	return func() { close(rel); <-done }
}

// TestE2EExitCodes: the msi profile's codes as a Windows parent (an agent)
// sees them, 32 bits wide.
func TestE2EExitCodes(t *testing.T) {
	dir := stateDir(t)
	self := os.Args[0]
	tests := []struct {
		job, child string
		want       int
	}{
		{"ok", "exit:0", 0},
		{"soft-reboot", "exit:3010", 3010},
		{"hard-reboot", "exit:1641", 1641},
		{"msi-failure", "exit:1603", 1603},
		{"setup-rollback", "exit:0xC1900101", 0xC1900101},
	}
	for _, tt := range tests {
		t.Run(tt.job, func(t *testing.T) {
			got, out := upwrap(t, tt.child, "run", "--state-dir", dir, "--job", tt.job, "--", self)
			if got != tt.want {
				t.Errorf("exit code %d, want %d\n%s", got, tt.want, out)
			}
		})
	}

	t.Run("busy: an MSI installation holds Global\\_MSIExecute", func(t *testing.T) {
		marker := filepath.Join(wintest.TempDir(t), "ran")
		release := holdMutex(t, `Global\_MSIExecute`)
		got, out := upwrap(t, "argv:"+marker, "run", "--state-dir", dir, "--job", "busy-msi", "--", self)
		release()
		if got != 1618 {
			t.Errorf("exit code %d, want 1618\n%s", got, out)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Error("the child ran although the machine was busy")
		}
		// Free again: the same command runs.
		if got, out := upwrap(t, "argv:"+marker, "run", "--state-dir", dir, "--job", "busy-msi", "--", self); got != 0 {
			t.Errorf("after the installation ended: exit code %d, want 0\n%s", got, out)
		}
	})

	t.Run("busy: Component Based Servicing at work", func(t *testing.T) {
		const key = `SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Interface`
		k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, key, registry.SET_VALUE|registry.WOW64_64KEY)
		if err != nil {
			t.Fatal(err)
		}
		k.SetDWordValue("ServicingInProgress", 2)
		k.Close()
		defer registry.DeleteKey(registry.LOCAL_MACHINE, key)
		if got, out := upwrap(t, "exit:0", "run", "--state-dir", dir, "--job", "busy-cbs", "--", self); got != 1618 {
			t.Errorf("exit code %d, want 1618\n%s", got, out)
		}
	})

	t.Run("timeout terminates the job", func(t *testing.T) {
		late := filepath.Join(wintest.TempDir(t), "late")
		got, out := upwrap(t, "spawn:"+late, "run", "--state-dir", dir, "--job", "timeout", "--timeout", "1s", "--", self)
		if got != 27010 {
			t.Errorf("exit code %d, want 27010\n%s", got, out)
		}
		time.Sleep(5 * time.Second)
		if _, err := os.Stat(late); err == nil {
			t.Error("the grandchild outlived --timeout")
		}
	})
}

// TestE2EArgv: every argument reaches the child exactly, quoted per the
// Windows rules (CommandLineToArgvW / the C runtime).
func TestE2EArgv(t *testing.T) {
	dir := stateDir(t)
	out := filepath.Join(wintest.TempDir(t), "argv.json")
	args := []string{
		"plain", "with space", `"quoted"`, `say "hi" there`, `trailing\`, `trailing two\\`,
		`C:\Program Files\App\`, `a\"b`, `a\\"b`, "", " ", `\\server\share\`, "%PATH%", `^&|<>`, "tab\there",
	}
	code, o := upwrap(t, "argv:"+out, append([]string{"run", "--state-dir", dir, "--job", "argv", "--", os.Args[0]}, args...)...)
	if code != 0 {
		t.Fatalf("exit code %d\n%s", code, o)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	json.Unmarshal(b, &got)
	if diff := cmp.Diff(args, got); diff != "" {
		t.Errorf("argv mismatch (-want +got):\n%s", diff)
	}
}

// TestE2ENoUser32: the main upwrap process has loaded neither user32.dll
// nor gdi32.dll (it would then no longer receive CTRL_SHUTDOWN_EVENT),
// while its sentinel, started beside the child, has user32 — which shows
// the module list can see it.
func TestE2ENoUser32(t *testing.T) {
	dir := stateDir(t)
	out := filepath.Join(wintest.TempDir(t), "modules.json")
	code, o := upwrap(t, "modules:"+out, "run", "--state-dir", dir, "--job", "modules", "--expect-reboot", "--", os.Args[0])
	if code != 0 {
		t.Fatalf("exit code %d\n%s", code, o)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var mods struct{ Upwrap, Sentinel []string }
	if err := json.Unmarshal(b, &mods); err != nil {
		t.Fatal(err)
	}
	t.Logf("upwrap: %v\nsentinel: %v", mods.Upwrap, mods.Sentinel)
	if len(mods.Upwrap) == 0 || !contains(mods.Upwrap, "upwrap.exe") {
		t.Fatalf("no module list of upwrap: %v", mods.Upwrap)
	}
	for _, m := range []string{"user32.dll", "gdi32.dll"} {
		if contains(mods.Upwrap, m) {
			t.Errorf("the main upwrap process loaded %s", m)
		}
	}
	if !contains(mods.Sentinel, "user32.dll") {
		t.Errorf("the sentinel shows no user32.dll: the module list cannot be trusted (%v)", mods.Sentinel)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// writeModules is the child of TestE2ENoUser32: it finds its parent
// (upwrap) and the parent's sentinel, and lists their modules.
func writeModules(file string) int {
	parent, err := parentPID(uint32(os.Getpid()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var res struct{ Upwrap, Sentinel []string }
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		res.Upwrap = modules(parent)
		for _, pid := range childrenNamed(parent, "upwrap.exe") {
			if m := modules(pid); contains(m, "user32.dll") {
				res.Sentinel = m
			}
		}
		if res.Sentinel != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := json.Marshal(res)
	os.WriteFile(file, b, 0o600)
	return 0
}

func processes() []windows.ProcessEntry32 {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil
	}
	defer windows.CloseHandle(snap)
	var out []windows.ProcessEntry32
	var pe windows.ProcessEntry32
	pe.Size = uint32(unsafe.Sizeof(pe))
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		out = append(out, pe)
	}
	return out
}

func parentPID(pid uint32) (uint32, error) {
	for _, p := range processes() {
		if p.ProcessID == pid {
			return p.ParentProcessID, nil
		}
	}
	return 0, fmt.Errorf("process %d not found", pid)
}

func childrenNamed(parent uint32, name string) []uint32 {
	var out []uint32
	for _, p := range processes() {
		if p.ParentProcessID == parent && strings.EqualFold(windows.UTF16ToString(p.ExeFile[:]), name) {
			out = append(out, p.ProcessID)
		}
	}
	return out
}

func modules(pid uint32) []string {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPMODULE, pid)
	if err != nil {
		return nil
	}
	defer windows.CloseHandle(snap)
	var out []string
	var me windows.ModuleEntry32
	me.Size = uint32(unsafe.Sizeof(me))
	for err = windows.Module32First(snap, &me); err == nil; err = windows.Module32Next(snap, &me) {
		out = append(out, strings.ToLower(windows.UTF16ToString(me.Module[:])))
	}
	return out
}

const (
	keyCBSRebootPending = `SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending`
	keySessionManager   = `SYSTEM\CurrentControlSet\Control\Session Manager`
)

// TestE2EDeltaRule: a pending source that was set before the run (a stale
// PendingFileRenameOperations left by antivirus) does not make the job
// reboot-required; one the child sets (with reg.exe) does, by name; a new
// rename the child adds counts unless --ignore-pending matches it.
func TestE2EDeltaRule(t *testing.T) {
	dir := stateDir(t)
	sm, err := registry.OpenKey(registry.LOCAL_MACHINE, keySessionManager, registry.SET_VALUE|registry.WOW64_64KEY)
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close()
	stale := func() {
		if err := sm.SetStringsValue("PendingFileRenameOperations", []string{`\??\C:\av\defs.tmp`, `\??\C:\av\defs.bin`}); err != nil {
			t.Fatal(err)
		}
	}
	defer sm.DeleteValue("PendingFileRenameOperations")
	defer registry.DeleteKey(registry.LOCAL_MACHINE, keyCBSRebootPending)

	regAdd := func(args ...string) []string { return append([]string{"reg", "add"}, args...) }
	tests := []struct {
		name       string
		child      []string
		flags      []string
		code       int
		state      string
		introduced []string
	}{
		{"the child sets a CBS reboot", regAdd(`HKLM\`+keyCBSRebootPending, "/f"), nil, 3010, "reboot-required", []string{"cbs-reboot-pending"}},
		{"the child only looks", []string{"reg", "query", `HKLM\` + keySessionManager}, nil, 0, "succeeded", nil},
		{"the child adds a file rename", regAdd(`HKLM\`+keySessionManager, "/v", "PendingFileRenameOperations", "/t", "REG_MULTI_SZ", "/d", `\??\C:\app\new.dll\0\??\C:\app\app.dll`, "/f"), nil, 3010, "reboot-required", []string{"pending-file-rename"}},
		{"the child's rename is ignored by pattern", regAdd(`HKLM\`+keySessionManager, "/v", "PendingFileRenameOperations", "/t", "REG_MULTI_SZ", "/d", `\??\C:\app\new.dll\0\??\C:\app\app.dll`, "/f"), []string{"--ignore-pending", `pending-file-rename:C:\app\*`}, 0, "succeeded", nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			registry.DeleteKey(registry.LOCAL_MACHINE, keyCBSRebootPending)
			stale()
			job := fmt.Sprintf("delta-%d", i)
			args := append([]string{"run", "--state-dir", dir, "--job", job}, tt.flags...)
			code, out := upwrap(t, "", append(append(args, "--"), tt.child...)...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\n%s", code, tt.code, out)
			}
			r := record(t, dir, job)
			var intro []string
			for _, v := range r["pending_introduced"].([]any) {
				intro = append(intro, v.(string))
			}
			if r["state"] != tt.state {
				t.Errorf("state %v, want %s", r["state"], tt.state)
			}
			if diff := cmp.Diff(tt.introduced, intro); diff != "" {
				t.Errorf("pending_introduced mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestE2EWitnessesAndMirror: the record carries the boot witnesses; with
// --registry the state is mirrored for detection rules, and clear removes
// the mirror.
func TestE2EWitnessesAndMirror(t *testing.T) {
	dir := stateDir(t)
	const job = "mirrored"
	path := `SOFTWARE\upwrap\Jobs\` + job
	defer registry.DeleteKey(registry.LOCAL_MACHINE, path)
	if code, out := upwrap(t, "exit:3010", "run", "--state-dir", dir, "--job", job, "--registry", "--", os.Args[0]); code != 3010 {
		t.Fatalf("exit code %d\n%s", code, out)
	}
	r := record(t, dir, job)
	w, _ := r["boot_witnesses"].(map[string]any)
	if w == nil || w["identity"] != r["boot_start"] || w["boot_time"] == "" {
		t.Errorf("boot_witnesses %v, boot_start %v", w, r["boot_start"])
	}
	if vk, _ := w["volatile_key"].(string); vk != "created" && vk != "present" {
		t.Errorf("volatile_key %q", vk)
	}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		t.Fatalf("no registry mirror: %v", err)
	}
	state, _, _ := k.GetStringValue("State")
	code, _, _ := k.GetIntegerValue("ExitCode")
	k.Close()
	if state != "reboot-required" || code != 3010 {
		t.Errorf("mirror State=%q ExitCode=%d", state, code)
	}
	if code, out := upwrap(t, "", "clear", "--state-dir", dir, "--job", job); code != 0 {
		t.Fatalf("clear: exit code %d\n%s", code, out)
	}
	if _, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.WOW64_64KEY); !errors.Is(err, registry.ErrNotExist) {
		t.Errorf("mirror left after clear: %v", err)
	}
}

// TestE2EUntrustedStateDir: a state directory that Everyone may write is
// refused (27004) and nothing runs.
func TestE2EUntrustedStateDir(t *testing.T) {
	dir := stateDir(t)
	if code, out := upwrap(t, "exit:0", "run", "--state-dir", dir, "--job", "first", "--", os.Args[0]); code != 0 {
		t.Fatalf("exit code %d\n%s", code, out)
	}
	sd, _ := windows.SecurityDescriptorFromString("D:(A;OICI;FA;;;WD)")
	dacl, _, _ := sd.DACL()
	if err := windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		t.Fatal(err)
	}
	ran := filepath.Join(wintest.TempDir(t), "ran")
	code, out := upwrap(t, "argv:"+ran, "run", "--state-dir", dir, "--job", "second", "--", os.Args[0])
	if code != 27004 || !strings.Contains(out, "S-1-1-0") {
		t.Errorf("exit code %d, want 27004 naming S-1-1-0\n%s", code, out)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Error("the child ran from an untrusted state directory")
	}
	if code, _ := upwrap(t, "", "status", "--state-dir", dir, "--job", "first"); code != 27004 {
		t.Errorf("status read an untrusted directory: exit code %d, want 27004", code)
	}
}

// TestE2ESentinelDiesWithUpwrap: when upwrap dies (killed, not stopped),
// its end of the pipe closes and the sentinel exits; the upgrade goes on.
func TestE2ESentinelDiesWithUpwrap(t *testing.T) {
	dir := stateDir(t)
	late := filepath.Join(wintest.TempDir(t), "late")
	cmd := exec.Command(upwrapExe(t), "run", "--state-dir", dir, "--job", "killed", "--expect-reboot", "--", os.Args[0])
	cmd.Env = append(os.Environ(), "E2E_CHILD_MODE=started-late:"+late)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	upwrapPID := uint32(cmd.Process.Pid)
	// Kill upwrap only once the upgrade runs (it is started suspended,
	// put in the job, then resumed) and the sentinel is up.
	var sentinels []uint32
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		sentinels = childrenNamed(upwrapPID, "upwrap.exe")
		if _, err := os.Stat(late + ".started"); err == nil && len(sentinels) > 0 {
			break
		}
	}
	if _, err := os.Stat(late + ".started"); err != nil || len(sentinels) == 0 {
		cmd.Process.Kill()
		t.Fatalf("the upgrade (%v) or the sentinel (%v) never started", err, sentinels)
	}
	cmd.Process.Kill()
	cmd.Wait()
	// The upgrade lives on in its named job object: every command answers
	// busy, and none starts a second copy (docs/design.md §5).
	for _, args := range [][]string{
		{"status", "--state-dir", dir, "--job", "killed"},
		{"run", "--state-dir", dir, "--job", "killed", "--expect-reboot", "--", os.Args[0]},
	} {
		if code, out := upwrap(t, "started-late:"+late+".second", args...); code != 1618 {
			t.Errorf("upwrap %s while the upgrade lives: exit %d, want 1618 (busy)\n%s", args[0], code, out)
		}
	}
	if _, err := os.Stat(late + ".second.started"); err == nil {
		t.Error("a second copy of the upgrade was started while the first lived")
	}
	gone := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !gone; time.Sleep(50 * time.Millisecond) {
		gone = !alive(sentinels[0])
	}
	if !gone {
		t.Error("the sentinel outlived upwrap")
	}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(late); err == nil {
			break
		}
	}
	if _, err := os.Stat(late); err != nil {
		t.Fatal("the upgrade died with upwrap")
	}
	// Once the tree has ended, the same boot reads interrupted.
	code := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if code, _ = upwrap(t, "exit:0", "status", "--state-dir", dir, "--job", "killed"); code != 1618 {
			break
		}
	}
	if code != 27007 {
		t.Errorf("status after the upgrade ended: exit %d, want 27007 (interrupted)", code)
	}
}

func alive(pid uint32) bool {
	for _, p := range processes() {
		if p.ProcessID == pid {
			return true
		}
	}
	return false
}

// msiGreeting reads the value the test MSI (scripts/wine-harness builds it
// with wixl) writes from its GREETING property, and forgets it.
func msiGreeting(t *testing.T) string {
	t.Helper()
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `Software\upwrap-msi-test`, registry.QUERY_VALUE|registry.WOW64_32KEY)
	if err != nil {
		t.Fatalf("the MSI wrote no value: %v", err)
	}
	v, _, err := k.GetStringValue("Greeting")
	k.Close()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestE2EMsiexecProperty: msiexec installs a wixl-built MSI with a property
// that holds a space, from the argv (upwrap writes PROPERTY="value") and
// from --raw-cmdline (the text after -- as typed).
func TestE2EMsiexecProperty(t *testing.T) {
	msi := os.Getenv("UPWRAP_TEST_MSI")
	if msi == "" {
		t.Skip("UPWRAP_TEST_MSI is not set (scripts/wine-harness builds the MSI)")
	}
	exe := upwrapExe(t)
	dir := stateDir(t)
	uninstall := func() {
		exec.Command("msiexec", "/x", msi, "/qn").Run()
		registry.DeleteKey(registry.LOCAL_MACHINE, `Software\Wow6432Node\upwrap-msi-test`)
	}
	uninstall()
	t.Run("argv", func(t *testing.T) {
		defer uninstall()
		want := `C:\Program Files\My App\`
		code, out := upwrap(t, "", "run", "--state-dir", dir, "--job", "msi-argv", "--", "msiexec", "/i", msi, "/qn", "GREETING="+want)
		if code != 0 {
			t.Fatalf("exit code %d\n%s", code, out)
		}
		if got := msiGreeting(t); got != want {
			t.Errorf("GREETING = %q, want %q", got, want)
		}
	})
	t.Run("argv with quotes in the value", func(t *testing.T) {
		defer uninstall()
		// Windows Installer reads "" inside a quoted value as one quote
		// (see wrap/cmdline.go); Wine's msiexec drops them. Logged, not
		// checked: only real Windows can confirm this row.
		code, out := upwrap(t, "", "run", "--state-dir", dir, "--job", "msi-quotes", "--", "msiexec", "/i", msi, "/qn", `GREETING=say "hi" now`)
		if code != 0 {
			t.Fatalf("exit code %d\n%s", code, out)
		}
		t.Logf(`GREETING=say "hi" now reached the MSI as %q`, msiGreeting(t))
	})
	t.Run("raw", func(t *testing.T) {
		defer uninstall()
		cmd := exec.Command(exe)
		cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `upwrap.exe run --raw-cmdline --state-dir "` + dir + `" --job msi-raw -- msiexec /i "` + msi + `" /qn GREETING="typed as is"`}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if got := msiGreeting(t); got != "typed as is" {
			t.Errorf("GREETING = %q, want %q", got, "typed as is")
		}
	})
	t.Run("control: the C runtime's quoting", func(t *testing.T) {
		defer uninstall()
		// Windows' msiexec answers "GREETING=hello wide world" with its
		// usage box and 1639 (golang/go#15566); Wine's takes it. Logged:
		// Wine cannot show this failure.
		cmd := exec.Command("msiexec", "/i", msi, "/qn", "GREETING=hello wide world") // os/exec writes "GREETING=hello wide world"
		err := cmd.Run()
		got := ""
		if err == nil {
			got = msiGreeting(t)
		}
		t.Logf(`Wine's msiexec given "GREETING=hello wide world": %v, GREETING = %q`, err, got)
	})
}
