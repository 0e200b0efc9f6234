package wrap

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/upwrap/upwrap/marker"

	"github.com/upwrap/upwrap/internal/wintest"
)

// These run on Windows and under Wine (scripts/wine-harness). The test
// binary doubles as the installer: UPWRAP_TEST_HELPER=spawn:FILE starts a
// copy of itself in mode late:FILE and exits at once, as setup programs
// that re-launch themselves do; late:FILE waits 1.5 s, then writes FILE.

func TestMain(m *testing.M) {
	if mode, file, ok := strings.Cut(os.Getenv("UPWRAP_TEST_HELPER"), ":"); ok {
		os.Exit(helper(mode, file))
	}
	os.Exit(m.Run())
}

func helper(mode, file string) int {
	switch mode {
	case "spawn":
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "UPWRAP_TEST_HELPER=late:"+file)
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		os.WriteFile(file+".pid", []byte(strconv.Itoa(cmd.Process.Pid)), 0o600)
		return 0
	case "late":
		// An installer's relaunched part, still busy when its parent has
		// exited: a real program's timing, not a wait for a condition.
		time.Sleep(1500 * time.Millisecond)
		os.WriteFile(file, []byte("done"), 0o600)
		return 0
	case "cmdline": // the program that prints GetCommandLineW (to file)
		os.WriteFile(file, []byte(windows.UTF16PtrToString(windows.GetCommandLine())), 0o600)
		return 0
	case "breakaway", "detached": // start a late child out of the job, or detached in it
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "UPWRAP_TEST_HELPER=late:"+file)
		flags := uint32(windows.DETACHED_PROCESS)
		if mode == "breakaway" {
			flags = windows.CREATE_BREAKAWAY_FROM_JOB
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: flags}
		if err := cmd.Start(); err != nil {
			os.WriteFile(file+".err", []byte(err.Error()), 0o600)
			return 2
		}
		os.WriteFile(file+".pid", []byte(strconv.Itoa(cmd.Process.Pid)), 0o600)
		return 0
	case "holder": // an upwrap that starts a relaunching installer, says who it is, and waits to be killed
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "UPWRAP_TEST_HELPER=spawn:"+file)
		tr := newTree(cmd, true, nil)
		if err := cmd.Start(); err != nil {
			return 2
		}
		tr.started(cmd.Process.Pid)
		b, _ := json.Marshal(tr.identity())
		os.WriteFile(file+".id", b, 0o600)
		select {}
	case "nested": // run a tree inside the job this process was put in
		if o := readOuterJob(); o.in && o.known && o.limits == 0 {
			// Wine answers every job's limits with 0: say so, and go on with
			// the limits the test set, to try the rest of the path.
			os.WriteFile(file+".wine", nil, 0o600)
			readOuter = func() outerJob {
				return outerJob{in: true, known: true, limits: jobLimitBreakawayOK | jobLimitKillOnJobClose}
			}
		}
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "UPWRAP_TEST_HELPER=late:"+file)
		tr := newTree(cmd, true, nil)
		if err := cmd.Start(); err != nil {
			os.WriteFile(file+".err", []byte(err.Error()), 0o600)
			return 2
		}
		tr.started(cmd.Process.Pid)
		os.WriteFile(file+".note", []byte(tr.outerNote), 0o600)
		tr.restore()
		select {}
	}
	return 3
}

// startInstaller starts the self-relaunching installer in a job, as
// runChild does, and waits for the direct child to exit.
func startInstaller(t *testing.T) (tr *tree, file string) {
	t.Helper()
	file = filepath.Join(wintest.TempDir(t), "grandchild-done")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "UPWRAP_TEST_HELPER=spawn:"+file)
	tr = newTree(cmd, true, nil)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tr.started(cmd.Process.Pid)
	if !tr.inJob {
		t.Fatal("the child was not put in a job object")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("installer: %v", err)
	}
	return tr, file
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestWindowsJobWaitsForGrandchild: the wait ends when the last process of
// the job ends (ACTIVE_PROCESS_ZERO), not when the child does.
func TestWindowsJobWaitsForGrandchild(t *testing.T) {
	tr, file := startInstaller(t)
	if fileExists(file) {
		t.Fatal("the grandchild finished before its parent: the test proves nothing")
	}
	tr.waitRest(nil)
	tr.restore()
	if !fileExists(file) {
		t.Error("waitRest returned before the grandchild finished")
	}
}

// TestWindowsJobKill: --timeout terminates the whole job, grandchild too.
// The grandchild's end is awaited: killed, it ends at once without its
// file; had it survived, it would write the file and then end.
func TestWindowsJobKill(t *testing.T) {
	tr, file := startInstaller(t)
	b, err := os.ReadFile(file + ".pid")
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(b))
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		t.Fatalf("the grandchild %d: %v", pid, err)
	}
	defer windows.CloseHandle(h)
	tr.kill()
	tr.waitRest(nil)
	tr.restore()
	if ev, err := windows.WaitForSingleObject(h, 10_000); ev != windows.WAIT_OBJECT_0 {
		t.Fatalf("the grandchild has not ended 10 s after the kill (%d, %v)", ev, err)
	}
	if fileExists(file) {
		t.Error("the grandchild survived the kill")
	}
}

// TestWindowsJobSurvivesUpwrap: releasing the job, as happens when upwrap
// dies, does not kill the upgrade (no KILL_ON_JOB_CLOSE).
func TestWindowsJobSurvivesUpwrap(t *testing.T) {
	tr, file := startInstaller(t)
	tr.restore()
	deadline := time.Now().Add(10 * time.Second)
	for !fileExists(file) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !fileExists(file) {
		t.Error("the grandchild died with the job handle")
	}
}

// TestWindowsVerifyQuoting: --verify reaches cmd.exe as typed, quoted
// paths with spaces included.
func TestWindowsVerifyQuoting(t *testing.T) {
	dir := filepath.Join(wintest.TempDir(t), "Program Files")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "app v2.txt")
	os.WriteFile(f, nil, 0o600)
	tests := []struct {
		command string
		want    bool
	}{
		{`if exist "` + f + `" (exit 0) else (exit 1)`, true},
		{`if exist "` + f + `.missing" (exit 0) else (exit 1)`, false},
		{`echo "quoted \ backslash\" & exit 0`, true},
		{`exit 3`, false},
	}
	for _, tt := range tests {
		if ok, detail := runVerify(context.Background(), tt.command, 0, nil); ok != tt.want {
			t.Errorf("verify %s = %v (%s), want %v", tt.command, ok, detail, tt.want)
		}
	}
}

// waitFile waits up to d for a file to exist.
func waitFile(p string, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if fileExists(p) {
			return true
		}
	}
	return fileExists(p)
}

// startMode starts the test binary in helper mode in a tree, as runChild
// does, and waits for the direct child.
func startMode(t *testing.T, mode, file string) *tree {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "UPWRAP_TEST_HELPER="+mode+":"+file)
	tr := newTree(cmd, true, nil)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tr.started(cmd.Process.Pid)
	if !tr.inJob {
		t.Fatal("the child was not put in a job object")
	}
	cmd.Wait()
	return tr
}

// TestWindowsCmdLineSeen: every row of the quoting table reaches the
// program exactly as written (it prints GetCommandLineW), and for the
// programs that follow the C runtime's rules, CommandLineToArgvW splits it
// back into the argv the caller gave.
func TestWindowsCmdLineSeen(t *testing.T) {
	dir := wintest.TempDir(t)
	for i, tt := range cmdLineTable {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, fmt.Sprintf("cmdline-%d", i))
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "UPWRAP_TEST_HELPER=cmdline:"+file)
			setCmdLine(cmd, windowsCmdLine(tt.argv))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b); got != tt.want {
				t.Errorf("GetCommandLineW = %s\nwant             %s", got, tt.want)
			}
			if cmdKind(tt.argv[0]) != kindCRT {
				return
			}
			if got := commandLineToArgv(t, string(b)); strings.Join(got, "\x00") != strings.Join(tt.argv, "\x00") {
				t.Errorf("CommandLineToArgvW(%s) = %q, want %q", b, got, tt.argv)
			}
		})
	}
}

// commandLineToArgv splits line with shell32's CommandLineToArgvW.
func commandLineToArgv(t *testing.T, line string) []string {
	p, _ := windows.UTF16PtrFromString(line)
	var n int32
	argv, err := windows.CommandLineToArgv(p, &n)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.LocalFree(windows.Handle(unsafe.Pointer(argv)))
	var out []string
	for _, a := range argv[:n] {
		out = append(out, windows.UTF16PtrToString(&a[0]))
	}
	return out
}

// TestWindowsCmdThroughCmd: cmd.exe runs a script whose path holds spaces,
// with an argument that holds one, from the argv form.
func TestWindowsCmdThroughCmd(t *testing.T) {
	dir := filepath.Join(wintest.TempDir(t), "Program Files x")
	os.Mkdir(dir, 0o700)
	script := filepath.Join(dir, "run it.cmd")
	out := filepath.Join(dir, "out.txt")
	os.WriteFile(script, []byte("@echo [%~1]>\""+out+"\"\r\n"), 0o600)
	argv := []string{"cmd", "/c", script, "a b"}
	cmd := exec.Command(filepath.Join(os.Getenv("SystemRoot"), "System32", "cmd.exe"))
	setCmdLine(cmd, windowsCmdLine(argv))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", windowsCmdLine(argv), err, b)
	}
	b, _ := os.ReadFile(out)
	if got := strings.TrimSpace(string(b)); got != "[a b]" {
		t.Errorf("the script saw %q, want [a b] (command line %s)", got, windowsCmdLine(argv))
	}
}

// TestWindowsBreakawayAllowed: a process of the tree that asks to leave
// the job (CREATE_BREAKAWAY_FROM_JOB) is started, outside the job, and the
// tree's wait does not include it; a detached process (DETACHED_PROCESS)
// stays in the job and is waited for.
func TestWindowsBreakawayAllowed(t *testing.T) {
	dir := wintest.TempDir(t)
	t.Run("breakaway", func(t *testing.T) {
		file := filepath.Join(dir, "breakaway")
		tr := startMode(t, "breakaway", file)
		defer tr.restore()
		if b, err := os.ReadFile(file + ".err"); err == nil {
			t.Fatalf("CreateProcess with CREATE_BREAKAWAY_FROM_JOB failed in the job: %s", b)
		}
		tr.waitRest(nil)
		if fileExists(file) {
			t.Error("the wait included the process that broke away")
		}
		if !waitFile(file, 10*time.Second) {
			t.Error("the process that broke away did not run")
		}
	})
	t.Run("detached", func(t *testing.T) {
		file := filepath.Join(dir, "detached")
		tr := startMode(t, "detached", file)
		defer tr.restore()
		tr.waitRest(nil)
		if !fileExists(file) {
			t.Error("the wait ended before the detached process, which is part of the tree")
		}
	})
}

// TestWindowsNestedJob: upwrap inside an agent's job that allows breakaway
// and kills on close starts the command outside that job; closing the
// agent's job kills upwrap, not the upgrade.
func TestWindowsNestedJob(t *testing.T) {
	file := filepath.Join(wintest.TempDir(t), "nested")
	outer, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var limits windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	limits.BasicLimitInformation.LimitFlags = jobLimitBreakawayOK | jobLimitKillOnJobClose
	if _, err := windows.SetInformationJobObject(outer, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&limits)), uint32(unsafe.Sizeof(limits))); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "UPWRAP_TEST_HELPER=nested:"+file)
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_SUSPENDED}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.AssignProcessToJobObject(outer, h); err != nil {
		t.Fatal(err)
	}
	windows.CloseHandle(h)
	resumeProcess(uint32(cmd.Process.Pid))
	if !waitFile(file+".note", 10*time.Second) {
		b, _ := os.ReadFile(file + ".err")
		t.Fatalf("the nested upwrap did not start its command: %s", b)
	}
	note, _ := os.ReadFile(file + ".note")
	if fileExists(file + ".wine") {
		t.Log("the agent's job limits read back as 0 (Wine does not report job limits); the decision is TestBreakaway's, this tests the breakaway itself")
	}
	t.Logf("upwrap in the agent's job: %s", note)
	if !strings.Contains(string(note), "started outside it") {
		t.Errorf("outer job not detected as allowing breakaway: %q", note)
	}
	// The agent goes away: its job is closed and kills what is in it.
	windows.CloseHandle(outer)
	cmd.Wait()
	if !waitFile(file, 10*time.Second) {
		t.Error("the upgrade died with the agent's job")
	}
}

// TestWindowsTreeAliveAfterUpwrapKilled: upwrap (a helper holding the job)
// is killed while the relaunched installer runs; the named job object in
// the record still reports the tree alive, and dead once it has ended.
func TestWindowsTreeAliveAfterUpwrapKilled(t *testing.T) {
	file := filepath.Join(wintest.TempDir(t), "holder")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "UPWRAP_TEST_HELPER=holder:"+file)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !waitFile(file+".id", 10*time.Second) {
		cmd.Process.Kill()
		t.Fatal("the helper never named its tree")
	}
	b, _ := os.ReadFile(file + ".id")
	var id marker.Child
	if err := json.Unmarshal(b, &id); err != nil {
		t.Fatal(err)
	}
	t.Logf("identity: %s", b)
	if !strings.HasPrefix(id.JobObject, `Global\upwrap-`) && !strings.HasPrefix(id.JobObject, `Local\upwrap-`) {
		t.Errorf("job object name %q", id.JobObject)
	}
	cmd.Process.Kill() // upwrap dies
	cmd.Wait()
	if fileExists(file) {
		t.Fatal("the grandchild finished before upwrap was killed: the test proves nothing")
	}
	n, err := namedJobActive(id.JobObject)
	t.Logf("job %s after upwrap died: %d active, err %v", id.JobObject, n, err)
	if !treeAlive(&id) {
		t.Error("treeAlive = false while the relaunched installer runs")
	}
	if !waitFile(file, 10*time.Second) {
		t.Fatal("the grandchild never finished")
	}
	deadline := time.Now().Add(5 * time.Second)
	for treeAlive(&id) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if treeAlive(&id) {
		t.Error("treeAlive = true after the whole tree ended")
	}
}
