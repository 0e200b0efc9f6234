package wrap

import "time"

// jobObjectMsgActiveProcessZero is JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO: the
// last process of a job object has ended
// (https://learn.microsoft.com/en-us/windows/win32/api/winnt/ns-winnt-jobobject_associate_completion_port).
const jobObjectMsgActiveProcessZero = 4

// jobPollInterval is how often the job's process count is read besides the
// completion port: Windows documents the port's messages as notifications
// whose delivery "is not guaranteed" (JOBOBJECT_ASSOCIATE_COMPLETION_PORT,
// link above).
const jobPollInterval = time.Second

// portStatus is what one wait on the completion port gave.
type portStatus int

const (
	portMsg     portStatus = iota // a message
	portTimeout                   // nothing within the timeout
	portClosed                    // upwrap closed the port: it gave up the job
	portBroken                    // any other error: the port cannot be trusted
)

// jobPort is a job object's completion port and process count, as the
// waiter sees them (a fake in tests).
type jobPort interface {
	// next waits at most timeout for a message.
	next(timeout time.Duration) (msg uint32, key uintptr, st portStatus)
	// active returns the number of processes alive in the job.
	active() (uint32, error)
	// released reports whether upwrap gave up the job (closed its handles).
	released() bool
	// sleep waits d between two polls.
	sleep(d time.Duration)
}

// waitJobEmpty returns once the job keyed key has no process left: on
// ACTIVE_PROCESS_ZERO, or when the process count reads 0 on a poll. It
// reports false once upwrap has given up the job. A port error of any other
// kind does not end the wait: from then on only the process count is
// polled, because a wait that ends early would report an upgrade that still
// runs as finished, and one that never ends hangs the job.
func waitJobEmpty(p jobPort, key uintptr) bool {
	for {
		msg, k, st := p.next(jobPollInterval)
		switch st {
		case portClosed:
			return false
		case portBroken:
			return pollJobEmpty(p)
		case portMsg:
			if k == key && msg == jobObjectMsgActiveProcessZero {
				return true
			}
		case portTimeout:
			if n, err := p.active(); err == nil && n == 0 {
				return true
			}
		}
	}
}

// pollJobEmpty reads the job's process count every jobPollInterval until it
// is 0 (true) or upwrap gives up the job (false).
func pollJobEmpty(p jobPort) bool {
	for {
		if p.released() {
			return false
		}
		if n, err := p.active(); err == nil && n == 0 {
			return true
		}
		p.sleep(jobPollInterval)
	}
}

// Job-object limit flags and a process creation flag (winnt.h, WinBase.h).
const (
	// jobLimitBreakawayOK: a process of the job may start a child outside
	// it with CREATE_BREAKAWAY_FROM_JOB
	// (https://learn.microsoft.com/en-us/windows/win32/api/winnt/ns-winnt-jobobject_basic_limit_information).
	jobLimitBreakawayOK = 0x00000800
	// jobLimitSilentBreakawayOK: every child of the job's processes is
	// started outside it, asked or not (same page). upwrap never sets it:
	// the tree would escape the job.
	jobLimitSilentBreakawayOK = 0x00001000
	// jobLimitKillOnJobClose: closing the job's last handle ends its
	// processes (same page).
	jobLimitKillOnJobClose = 0x00002000
	// createBreakawayFromJob: "The child processes of a process associated
	// with a job are not associated with the job. [...] If the calling
	// process is associated with a job, the job must set the
	// JOB_OBJECT_LIMIT_BREAKAWAY_OK limit"
	// (https://learn.microsoft.com/en-us/windows/win32/procthread/process-creation-flags).
	createBreakawayFromJob = 0x01000000
)

// outerJob is what upwrap knows of a job it itself runs in (an agent's).
type outerJob struct {
	in     bool   // IsProcessInJob said so
	known  bool   // its limits could be read
	limits uint32 // JOBOBJECT_BASIC_LIMIT_INFORMATION.LimitFlags
}

// breakaway decides how the command is started when upwrap runs inside
// another job: with CREATE_BREAKAWAY_FROM_JOB when that job allows it, so
// that the agent closing its job (KILL_ON_JOB_CLOSE) cannot end the upgrade.
// note says what was decided and why, "" when upwrap runs in no job.
func breakaway(o outerJob) (flags uint32, note string) {
	switch {
	case !o.in:
		return 0, ""
	case !o.known:
		return 0, "upwrap runs inside a job object whose limits cannot be read; the command stays in it"
	case o.limits&jobLimitSilentBreakawayOK != 0:
		return 0, "upwrap runs inside a job object that lets every child leave it; the command is outside it"
	case o.limits&jobLimitBreakawayOK != 0:
		return createBreakawayFromJob, "upwrap runs inside a job object that allows breakaway; the command is started outside it, so closing that job cannot end the upgrade"
	case o.limits&jobLimitKillOnJobClose != 0:
		return 0, "upwrap runs inside a job object that forbids breakaway and is killed when closed: if the agent closes it, the upgrade dies with it"
	}
	return 0, "upwrap runs inside a job object that forbids breakaway; the command stays in it"
}
