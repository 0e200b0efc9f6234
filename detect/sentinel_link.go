package detect

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sentinelLink is the sentinel's end of the pipe to upwrap: it reports and
// waits for the acknowledgement, so that the window procedure answers
// Windows only once upwrap has recorded the notice.
type sentinelLink struct {
	mu   sync.Mutex
	w    io.Writer
	seq  uint64
	acks map[uint64]chan struct{}
}

func newSentinelLink(w io.Writer) *sentinelLink {
	return &sentinelLink{w: w, acks: map[uint64]chan struct{}{}}
}

// ready tells upwrap the sentinel is listening.
func (l *sentinelLink) ready(pid int, session uint32) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := fmt.Fprintf(l.w, "ready %d %d\n", pid, session)
	return err
}

// report sends one report ("msg NAME wParam lParam" or "metric NAME value")
// and waits for its acknowledgement at most budget. It reports whether the
// acknowledgement came.
func (l *sentinelLink) report(kind, name string, vals []uint64, budget time.Duration) bool {
	l.mu.Lock()
	l.seq++
	seq := l.seq
	ack := make(chan struct{})
	l.acks[seq] = ack
	parts := []string{kind, strconv.FormatUint(seq, 10), name}
	for _, v := range vals {
		parts = append(parts, "0x"+strconv.FormatUint(v, 16))
	}
	_, err := io.WriteString(l.w, strings.Join(parts, " ")+"\n")
	l.mu.Unlock()
	if err != nil {
		return false
	}
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case <-ack:
		return true
	case <-t.C:
		return false
	}
}

// readControl reads upwrap's lines until r ends, which means upwrap is
// gone: the caller then exits. "ack <seq>" releases a report; "query
// <seq>" is answered at once with reading(), a fresh SM_SHUTTINGDOWN.
func (l *sentinelLink) readControl(r io.Reader, reading func() uint64) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		kind, rest, _ := strings.Cut(sc.Text(), " ")
		seq, err := strconv.ParseUint(rest, 10, 64)
		if err != nil {
			continue
		}
		switch kind {
		case "ack":
			l.mu.Lock()
			if ch, ok := l.acks[seq]; ok {
				close(ch)
				delete(l.acks, seq)
			}
			l.mu.Unlock()
		case "query":
			v := reading()
			l.mu.Lock()
			fmt.Fprintf(l.w, "answer %d SM_SHUTTINGDOWN 0x%x\n", seq, v)
			l.mu.Unlock()
		}
	}
}

// sentinelConn is upwrap's end of the pipe: it acknowledges reports and
// asks for fresh readings.
type sentinelConn struct {
	mu      sync.Mutex
	w       io.Writer
	seq     uint64
	waiting map[uint64]chan sentinelReport
	session uint32
	ready   bool
}

func newSentinelConn(w io.Writer) *sentinelConn {
	return &sentinelConn{w: w, waiting: map[uint64]chan sentinelReport{}, session: 1 << 31}
}

func (c *sentinelConn) send(line string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := io.WriteString(c.w, line+"\n")
	return err
}

// ask asks the sentinel for a fresh SM_SHUTTINGDOWN reading and waits at
// most timeout for it. ok is false when the sentinel is not ready or did
// not answer in time.
func (c *sentinelConn) ask(timeout time.Duration) (value uint64, session uint32, ok bool) {
	c.mu.Lock()
	if !c.ready {
		c.mu.Unlock()
		return 0, 0, false
	}
	c.seq++
	seq := c.seq
	ch := make(chan sentinelReport, 1)
	c.waiting[seq] = ch
	session = c.session
	_, err := fmt.Fprintf(c.w, "query %d\n", seq)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, seq)
		c.mu.Unlock()
	}()
	if err != nil {
		return 0, 0, false
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case rep := <-ch:
		return rep.wParam, session, true
	case <-t.C:
		return 0, 0, false
	}
}

// serveSentinel is upwrap's end: it reads the sentinel's reports from r,
// hands each shutdown notice to handle (which records it), then
// acknowledges on c. Answers to c.ask go to the asker. ready is called once
// with the sentinel's pid and session. It returns when r ends.
func serveSentinel(r io.Reader, c *sentinelConn, handle func(Notice), ready func(pid int, session uint32), logf func(msg string, args ...any)) {
	var session uint32 = 1 << 31 // unknown until "ready": never session 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rep, err := parseSentinelLine(sc.Text())
		if err != nil {
			logf("sentinel: ignored a line", "error", err.Error())
			continue
		}
		switch rep.kind {
		case "ready":
			session = rep.session
			c.mu.Lock()
			c.session, c.ready = rep.session, true
			c.mu.Unlock()
			ready(rep.pid, rep.session)
			continue
		case "answer":
			c.mu.Lock()
			if ch, ok := c.waiting[rep.seq]; ok {
				ch <- rep
			}
			c.mu.Unlock()
			continue
		}
		n, ok, why := classifySentinel(rep, session)
		if ok {
			callBounded(handle, n, noticeBudget)
		} else {
			logf("sentinel: not a shutdown notice", "report", rep.kind+" "+rep.name, "why", why)
		}
		c.send(fmt.Sprintf("ack %d", rep.seq))
	}
}
