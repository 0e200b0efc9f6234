package wrap

import "time"

// jobObjectMsgActiveProcessZero is JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO: the
// last process of a job object has ended.
const jobObjectMsgActiveProcessZero = 4

// jobPollInterval is how often the job's process count is read besides the
// completion port: Windows documents the port's messages as notifications
// whose delivery "is not guaranteed".
const jobPollInterval = time.Second

// jobPort is a job object's completion port and process count, as the
// waiter sees them (a fake in tests).
type jobPort interface {
	// next waits at most timeout for a message. ok is false on timeout;
	// closed is true once the port is closed.
	next(timeout time.Duration) (msg uint32, key uintptr, ok, closed bool)
	// active returns the number of processes alive in the job.
	active() (uint32, error)
}

// waitJobEmpty returns once the job keyed key has no process left: on
// ACTIVE_PROCESS_ZERO, or when the process count reads 0 on a poll. It
// reports false if the port was closed first (upwrap gave up the job).
func waitJobEmpty(p jobPort, key uintptr) bool {
	for {
		msg, k, ok, closed := p.next(jobPollInterval)
		if closed {
			return false
		}
		if ok && k == key && msg == jobObjectMsgActiveProcessZero {
			return true
		}
		if !ok {
			if n, err := p.active(); err == nil && n == 0 {
				return true
			}
		}
	}
}
