package marker

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"github.com/upwrap/upwrap/internal/wintest"
)

// These run on Windows and under Wine (scripts/wine-harness).

// TestWindowsStateDirCreatedTrusted: Open creates the state directory with its
// security descriptor and accepts it on every later open.
func TestWindowsStateDirCreatedTrusted(t *testing.T) {
	dir := filepath.Join(wintest.TempDir(t), "state")
	if _, err := Open(dir, true); err != nil {
		t.Fatal(err)
	}
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, securityInfoFlags)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("state directory: %s", sd)
	if _, err := Open(dir, false); err != nil {
		t.Errorf("reopen: %v", err)
	}
}

// TestWindowsStateDirOthersMayWrite: a directory whose DACL grants Everyone
// write access is refused, on open and so on every read.
func TestWindowsStateDirOthersMayWrite(t *testing.T) {
	dir := filepath.Join(wintest.TempDir(t), "state")
	if _, err := Open(dir, true); err != nil {
		t.Fatal(err)
	}
	sd, err := windows.SecurityDescriptorFromString("D:(A;OICI;FA;;;WD)")
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		t.Fatal(err)
	}
	got, _ := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, securityInfoFlags)
	t.Logf("after granting Everyone full control: %s", got)
	_, err = Open(dir, false)
	if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "S-1-1-0") {
		t.Errorf("Open of a directory Everyone may write: %v, want ErrUntrusted naming S-1-1-0", err)
	}
}

// TestWindowsRecordWrite: records are replaced with MoveFileEx, also while
// another process (antivirus) holds the old one open for a moment.
func TestWindowsRecordWrite(t *testing.T) {
	st, err := Open(filepath.Join(wintest.TempDir(t), "state"), true)
	if err != nil {
		t.Fatal(err)
	}
	r := &Record{Job: "job", State: Running, Reason: "first"}
	if err := st.Write("job", r); err != nil {
		t.Fatal(err)
	}
	// Hold the record without FILE_SHARE_DELETE: MoveFileEx over it fails
	// with a sharing violation until it is closed.
	p, _ := windows.UTF16PtrFromString(st.RecordPath("job"))
	h, err := windows.CreateFile(p, windows.GENERIC_READ, windows.FILE_SHARE_READ, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		windows.CloseHandle(h)
	}()
	r.State, r.Reason = Succeeded, "second"
	if err := st.Write("job", r); err != nil {
		t.Fatalf("write while the record was held: %v", err)
	}
	got, err := st.Read("job")
	if err != nil || got.Reason != "second" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	// The temporary file is gone.
	if _, err := openTrusted(st.tempPath("job")); err == nil {
		t.Error("temporary file left behind")
	}
}

// TestWindowsRegistryMirror: --registry copies the state into
// HKLM\SOFTWARE\upwrap\Jobs\<id>; Remove deletes it.
func TestWindowsRegistryMirror(t *testing.T) {
	st, err := Open(filepath.Join(wintest.TempDir(t), "state"), true)
	if err != nil {
		t.Fatal(err)
	}
	const id = ID("mirror-test")
	defer registry.DeleteKey(registry.LOCAL_MACHINE, mirrorPath(id))
	if err := st.EnableMirror(id); err != nil {
		t.Fatal(err)
	}
	code := int64(3010)
	if err := st.Write(id, &Record{Job: id, State: RebootRequired, ExitCode: &code, Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, mirrorPath(id), registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		t.Fatal(err)
	}
	state, _, err1 := k.GetStringValue("State")
	exit, _, err2 := k.GetIntegerValue("ExitCode")
	rec, _, err3 := k.GetStringValue("Record")
	k.Close()
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if state != "reboot-required" || exit != 3010 || !strings.Contains(rec, `"state":"reboot-required"`) {
		t.Errorf("mirror State=%q ExitCode=%d Record=%q", state, exit, rec)
	}
	if err := st.Remove(id); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.OpenKey(registry.LOCAL_MACHINE, mirrorPath(id), registry.QUERY_VALUE|registry.WOW64_64KEY); !errors.Is(err, registry.ErrNotExist) {
		t.Errorf("mirror still there after Remove: %v", err)
	}
	// A job that was never mirrored gets no key.
	if err := st.Write("plain", &Record{Job: "plain", State: Succeeded}); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.OpenKey(registry.LOCAL_MACHINE, mirrorPath("plain"), registry.QUERY_VALUE|registry.WOW64_64KEY); !errors.Is(err, registry.ErrNotExist) {
		t.Errorf("an unmirrored job got a key: %v", err)
	}
}
