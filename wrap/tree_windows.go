package wrap

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/upwrap/upwrap/marker"
)

var noticeSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

var sigPipe []os.Signal

// sigStop is empty: a Windows console has no job control.
var sigStop []os.Signal

func isInterrupt(sig os.Signal) bool { return sig == os.Interrupt }

// exitSignal is always "": Windows processes end with an exit code.
func exitSignal(ps *os.ProcessState) string { return "" }

// jobAssociateCompletionPort is JOBOBJECT_ASSOCIATE_COMPLETION_PORT.
type jobAssociateCompletionPort struct {
	completionKey  uintptr
	completionPort windows.Handle
}

// jobBasicAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION
// (https://learn.microsoft.com/en-us/windows/win32/api/winnt/ns-winnt-jobobject_basic_accounting_information).
type jobBasicAccounting struct {
	totalUserTime, totalKernelTime, thisPeriodUserTime, thisPeriodKernelTime int64
	totalPageFaults, totalProcesses, activeProcesses, totalTerminated        uint32
}

// jobObjectQuery is JOB_OBJECT_QUERY, the right to read a job's accounting
// (https://learn.microsoft.com/en-us/windows/win32/procthread/job-object-security-and-access-rights).
const jobObjectQuery = 0x0004

// tree follows the child and every process it starts through a named job
// object with a completion port, as PSAppDeployToolkit does: the child is
// created suspended, put in the job, then resumed, so not even its first
// child can escape (docs/design.md §5).
//   - The job allows breakaway (JOB_OBJECT_LIMIT_BREAKAWAY_OK, never
//     SILENT_BREAKAWAY_OK): an installer step that starts a process with
//     CREATE_BREAKAWAY_FROM_JOB would otherwise get ACCESS_DENIED from
//     CreateProcess. Such a process leaves the tree on purpose, as a daemon
//     leaves a POSIX session: it is neither waited for nor killed.
//   - It has no KILL_ON_JOB_CLOSE: if upwrap dies, the upgrade goes on.
//   - Its name goes into the record (child.job_object), so that a later run
//     finds the tree alive after upwrap itself died (treeAlive).
//   - When upwrap runs inside an agent's job that allows breakaway, the
//     child is started outside it (breakaway).
//
// If the job cannot be set up, upwrap follows the direct child only.
type tree struct {
	cmd      *exec.Cmd
	waitTree bool

	mu      sync.Mutex
	job     windows.Handle // 0 when the job could not be made
	port    windows.Handle
	name    string // the job's name, "" if unnamed
	inJob   bool
	closed  bool
	empty   chan struct{} // closed when the job has no process left
	pid     int
	created uint64 // the child's creation time, a FILETIME
	// outerNote says how upwrap's own job (an agent's) was dealt with;
	// "" outside a job.
	outerNote string

	// stopped never fires: a Windows console has no job control.
	stopped chan struct{}
}

func newTree(cmd *exec.Cmd, waitTree bool, stdin io.Reader) *tree {
	t := &tree{cmd: cmd, waitTree: waitTree, empty: make(chan struct{})}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	flags, note := breakaway(readOuter())
	t.outerNote = note
	cmd.SysProcAttr.CreationFlags |= flags
	if err := t.makeJob(); err != nil {
		t.closeHandles()
		t.job, t.port, t.name = 0, 0, ""
		return t
	}
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_SUSPENDED
	// The child holds a handle to the job too. CreateJobObject
	// (https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-createjobobjectw)
	// documents that a job lives until its last handle is closed and its
	// processes have ended, but not that its name stays openable once no
	// handle is left; with the child's handle the name lasts at least as
	// long as the command itself (treeAlive falls back to the pid after).
	if windows.SetHandleInformation(t.job, windows.HANDLE_FLAG_INHERIT, windows.HANDLE_FLAG_INHERIT) == nil {
		cmd.SysProcAttr.AdditionalInheritedHandles = append(cmd.SysProcAttr.AdditionalInheritedHandles, syscall.Handle(t.job))
	}
	return t
}

// readOuter is readOuterJob; a test seam, because Wine reads every job's
// limits back as 0.
var readOuter = readOuterJob

// readOuterJob reads the job upwrap itself runs in, if any: IsProcessInJob
// (https://learn.microsoft.com/en-us/windows/win32/api/jobapi/nf-jobapi-isprocessinjob)
// and QueryInformationJobObject with a NULL handle, which "uses the job
// associated with the calling process"
// (https://learn.microsoft.com/en-us/windows/win32/api/jobapi2/nf-jobapi2-queryinformationjobobject).
func readOuterJob() outerJob {
	var in int32
	if err := isProcessInJob(windows.CurrentProcess(), 0, &in); err != nil || in == 0 {
		return outerJob{}
	}
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	err := windows.QueryInformationJobObject(0, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), nil)
	if err != nil {
		return outerJob{in: true}
	}
	return outerJob{in: true, known: true, limits: info.BasicLimitInformation.LimitFlags}
}

// jobName returns a new name for the tree's job object in prefix's
// namespace ("Global\" or "Local\"): upwrap's pid and random bytes, so that
// no two runs, and no squatter, share it.
func jobName(prefix string) string {
	var b [8]byte
	rand.Read(b[:])
	return fmt.Sprintf(`%supwrap-%d-%s`, prefix, os.Getpid(), hex.EncodeToString(b[:]))
}

// createNamedJob creates the tree's job object, named in the Global\
// namespace so that a run in any session finds it; a process without
// SeCreateGlobalPrivilege (not SYSTEM, not a service, not an administrator)
// cannot create a global object from a user's session ("Kernel object
// namespaces",
// https://learn.microsoft.com/en-us/windows/win32/termserv/kernel-object-namespaces),
// so Local\ is the fallback, then no name. A name that already exists is
// never reused: CreateJobObject would open the squatter's job and report
// ERROR_ALREADY_EXISTS (same page as above).
func createNamedJob() (windows.Handle, string, error) {
	for _, prefix := range []string{`Global\`, `Local\`} {
		name := jobName(prefix)
		p, err := windows.UTF16PtrFromString(name)
		if err != nil {
			return 0, "", err
		}
		job, err := windows.CreateJobObject(nil, p)
		if err == nil && windows.GetLastError() == windows.ERROR_ALREADY_EXISTS {
			windows.CloseHandle(job)
			continue
		}
		if err == nil {
			return job, name, nil
		}
	}
	job, err := windows.CreateJobObject(nil, nil)
	return job, "", err
}

func (t *tree) makeJob() error {
	job, name, err := createNamedJob()
	if err != nil {
		return err
	}
	t.job, t.name = job, name
	// JOB_OBJECT_LIMIT_BREAKAWAY_OK, and nothing else: no KILL_ON_JOB_CLOSE.
	var limits windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	limits.BasicLimitInformation.LimitFlags = jobLimitBreakawayOK
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&limits)), uint32(unsafe.Sizeof(limits))); err != nil {
		return err
	}
	port, err := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, 1)
	if err != nil {
		return err
	}
	t.port = port
	info := jobAssociateCompletionPort{completionKey: uintptr(job), completionPort: port}
	_, err = windows.SetInformationJobObject(job, windows.JobObjectAssociateCompletionPortInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)))
	return err
}

// started puts the suspended child in the job, notes its identity and
// resumes it.
func (t *tree) started(pid int) {
	t.pid = pid
	if h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid)); err == nil {
		t.created = processCreated(h)
		windows.CloseHandle(h)
	}
	if t.job == 0 {
		return
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err == nil {
		err = windows.AssignProcessToJobObject(t.job, h)
		windows.CloseHandle(h)
	}
	t.inJob = err == nil
	resumeProcess(uint32(pid))
	if t.inJob {
		go func() {
			if waitJobEmpty(winJobPort{t}, uintptr(t.job)) {
				close(t.empty)
			}
		}()
	}
}

// processCreated returns a process's creation time as a FILETIME in one
// number (GetProcessTimes,
// https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-getprocesstimes),
// 0 if it cannot be read.
func processCreated(h windows.Handle) uint64 {
	var created, exited, kernel, user windows.Filetime
	if windows.GetProcessTimes(h, &created, &exited, &kernel, &user) != nil {
		return 0
	}
	return uint64(created.HighDateTime)<<32 | uint64(created.LowDateTime)
}

// identity names the tree for the record: the child's pid and creation
// time, and the job object's name when it is in one.
func (t *tree) identity() marker.Child {
	c := marker.Child{PID: t.pid, StartTime: t.created}
	if t.inJob {
		c.JobObject = t.name
	}
	return c
}

// resumeProcess resumes every thread of a process created suspended.
func resumeProcess(pid uint32) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return
	}
	defer windows.CloseHandle(snap)
	var te windows.ThreadEntry32
	te.Size = uint32(unsafe.Sizeof(te))
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			continue
		}
		windows.ResumeThread(th)
		windows.CloseHandle(th)
	}
}

// winJobPort is the real jobPort.
type winJobPort struct{ t *tree }

// next waits on the completion port. A port closed while the call waits
// fails with ERROR_ABANDONED_WAIT_0 (GetQueuedCompletionStatus,
// https://learn.microsoft.com/en-us/windows/win32/api/ioapiset/nf-ioapiset-getqueuedcompletionstatus);
// that, or any error after upwrap closed it, is "closed". Any other error
// is "broken": the waiter polls the process count instead.
func (p winJobPort) next(timeout time.Duration) (uint32, uintptr, portStatus) {
	var msg uint32
	var key uintptr
	var ov *windows.Overlapped
	err := windows.GetQueuedCompletionStatus(p.t.port, &msg, &key, &ov, uint32(timeout/time.Millisecond))
	switch {
	case err == nil:
		return msg, key, portMsg
	case errors.Is(err, windows.WAIT_TIMEOUT):
		return 0, 0, portTimeout
	case errors.Is(err, windows.ERROR_ABANDONED_WAIT_0), p.released():
		return 0, 0, portClosed
	}
	return 0, 0, portBroken
}

func (p winJobPort) active() (uint32, error) {
	p.t.mu.Lock()
	defer p.t.mu.Unlock()
	if p.t.closed {
		return 0, windows.ERROR_INVALID_HANDLE
	}
	return jobActive(p.t.job)
}

func (p winJobPort) released() bool {
	p.t.mu.Lock()
	defer p.t.mu.Unlock()
	return p.t.closed
}

func (winJobPort) sleep(d time.Duration) { time.Sleep(d) }

// jobActive reads the number of processes alive in a job
// (JobObjectBasicAccountingInformation.ActiveProcesses).
func jobActive(job windows.Handle) (uint32, error) {
	var info jobBasicAccounting
	err := windows.QueryInformationJobObject(job, windows.JobObjectBasicAccountingInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), nil)
	return info.activeProcesses, err
}

// signal forwards nothing: Ctrl-C, Ctrl-Break and closing the console are
// delivered by the console itself to every process attached to it, the
// child's tree included. A child without a console (a GUI setup) ignores
// them; a second Ctrl-C terminates the job (kill).
func (t *tree) signal(sig os.Signal) {}

// kill terminates every process of the job (or the child, without one).
func (t *tree) kill() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inJob && !t.closed {
		windows.TerminateJobObject(t.job, 1)
		return
	}
	if t.cmd.Process != nil {
		t.cmd.Process.Kill()
	}
}

// startNote says how upwrap's own job (an agent's) was dealt with, for
// the log; "" outside a job.
func (t *tree) startNote() string { return t.outerNote }

// onDaemonLeft implements processTree; the job object holds every
// descendant, so none leaves the tree.
func (t *tree) onDaemonLeft(func(pid int, name string)) {}

// stops implements processTree; it never fires.
func (t *tree) stops() <-chan struct{} { return t.stopped }

// suspend does nothing: see stopped.
func (t *tree) suspend() {}

// leftDaemons is empty: every descendant stays in the job unless it breaks
// away, and one that breaks away has left the tree (docs/design.md §5).
func (t *tree) leftDaemons() []marker.Daemon { return nil }

// waitRest waits until the job has no process left.
func (t *tree) waitRest(eof <-chan struct{}) {
	if t.inJob {
		<-t.empty
	}
}

// restore releases the job. Its processes, if any are left (waitRest was
// not asked for), go on: the job has no KILL_ON_JOB_CLOSE.
func (t *tree) restore() { t.closeHandles() }

func (t *tree) closeHandles() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.closed = true
	if t.port != 0 {
		windows.CloseHandle(t.port)
	}
	if t.job != 0 {
		windows.CloseHandle(t.job)
	}
}
