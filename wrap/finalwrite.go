package wrap

import (
	"errors"
	"fmt"
	"time"

	"github.com/upwrap/upwrap/marker"
)

// Backoff of the final record's retries.
const (
	retryFirst = 100 * time.Millisecond
	retryMax   = 5 * time.Second
)

// reserve sets room aside for the final record of a run whose record
// starts as r (docs/design.md §6), before the child can fill the disk. An
// error means the state directory has no room even for that: the child is
// not started.
func (j *job) reserve(r *marker.Record, log *jobLog) error {
	b, err := r.Encode()
	if err != nil {
		return err
	}
	n := marker.SpareSize(len(b))
	if err := j.store.Reserve(j.id, n); err != nil {
		// Said on stderr; the job log is left as it was, like the record.
		return fmt.Errorf("%w; the command was not started", err)
	}
	j.spare = n
	log.event(evRoomReserved, "bytes", n)
	return nil
}

// writeFinal writes the run's last record in the room reserved for it. A
// write the state directory refuses (full, read-only, an I/O error) is
// retried with backoff until recordRetry has passed; the operator hears of
// the first failure and of a late success. Errors that a retry cannot mend
// (a record too large, an untrusted file) are returned at once.
func (j *job) writeFinal(r *marker.Record, log *jobLog) error {
	if j.witnesses != nil {
		r.Extra = withWitnesses(r.Extra, j.witnesses)
	}
	deadline := time.Now().Add(j.recordRetry)
	delay := retryFirst
	for tries := 1; ; tries++ {
		err := j.mirrored(j.store.WriteReserved(j.id, r))
		j.spare = 0
		if err == nil {
			if tries > 1 {
				j.warnf("job %s: the record was written at attempt %d", j.id, tries)
			}
			return nil
		}
		if !errors.Is(err, marker.ErrStateDir) || errors.Is(err, marker.ErrTooLarge) || time.Now().After(deadline) {
			return err
		}
		if tries == 1 {
			log.event(evRecordRetrying, "state", string(r.State), "error", err.Error(), "for", j.recordRetry.String())
			j.warnf("job %s ended %s (%s), but the record cannot be written (%v); retrying for up to %s", j.id, r.State, r.Reason, err, j.recordRetry)
		}
		time.Sleep(min(delay, time.Until(deadline)+time.Millisecond))
		delay = min(2*delay, retryMax)
	}
}
