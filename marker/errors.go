package marker

import "errors"

var (
	// ErrNotFound means the job has no record.
	ErrNotFound = errors.New("no record")
	// ErrCorrupt means a record exists but cannot be read: it is not one
	// valid JSON object, a key has the wrong type, or it is too large.
	ErrCorrupt = errors.New("record is corrupt")
	// ErrNewerSchema means the record was written by a newer upwrap.
	ErrNewerSchema = errors.New("record has a newer schema than this upwrap understands")
	// ErrUntrusted means the state directory or a file in it could have been
	// written by someone else (wrong owner, group/other-writable, a symbolic
	// link, not a regular file).
	ErrUntrusted = errors.New("untrusted")
	// ErrInvalidID means a job id breaks the rules of [ParseID].
	ErrInvalidID = errors.New("invalid job id")
	// ErrLocked means another process holds the job's lock.
	ErrLocked = errors.New("locked by another upwrap")
	// ErrTooLarge means a record would be larger than [MaxRecordSize], so
	// that no upwrap could read it back (a command line of megabytes).
	ErrTooLarge = errors.New("record too large")
	// ErrStateDir means the state directory cannot be used (missing parent,
	// not a directory, read-only, no space).
	ErrStateDir = errors.New("state directory unusable")
)
