package wrap

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/internal/promtext"
	"github.com/upwrap/upwrap/marker"
)

// Metrics returns the Prometheus metrics of every job in the state
// directory (docs/design.md §9): each record's state as written, never a
// recorded --verify run, so that a scrape or a rewrite changes nothing and
// starts nothing. A record that cannot be read is a job in state corrupt,
// untrusted or newer-schema; it never hides the others. The machine's
// reboot-pending sources that could be checked follow. A state directory
// that does not exist yet holds no jobs.
func Metrics(ctx context.Context, stateDir string, probe detect.Probe) ([]byte, error) {
	jobs, err := metricJobs(stateDir)
	if err != nil {
		return nil, err
	}
	var pending []promtext.Pending
	for _, s := range probe.PendingReboot(ctx) {
		if s.Checked {
			pending = append(pending, promtext.Pending{Source: s.Name, Pending: s.Pending})
		}
	}
	return promtext.Render(jobs, pending), nil
}

// WriteTextfile writes [Metrics] to dir/upwrap.prom, atomically.
func WriteTextfile(ctx context.Context, dir, stateDir string, probe detect.Probe) error {
	b, err := Metrics(ctx, stateDir, probe)
	if err != nil {
		return fmt.Errorf("textfile %s: %w", filepath.Join(dir, promtext.FileName), err)
	}
	return promtext.WriteFile(ctx, dir, b)
}

func metricJobs(stateDir string) ([]promtext.Job, error) {
	st, err := marker.Open(stateDir, false)
	if err != nil {
		if errors.Is(err, marker.ErrStateDir) && !exists(stateDir) {
			return nil, nil
		}
		return nil, err
	}
	ids, err := st.List()
	if err != nil {
		return nil, err
	}
	jobs := make([]promtext.Job, 0, len(ids))
	for _, id := range ids {
		r, err := st.Read(id)
		if errors.Is(err, marker.ErrNotFound) {
			continue // cleared since the listing
		}
		j, err := metricJob(id, r, err)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// metricJob is what the metrics say of one job's record, or of the error
// that reading it gave.
func metricJob(id marker.ID, r *marker.Record, err error) (promtext.Job, error) {
	j := promtext.Job{ID: string(id)}
	switch {
	case errors.Is(err, marker.ErrUntrusted):
		j.State = "untrusted"
	case errors.Is(err, marker.ErrNewerSchema):
		j.State = "newer-schema"
	case errors.Is(err, marker.ErrCorrupt):
		j.State = "corrupt"
	case err != nil:
		return j, err
	default:
		j.State, j.Attempts, j.ExitCode = string(r.State), r.Attempts, r.ExitCode
		if r.State == marker.Failed {
			j.Failure = r.Failure
		}
		for _, t := range []*time.Time{r.StartedAt, r.FinishedAt} {
			if t != nil && t.After(j.Changed) {
				j.Changed = *t
			}
		}
	}
	return j, nil
}

// textfile keeps the textfile of a run current in the background: a record
// write asks for a rewrite and goes on at once, so that the rewrite (every
// record, the reboot-pending sources) never delays a record, least of all
// the one written on a shutdown notice.
type textfile struct {
	dir, stateDir string
	probe         detect.Probe
	kick          chan struct{}
	done          chan struct{}
	// err is the last rewrite's error; read after done is closed.
	err error
}

// startTextfile starts the rewriter of dir; nil (which does nothing) when
// dir is "".
func startTextfile(dir, stateDir string, probe detect.Probe) *textfile {
	if dir == "" {
		return nil
	}
	t := &textfile{dir: dir, stateDir: stateDir, probe: probe, kick: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(t.done)
		for range t.kick {
			t.err = WriteTextfile(context.Background(), t.dir, t.stateDir, t.probe)
		}
	}()
	return t
}

// changed asks for a rewrite; requests made while one is waiting are one.
func (t *textfile) changed() {
	if t == nil {
		return
	}
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// close rewrites the file a last time, so that it is current when the
// invocation ends whether or not it wrote a record, waits for it, and
// returns its error: the record is written either way, so the caller only
// warns.
func (t *textfile) close() error {
	if t == nil {
		return nil
	}
	t.changed()
	close(t.kick)
	<-t.done
	return t.err
}
