package marker

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"github.com/upwrap/upwrap/internal/wintest"
)

// These run on Windows and under Wine (scripts/wine-harness).

// newWinStore opens (creating it) a state directory in a fresh temporary
// directory.
func newWinStore(tb testing.TB) *Store {
	tb.Helper()
	st, err := Open(filepath.Join(wintest.TempDir(tb), "state"), true)
	if err != nil {
		tb.Fatal(err)
	}
	// Before the temporary directory's removal: the handle does not
	// share delete.
	tb.Cleanup(func() { st.Close() })
	return st
}

// holdRecord opens the job's record as a reader that does not share
// delete (antivirus, a scan), so that a rename over it is refused while
// the handle is open.
func holdRecord(t *testing.T, st *Store, id ID) windows.Handle {
	t.Helper()
	p, _ := windows.UTF16PtrFromString(st.RecordPath(id))
	h, err := windows.CreateFile(p, windows.GENERIC_READ, windows.FILE_SHARE_READ, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// setSecurity gives path the owner and DACL of sddl (those that info
// names).
func setSecurity(path, sddl string, info windows.SECURITY_INFORMATION) error {
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return err
	}
	owner, _, _ := sd.Owner()
	dacl, _, _ := sd.DACL()
	if info&windows.OWNER_SECURITY_INFORMATION == 0 {
		owner = nil
	}
	return windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, info, owner, nil, dacl, nil)
}

// TestWindowsStateDirCreatedTrusted: Open creates the state directory with its
// security descriptor and accepts it on every later open.
func TestWindowsStateDirCreatedTrusted(t *testing.T) {
	dir := filepath.Join(wintest.TempDir(t), "state")
	st, err := Open(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, securityInfoFlags)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("state directory: %s", sd)
	st, err = Open(dir, false)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	st.Close()
}

// TestWindowsStateDirOthersMayWrite: a directory whose DACL grants Everyone
// write access is refused, on open and so on every read.
func TestWindowsStateDirOthersMayWrite(t *testing.T) {
	dir := filepath.Join(wintest.TempDir(t), "state")
	st, err := Open(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := setSecurity(dir, "D:(A;OICI;FA;;;WD)", windows.DACL_SECURITY_INFORMATION); err != nil {
		t.Fatal(err)
	}
	got, _ := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, securityInfoFlags)
	t.Logf("after granting Everyone full control: %s", got)
	_, err = Open(dir, false)
	if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "S-1-1-0") {
		t.Errorf("Open of a directory Everyone may write: %v, want ErrUntrusted naming S-1-1-0", err)
	}
}

// TestWindowsRecordWrite: records are renamed into place through the
// temporary file's handle, also while another process (antivirus, a
// reader) holds the old one open: without FILE_SHARE_DELETE for a moment
// (retried), and with it for the whole write (replaced at once; the
// holder keeps reading the old record).
func TestWindowsRecordWrite(t *testing.T) {
	st := newWinStore(t)
	var err error
	r := &Record{Job: "job", State: Running, Reason: "first"}
	if err := st.Write("job", r); err != nil {
		t.Fatal(err)
	}
	h := holdRecord(t, st, "job")
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

	// A second handle that shares delete, open across the write: with
	// POSIX semantics (FileRenameInfoEx, NTFS on Windows 10 1607+) the
	// record is replaced at once and the holder keeps the old one; without
	// them (Wine, FAT, older Windows) the rename waits for the holder
	// until the deadline, then fails with the old record intact.
	posix := posixRenameSupported(t, st)
	t.Logf("FileRenameInfoEx with POSIX semantics supported: %v", posix)
	old, err := openTrusted(st.d, recordName("job"))
	if err != nil {
		t.Fatal(err)
	}
	r.Reason = "third"
	start := time.Now()
	err = st.WriteBy("job", r, time.Now().Add(500*time.Millisecond))
	t.Logf("record write with a second handle open on the old record all along: %v (error: %v)", time.Since(start), err)
	held, _ := io.ReadAll(old)
	old.Close()
	if !strings.Contains(string(held), `"second"`) {
		t.Errorf("the second handle reads %q, want the old record", held)
	}
	want := "third"
	if err != nil {
		if posix {
			t.Fatalf("write while a second handle held the record: %v", err)
		}
		want = "second"
	}
	if got, err := st.Read("job"); err != nil || got.Reason != want {
		t.Fatalf("read back %+v, %v; want reason %s", got, err, want)
	}

	// The same holder letting go after 100 ms, as a scan does.
	old, err = openTrusted(st.d, recordName("job"))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		old.Close()
	}()
	r.Reason = "fourth"
	start = time.Now()
	err = st.Write("job", r)
	t.Logf("record write with a second handle open on the old record for 100 ms: %v", time.Since(start))
	if err != nil {
		t.Fatalf("write while a second handle held the record for 100 ms: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(st.Dir(), tempPattern("job"))); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestWindowsRenameDeadline: a rename blocked by a holder is retried only
// until the caller's deadline (the shutdown budget), then fails with the
// old record intact.
func TestWindowsRenameDeadline(t *testing.T) {
	st := newWinStore(t)
	var err error
	r := &Record{Job: "job", State: Running, Reason: "first"}
	if err := st.Write("job", r); err != nil {
		t.Fatal(err)
	}
	h := holdRecord(t, st, "job")
	defer windows.CloseHandle(h)
	r.Reason = "second"
	start := time.Now()
	err = st.WriteBy("job", r, time.Now().Add(300*time.Millisecond))
	took := time.Since(start)
	if err == nil {
		t.Skip("the held record was replaced at once: this file system lets POSIX semantics replace a file open without FILE_SHARE_DELETE")
	}
	if took > 2*time.Second {
		t.Errorf("the rename was retried for %v, past its 300 ms deadline", took)
	}
	windows.CloseHandle(h)
	if got, err := st.Read("job"); err != nil || got.Reason != "first" {
		t.Fatalf("after a failed write: %+v, %v", got, err)
	}
}

// posixRenameSupported reports whether FileRenameInformationEx with POSIX
// semantics works in the store's directory.
func posixRenameSupported(t *testing.T, st *Store) bool {
	b, err := createTempFile(st.d, "probe-b")
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	defer removeAt(st.d, "probe-b")
	a, err := createTempFile(st.d, "probe-a")
	if err != nil {
		t.Fatal(err)
	}
	defer removeAt(st.d, "probe-a")
	defer a.Close()
	return setRenameInfo(windows.Handle(a.Fd()), handle(st.d), "probe-b", fileRenameInformationEx, fileRenameFlagReplaceIfExists|fileRenameFlagPosixSemantics) == nil
}

// BenchmarkWindowsRecordWrite: one record write (temporary file, flush,
// rename by handle, flush).
func BenchmarkWindowsRecordWrite(b *testing.B) {
	st := newWinStore(b)
	r := &Record{Job: "job", State: Running}
	for i := 0; b.Loop(); i++ {
		r.Attempts = i + 1
		if err := st.Write("job", r); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWindowsRegistryMirror: --registry copies the state into
// HKLM\SOFTWARE\upwrap\Jobs\<id>; Remove deletes it.
func TestWindowsRegistryMirror(t *testing.T) {
	st := newWinStore(t)
	var err error
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

// TestWindowsForeignOwnedStateDir: a state directory that a user created
// before upwrap's first run (owner: that user; grants: theirs) is refused
// with a fix that sets the owner too; once the fix's changes are made
// (here through SetNamedSecurityInfo: Wine's icacls is a stub that changes
// nothing, and TestIcaclsFixWorks checks the commands themselves), it is
// accepted.
func TestWindowsForeignOwnedStateDir(t *testing.T) {
	dir := filepath.Join(wintest.TempDir(t), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	const mallory = "S-1-5-32-545" // Users: a SID that is not upwrap's
	if err := setSecurity(dir, "O:"+mallory+"D:(A;OICI;FA;;;"+mallory+")(A;OICI;FA;;;SY)", windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION); err != nil {
		t.Skipf("cannot give the directory another owner here: %v", err)
	}
	got, _ := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, securityInfoFlags)
	t.Logf("pre-created: %s", got)
	if o, _, _ := got.Owner(); o == nil || o.String() != mallory {
		t.Skipf("the owner did not change (%v): Wine keeps the Unix owner; only real Windows shows this (TestIcaclsFixWorks checks the fix on the descriptor's model)", o)
	}
	_, err := Open(dir, true)
	if !errors.Is(err, ErrUntrusted) {
		t.Fatalf("Open of a foreign-owned directory = %v, want ErrUntrusted", err)
	}
	t.Logf("refusal: %v", err)
	if !strings.Contains(err.Error(), `/setowner *S-1-5-32-544`) || !strings.Contains(err.Error(), `/remove:g *`+mallory) {
		t.Errorf("the fix does not set the owner and remove the user's grant: %v", err)
	}
	// What the fix does: owner Administrators, a protected DACL for SYSTEM
	// and Administrators, the user's grant gone.
	if err := setSecurity(dir, "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION); err != nil {
		t.Fatal(err)
	}
	st, err := Open(dir, true)
	if err != nil {
		t.Fatalf("after the fix: %v", err)
	}
	st.Close()
}

// TestWindowsStateDirPinned: while a store is open, its directory cannot
// be renamed (and so not swapped for another): it was checked through the
// handle that pins it. Wine too refuses the rename, now that the handle
// has data access (FILE_LIST_DIRECTORY): an earlier handle with attribute
// rights only did not stop it there.
func TestWindowsStateDirPinned(t *testing.T) {
	base := wintest.TempDir(t)
	dir := filepath.Join(base, "state")
	st, err := Open(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	err = os.Rename(dir, filepath.Join(base, "moved"))
	t.Logf("rename of the open state directory: %v", err)
	if err == nil {
		t.Error("the state directory was renamed while the store held it")
	}
	st.Close()
	if err := os.Rename(dir, filepath.Join(base, "moved")); err != nil {
		t.Errorf("rename once the store let go: %v", err)
	}
}

// TestWindowsHardLinkRefused: a record with a second name is refused.
func TestWindowsHardLinkRefused(t *testing.T) {
	st := newWinStore(t)
	if err := st.Write("job", &Record{Job: "job", State: Running}); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(st.RecordPath("job"), st.RecordPath("job")+".2"); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	if _, err := st.Read("job"); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "hard links") {
		t.Errorf("Read of a hard-linked record = %v, want ErrUntrusted naming the links", err)
	}
}

// TestWindowsStateDirSwapped: the state directory's path renamed and
// another directory put in its place after Open. Real Windows refuses the
// rename (the store's handle does not share delete); Wine allows it, and
// then the write still goes to the directory that was opened and checked,
// through its handle, and the one now at the path gets nothing.
func TestWindowsStateDirSwapped(t *testing.T) {
	base := wintest.TempDir(t)
	dir := filepath.Join(base, "state")
	st, err := Open(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Write("job", &Record{Job: "job", State: Running}); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(base, "moved")
	opened := dir
	if err := os.Rename(dir, moved); err != nil {
		t.Logf("the swap is refused: %v", err)
	} else {
		t.Log("the directory was renamed (Wine); a new one is put at its path")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		opened = moved
	}
	if err := st.Write("job", &Record{Job: "job", State: Succeeded}); err != nil {
		t.Fatalf("write after the swap: %v", err)
	}
	if err := st.Reserve("job", 8192); err != nil {
		t.Fatalf("reserve after the swap: %v", err)
	}
	if err := st.WriteReserved("job", &Record{Job: "job", State: Succeeded, Reason: "reserved"}); err != nil {
		t.Fatalf("reserved write after the swap: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(opened, "job.json"))
	if err != nil || !strings.Contains(string(b), `"reserved"`) {
		t.Errorf("record in the opened directory: %q, %v", b, err)
	}
	if ids, err := st.List(); err != nil || len(ids) != 1 || ids[0] != "job" {
		t.Errorf("List after the swap = %v, %v", ids, err)
	}
	if opened == moved {
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("the directory put in its place got files: %v", ents)
		}
	}
}
