package marker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The registry mirror (Windows, --registry): the state of a job copied into
// HKLM\SOFTWARE\upwrap\Jobs\<id> after each write of its record, so that a
// Configuration Manager or Intune registry detection rule can read it. The
// record file stays the truth; the mirror follows it.

// MirrorKey is the registry key (under HKLM) that holds the mirrors.
const MirrorKey = `SOFTWARE\upwrap\Jobs`

var (
	// ErrMirror means the record was written but its registry mirror could
	// not be updated.
	ErrMirror = errors.New("registry mirror not updated")
	// ErrMirrorUnsupported means the registry mirror was asked for where
	// there is no registry.
	ErrMirrorUnsupported = errors.New("the registry mirror exists only on Windows")
)

// mirrorValue is one registry value of a mirror: a string (REG_SZ), a
// number (REG_DWORD), or absent (deleted).
type mirrorValue struct {
	name   string
	str    string
	num    uint32
	isNum  bool
	absent bool
}

// mirrorValues is what the mirror of r holds, in a fixed order: State,
// Reason, Source, Failure, ExitCode (REG_DWORD, the code's 32 bits; absent
// when the record has none), Attempts (REG_DWORD), StartedAt, FinishedAt,
// BootStart, BootEnd, Version, and Record, the whole record as one line of
// JSON.
func mirrorValues(r *Record, encoded []byte) []mirrorValue {
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	exit := mirrorValue{name: "ExitCode", absent: true}
	if r.ExitCode != nil {
		exit = mirrorValue{name: "ExitCode", num: uint32(*r.ExitCode), isNum: true}
	}
	var line bytes.Buffer
	if err := json.Compact(&line, encoded); err != nil {
		line.Reset()
		line.Write(encoded)
	}
	return []mirrorValue{
		{name: "State", str: string(r.State)},
		{name: "Reason", str: r.Reason},
		{name: "Source", str: r.Source},
		{name: "Failure", str: r.Failure},
		exit,
		{name: "Attempts", num: uint32(r.Attempts), isNum: true},
		{name: "StartedAt", str: ts(r.StartedAt)},
		{name: "FinishedAt", str: ts(r.FinishedAt)},
		{name: "BootStart", str: r.BootStart},
		{name: "BootEnd", str: r.BootEnd},
		{name: "Version", str: r.Version},
		{name: "Record", str: line.String()},
	}
}

// EnableMirror creates the registry mirror of job id now, so that a run
// that cannot write it fails before it starts anything; every later
// [Store.Write] of the job updates it, and [Store.Remove] deletes it. A job
// mirrored once stays mirrored until it is removed. Errors wrap
// [ErrMirrorUnsupported] outside Windows, [ErrStateDir] when the key
// cannot be created.
func (s *Store) EnableMirror(id ID) error {
	if err := createMirror(id); err != nil {
		if errors.Is(err, ErrMirrorUnsupported) {
			return err
		}
		return fmt.Errorf("%w: registry mirror HKLM\\%s\\%s: %v", ErrStateDir, MirrorKey, id, err)
	}
	return nil
}

// mirror updates the job's registry mirror if it has one.
func (s *Store) mirror(id ID, r *Record, encoded []byte) error {
	if err := putMirror(id, mirrorValues(r, encoded)); err != nil {
		return fmt.Errorf("job %s: %w: %v", id, ErrMirror, err)
	}
	return nil
}
