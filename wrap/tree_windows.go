package wrap

import (
	"errors"
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

// jobBasicAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION.
type jobBasicAccounting struct {
	totalUserTime, totalKernelTime, thisPeriodUserTime, thisPeriodKernelTime int64
	totalPageFaults, totalProcesses, activeProcesses, totalTerminated        uint32
}

// tree follows the child and every process it starts through a job object
// with a completion port, as PSAppDeployToolkit does: the child is created
// suspended, put in the job, then resumed, so not even its first child can
// escape. The job has no KILL_ON_JOB_CLOSE limit: if upwrap dies, the
// upgrade goes on. If the job cannot be set up (an old Windows that does
// not nest jobs), upwrap follows the direct child only.
type tree struct {
	cmd      *exec.Cmd
	waitTree bool

	mu     sync.Mutex
	job    windows.Handle // 0 when the job could not be made
	port   windows.Handle
	inJob  bool
	closed bool
	empty  chan struct{} // closed when the job has no process left

	// stopped never fires: a Windows console has no job control.
	stopped chan struct{}
	// onDaemon is not called: the job object holds every descendant.
	onDaemon func(pid int, name string)
}

func newTree(cmd *exec.Cmd, waitTree bool, stdin io.Reader) *tree {
	t := &tree{cmd: cmd, waitTree: waitTree, empty: make(chan struct{})}
	if err := t.makeJob(); err != nil {
		t.closeHandles()
		t.job, t.port = 0, 0
		return t
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_SUSPENDED}
	return t
}

func (t *tree) makeJob() error {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return err
	}
	t.job = job
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

// started puts the suspended child in the job and resumes it.
func (t *tree) started(pid int) {
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

func (p winJobPort) next(timeout time.Duration) (uint32, uintptr, bool, bool) {
	var msg uint32
	var key uintptr
	var ov *windows.Overlapped
	err := windows.GetQueuedCompletionStatus(p.t.port, &msg, &key, &ov, uint32(timeout/time.Millisecond))
	switch {
	case err == nil:
		return msg, key, true, false
	case errors.Is(err, windows.WAIT_TIMEOUT):
		return 0, 0, false, false
	}
	// The port was closed (ERROR_ABANDONED_WAIT_0) or broke.
	return 0, 0, false, true
}

func (p winJobPort) active() (uint32, error) {
	var info jobBasicAccounting
	err := windows.QueryInformationJobObject(p.t.job, windows.JobObjectBasicAccountingInformation,
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

// suspend does nothing: see stopped.
func (t *tree) suspend() {}

// leftDaemons is empty: every descendant stays in the job.
func (t *tree) leftDaemons() []marker.Daemon { return nil }

// identity is the child's pid and creation time.
func (t *tree) identity() marker.Child {
	c := marker.Child{}
	if t.cmd.Process != nil {
		c.PID = t.cmd.Process.Pid
		c.StartTime = processCreation(uint32(c.PID))
	}
	return c
}

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
