package wrap

import (
	"errors"
	"testing"
	"time"
)

// fakePort replays completion-port messages; after them, next times out
// (or reports the port closed), and active answers from counts.
type fakePort struct {
	msgs   [][2]uintptr // {msg, key}
	counts []uint32     // successive answers of active
	closed bool
	polls  int
}

func (p *fakePort) next(time.Duration) (uint32, uintptr, bool, bool) {
	if len(p.msgs) > 0 {
		m := p.msgs[0]
		p.msgs = p.msgs[1:]
		return uint32(m[0]), m[1], true, false
	}
	return 0, 0, false, p.closed
}

func (p *fakePort) active() (uint32, error) {
	p.polls++
	if len(p.counts) == 0 {
		return 0, errors.New("no more answers")
	}
	n := p.counts[0]
	p.counts = p.counts[1:]
	return n, nil
}

// TestWaitJobEmpty: the tree is done on ACTIVE_PROCESS_ZERO for this job,
// or when a poll finds no process (the port's messages are not guaranteed);
// other messages, and other jobs' zero, do not end the wait.
func TestWaitJobEmpty(t *testing.T) {
	const key = 7
	const newProcess, exitProcess = 6, 7
	tests := []struct {
		name  string
		port  *fakePort
		want  bool
		polls int
	}{
		{"zero message", &fakePort{msgs: [][2]uintptr{{newProcess, key}, {exitProcess, key}, {jobObjectMsgActiveProcessZero, key}}}, true, 0},
		{"another job's zero is not ours", &fakePort{msgs: [][2]uintptr{{jobObjectMsgActiveProcessZero, 99}}, counts: []uint32{2, 1, 0}}, true, 3},
		{"message lost: a poll finds the job empty", &fakePort{counts: []uint32{1, 0}}, true, 2},
		{"port closed: upwrap gave up the job", &fakePort{closed: true}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := waitJobEmpty(tt.port, key); got != tt.want {
				t.Errorf("waitJobEmpty = %v, want %v", got, tt.want)
			}
			if tt.port.polls != tt.polls {
				t.Errorf("%d polls, want %d", tt.port.polls, tt.polls)
			}
		})
	}
}
