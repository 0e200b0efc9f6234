package wrap

import (
	"context"
	"sync"
	"time"

	"github.com/upwrap/upwrap/detect"
)

// noticeReq is a shutdown notice from the probe's watcher, waiting in the
// run loop to be recorded; done is closed once it is.
type noticeReq struct {
	n    detect.Notice
	done chan struct{}
	// by is when the OS stops waiting for the answer: the record's write
	// must not retry past it.
	by time.Time
}

// noticeMargin is kept from the notice budget for what follows the write
// (the acknowledgement, the log).
const noticeMargin = 500 * time.Millisecond

// watchNotices starts the probe's notice watcher, when it has one, and
// returns the channel its notices arrive on. The watcher's handler returns
// only when the run loop has recorded the notice (or the run is over), so
// the OS is answered after the record is on disk.
func watchNotices(ctx context.Context, probe detect.Probe, log *jobLog) (<-chan noticeReq, func()) {
	ch := make(chan noticeReq)
	w, ok := probe.(detect.NoticeWatcher)
	if !ok || log == nil {
		return ch, func() {}
	}
	quit := make(chan struct{})
	handle := func(n detect.Notice) {
		req := noticeReq{n: n, done: make(chan struct{}), by: time.Now().Add(detect.NoticeBudget - noticeMargin)}
		select {
		case ch <- req:
		case <-quit:
			return
		}
		select {
		case <-req.done:
		case <-quit:
		}
	}
	stop, err := w.WatchNotices(ctx, handle, log.logger)
	if err != nil {
		log.event(evNoticeChannelLost, "error", err.Error())
	}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			close(quit)
			stop()
		})
	}
}
