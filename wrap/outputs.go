package wrap

import (
	"io"
	"os"
	"sync"
	"time"
)

// outputs are the child's stdout and stderr pipes, which upwrap copies to
// the job log and its own streams. upwrap makes them itself, rather than
// letting os/exec do it, so that the tree can tell who holds them
// (docs/design.md §5, "The process tree") and so that a process left
// holding them never keeps upwrap waiting: past a grace the read ends are
// closed.
type outputs struct {
	// w are the child's ends, r upwrap's.
	w, r [2]*os.File
	// eof is closed once both copies have ended.
	eof chan struct{}
}

func newOutputs() (*outputs, error) {
	o := &outputs{eof: make(chan struct{})}
	for i := range o.r {
		r, w, err := os.Pipe()
		if err != nil {
			o.close()
			return nil, err
		}
		o.r[i], o.w[i] = r, w
	}
	return o, nil
}

// start closes upwrap's copy of the child's ends (the child has its own)
// and copies each pipe to its writer until every holder has closed it.
func (o *outputs) start(dst [2]io.Writer) {
	var wg sync.WaitGroup
	for i := range o.r {
		o.w[i].Close()
		r, d := o.r[i], dst[i]
		wg.Go(func() { io.Copy(d, r) })
	}
	go func() {
		wg.Wait()
		close(o.eof)
	}()
}

// wait waits at most grace for the copies to end, then closes upwrap's
// ends and waits for the copies to return.
func (o *outputs) wait(grace time.Duration) {
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-o.eof:
	case <-t.C:
		for _, r := range o.r {
			r.Close()
		}
		<-o.eof
	}
	for _, r := range o.r {
		r.Close()
	}
}

// close closes every end; for a child that could not be started.
func (o *outputs) close() {
	for i := range o.r {
		for _, f := range []*os.File{o.r[i], o.w[i]} {
			if f != nil {
				f.Close()
			}
		}
	}
}
