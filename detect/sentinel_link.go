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

// readAcks reads "ack <seq>" lines until r ends, which means upwrap is
// gone: the caller then exits.
func (l *sentinelLink) readAcks(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "ack ")
		if !ok {
			continue
		}
		seq, err := strconv.ParseUint(rest, 10, 64)
		if err != nil {
			continue
		}
		l.mu.Lock()
		if ch, ok := l.acks[seq]; ok {
			close(ch)
			delete(l.acks, seq)
		}
		l.mu.Unlock()
	}
}

// serveSentinel is upwrap's end: it reads the sentinel's reports from r,
// hands each shutdown notice to handle (which records it), then
// acknowledges on w. ready is called once with the sentinel's pid and
// session. It returns when r ends.
func serveSentinel(r io.Reader, w io.Writer, handle func(Notice), ready func(pid int, session uint32), logf func(msg string, args ...any)) {
	var session uint32 = 1 << 31 // unknown until "ready": never session 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rep, err := parseSentinelLine(sc.Text())
		if err != nil {
			logf("sentinel: ignored a line", "error", err.Error())
			continue
		}
		if rep.kind == "ready" {
			session = rep.session
			ready(rep.pid, rep.session)
			continue
		}
		n, ok, why := classifySentinel(rep, session)
		if ok {
			callBounded(handle, n, noticeBudget)
		} else {
			logf("sentinel: not a shutdown notice", "report", rep.kind+" "+rep.name, "why", why)
		}
		fmt.Fprintf(w, "ack %d\n", rep.seq)
	}
}
