package wrap

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// awaitMarkKey is the record key of run --await-mark: the number of seconds
// after a restart during which the job waits for `upwrap mark` (Windows
// Setup's verdict) before the restart alone decides (docs/design.md §13).
const awaitMarkKey = "await_mark"

// withAwaitMark returns extra with the await_mark key set to d (removed
// when d is 0), as a new map so that records sharing the old one are
// untouched.
func withAwaitMark(extra map[string]json.RawMessage, d time.Duration) map[string]json.RawMessage {
	if _, had := extra[awaitMarkKey]; !had && d <= 0 {
		return extra
	}
	out := maps.Clone(extra)
	if out == nil {
		out = map[string]json.RawMessage{}
	}
	if d <= 0 {
		delete(out, awaitMarkKey)
		return out
	}
	secs := int64((d + time.Second - 1) / time.Second)
	out[awaitMarkKey] = json.RawMessage(strconv.FormatInt(secs, 10))
	return out
}

// recordedAwaitMark returns the record's await_mark, and whether it has a
// usable one.
func recordedAwaitMark(r *marker.Record) (time.Duration, bool) {
	raw, ok := r.Extra[awaitMarkKey]
	if !ok {
		return 0, false
	}
	var secs int64
	if err := json.Unmarshal(raw, &secs); err != nil || secs <= 0 {
		return 0, false
	}
	return time.Duration(secs) * time.Second, true
}

// awaitMark applies --await-mark to a decision of the table: a record that
// the restart would finalize stays as it is, and the job answers busy, until
// `upwrap mark` records the outcome or the recorded time has passed since
// the restart. Then the restart finalizes it as usual (--verify decides,
// else succeeded). It is pure, like decide.
func awaitMark(r *marker.Record, f facts, d decision) decision {
	if d.act != actFinalize || r == nil {
		return d
	}
	wait, ok := recordedAwaitMark(r)
	if !ok {
		return d
	}
	switch {
	case !f.sinceBootKnown:
		d.reason += fmt.Sprintf("; no upwrap mark (the time since the restart is unknown, so the %s wait cannot be kept)", wait)
	case f.sinceBoot < wait:
		return decision{act: actKeep, outcome: Busy}
	default:
		d.reason += fmt.Sprintf("; no upwrap mark within %s of the restart", wait)
	}
	return d
}

// decideJob is the decision table with --await-mark applied: what run,
// status and resume act on.
func decideJob(r *marker.Record, f facts) decision {
	return awaitMark(r, f, decide(r, f))
}

// sinceBoot asks the probe, when it can tell, how long ago the current boot
// began; only for a record that awaits a mark (it costs a read).
func sinceBoot(ctx context.Context, probe detect.Probe, r *marker.Record) (time.Duration, bool) {
	if r == nil {
		return 0, false
	}
	if _, ok := recordedAwaitMark(r); !ok {
		return 0, false
	}
	c, ok := probe.(detect.BootClock)
	if !ok {
		return 0, false
	}
	d, err := c.SinceBoot(ctx)
	return d, err == nil
}
