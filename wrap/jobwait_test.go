package wrap

import (
	"errors"
	"testing"
	"time"
)

// fakePort replays completion-port statuses; after them, next times out (or
// reports the port closed or broken), and active answers from counts.
type fakePort struct {
	msgs   [][2]uintptr // {msg, key}
	counts []uint32     // successive answers of active
	after  portStatus   // what next reports once msgs are used up
	gone   bool         // released answers this
	polls  int
	sleeps int
}

func (p *fakePort) next(time.Duration) (uint32, uintptr, portStatus) {
	if len(p.msgs) > 0 {
		m := p.msgs[0]
		p.msgs = p.msgs[1:]
		return uint32(m[0]), m[1], portMsg
	}
	return 0, 0, p.after
}

func (p *fakePort) active() (uint32, error) {
	p.polls++
	if len(p.counts) == 0 {
		p.gone = true // the test is over: release the job
		return 0, errors.New("no more answers")
	}
	n := p.counts[0]
	p.counts = p.counts[1:]
	return n, nil
}

func (p *fakePort) released() bool        { return p.gone }
func (p *fakePort) sleep(d time.Duration) { p.sleeps++ }

// TestWaitJobEmpty: the tree is done on ACTIVE_PROCESS_ZERO for this job,
// or when a poll finds no process (the port's messages are not guaranteed);
// other messages, and other jobs' zero, do not end the wait; a port error
// of any kind falls back to polling the process count, never to "done".
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
		{"another job's zero is not ours", &fakePort{after: portTimeout, msgs: [][2]uintptr{{jobObjectMsgActiveProcessZero, 99}}, counts: []uint32{2, 1, 0}}, true, 3},
		{"message lost: a poll finds the job empty", &fakePort{after: portTimeout, counts: []uint32{1, 0}}, true, 2},
		{"port closed: upwrap gave up the job", &fakePort{after: portClosed}, false, 0},
		{"port broken: the process count decides", &fakePort{after: portBroken, counts: []uint32{3, 2, 1, 0}}, true, 4},
		{"port broken, then upwrap gives up the job", &fakePort{after: portBroken, counts: []uint32{3}}, false, 2},
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

// TestBreakaway: inside an agent's job that allows breakaway, the command
// is started outside it; never when the job forbids it (CreateProcess would
// fail with ACCESS_DENIED), and nothing changes outside a job.
func TestBreakaway(t *testing.T) {
	tests := []struct {
		name  string
		outer outerJob
		flags uint32
	}{
		{"no outer job", outerJob{}, 0},
		{"limits unreadable", outerJob{in: true}, 0},
		{"breakaway allowed", outerJob{in: true, known: true, limits: jobLimitBreakawayOK | jobLimitKillOnJobClose}, createBreakawayFromJob},
		{"silent breakaway: already outside", outerJob{in: true, known: true, limits: jobLimitSilentBreakawayOK}, 0},
		{"breakaway forbidden, kill on close", outerJob{in: true, known: true, limits: jobLimitKillOnJobClose}, 0},
		{"breakaway forbidden", outerJob{in: true, known: true}, 0},
	}
	for _, tt := range tests {
		flags, note := breakaway(tt.outer)
		if flags != tt.flags {
			t.Errorf("%s: flags %#x, want %#x", tt.name, flags, tt.flags)
		}
		if (note == "") != !tt.outer.in {
			t.Errorf("%s: note %q", tt.name, note)
		}
	}
}
