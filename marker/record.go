package marker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"time"
)

// Schema is the record schema this upwrap writes and the newest it reads.
const Schema = 1

// MaxRecordSize is the largest record [Parse] accepts.
const MaxRecordSize = 1 << 20

// State is a job's state.
type State string

// The job states of DESIGN §3.
const (
	Running        State = "running"
	Succeeded      State = "succeeded"
	RebootRequired State = "reboot-required"
	Rebooting      State = "rebooting"
	Failed         State = "failed"
)

// Valid reports whether s is one of the five states.
func (s State) Valid() bool {
	switch s {
	case Running, Succeeded, RebootRequired, Rebooting, Failed:
		return true
	}
	return false
}

// Record is one job's record. Its JSON keys are part of upwrap's API
// (DESIGN §3): callers parse them, so they keep their meaning across
// releases; new keys may be added.
type Record struct {
	// Schema is the record format version, [Schema] when written.
	Schema int
	// Job is the case-folded job id.
	Job ID
	// State is the job's state.
	State State
	// Argv is the command line exactly as run; nil for a record created by
	// "upwrap mark" without a run.
	Argv []string
	// ArgvSHA256 is [ArgvHash] of Argv, or "" when Argv is nil.
	ArgvSHA256 string
	// Attempts counts the times the child was started.
	Attempts int
	// StartedAt and FinishedAt are nil until known.
	StartedAt, FinishedAt *time.Time
	// BootStart is the boot identity when the child was started; BootEnd the
	// boot identity when the final state was recorded.
	BootStart, BootEnd string
	// ExitCode is the child's exit code, or nil when it has none (not started,
	// still running, killed by a signal).
	ExitCode *int64
	// Reason is one human line saying why the job is in this state.
	Reason string
	// Source names what decided the state: "exit-code", "signal:SIGTERM",
	// "pending:<source>", "boot-change", "verify", "mark", ...
	Source string
	// Failure says why a failed job failed: "exit-code", "timeout",
	// "cancelled", "interrupted", "shutdown", "not-found", "cannot-execute",
	// "verify" or "mark". Empty unless State is Failed.
	Failure string
	// ExpectReboot records --expect-reboot.
	ExpectReboot bool
	// ShutdownConfirmed is true when a shutdown notice was confirmed by the
	// system (or the child started the restart itself).
	ShutdownConfirmed bool
	// Verify is the --verify command, kept so that "resume" and "status"
	// can run it after a restart.
	Verify string
	// PendingIntroduced lists the reboot-pending sources this run added.
	PendingIntroduced []string
	// Log is the path of the job log the run wrote, so that resume and mark
	// append to the same file; "" means <state-dir>/<job>.log.
	Log string
	// Host is the machine's host name.
	Host string
	// Version is the upwrap version that wrote the record.
	Version string
	// Child identifies the started command's process tree; nil until the
	// child has started (docs/design.md §5).
	Child *Child
	// Daemons are the processes the command left running on their own.
	Daemons []Daemon
	// Extra holds keys this version does not know, compacted, so they
	// survive a rewrite.
	Extra map[string]json.RawMessage
}

// wire is the JSON shape of a Record, in key order.
type wire struct {
	Schema            int        `json:"schema"`
	Job               ID         `json:"job"`
	State             State      `json:"state"`
	Argv              []string   `json:"argv"`
	ArgvSHA256        string     `json:"argv_sha256"`
	Attempts          int        `json:"attempts"`
	StartedAt         *time.Time `json:"started_at"`
	FinishedAt        *time.Time `json:"finished_at"`
	BootStart         string     `json:"boot_start"`
	BootEnd           string     `json:"boot_end"`
	ExitCode          *int64     `json:"exit_code"`
	Reason            string     `json:"reason"`
	Source            string     `json:"source"`
	Failure           string     `json:"failure"`
	ExpectReboot      bool       `json:"expect_reboot"`
	ShutdownConfirmed bool       `json:"shutdown_confirmed"`
	Verify            string     `json:"verify"`
	PendingIntroduced []string   `json:"pending_introduced"`
	Log               string     `json:"log"`
	Host              string     `json:"host"`
	Version           string     `json:"version"`
	Child             *Child     `json:"child,omitempty"`
	Daemons           []Daemon   `json:"daemons,omitempty"`
}

// Child identifies the started command's process tree, so that a later run
// can tell whether it lives.
type Child struct {
	// PID is the command's process id.
	PID int `json:"pid"`
	// StartTime tells PID apart from a later process with the same id.
	// Linux: /proc/PID/stat field 22; Windows: the creation FILETIME.
	StartTime uint64 `json:"start_time"`
	// Session is the child's session id on Linux, when it leads one.
	Session int `json:"session,omitempty"`
	// Cgroup is the cgroup v2 upwrap created for the tree, if any.
	Cgroup string `json:"cgroup,omitempty"`
	// JobObject is the name of the Windows job object holding the tree.
	JobObject string `json:"job_object,omitempty"`
}

// Daemon is a process the command left running on its own: a session of
// its own and none of the command's output pipes.
type Daemon struct {
	// PID is the daemon's process id.
	PID int `json:"pid"`
	// Name is its command name.
	Name string `json:"name"`
}

// Encode returns the record as indented JSON with a final newline. Unknown
// keys kept in Extra follow the known ones, sorted.
func (r *Record) Encode() ([]byte, error) {
	b, err := r.encode()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.Job, err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// EncodeCompact returns the record as one line of JSON, without a newline:
// what Encode returns with the insignificant white space removed, made
// directly (status --all --json prints one per job).
func (r *Record) EncodeCompact() ([]byte, error) {
	b, err := r.encode()
	if err != nil || len(r.Extra) == 0 {
		// encoding/json's own output: valid, and already compact.
		return b, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.Job, err)
	}
	return out.Bytes(), nil
}

// encode returns the record as compact JSON, the unknown keys appended as
// they are kept.
func (r *Record) encode() ([]byte, error) {
	w := wire{
		Schema: r.Schema, Job: r.Job, State: r.State, Argv: r.Argv, ArgvSHA256: r.ArgvSHA256,
		Attempts: r.Attempts, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		BootStart: r.BootStart, BootEnd: r.BootEnd, ExitCode: r.ExitCode, Reason: r.Reason,
		Source: r.Source, Failure: r.Failure, ExpectReboot: r.ExpectReboot, ShutdownConfirmed: r.ShutdownConfirmed,
		Verify: r.Verify, PendingIntroduced: r.PendingIntroduced, Log: r.Log, Host: r.Host, Version: r.Version,
		Child: r.Child, Daemons: r.Daemons,
	}
	if w.Argv == nil {
		w.Argv = []string{}
	}
	if w.PendingIntroduced == nil {
		w.PendingIntroduced = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.Job, err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(r.Extra) > 0 {
		keys := make([]string, 0, len(r.Extra))
		for k := range r.Extra {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = b[:len(b)-1]
		for _, k := range keys {
			kb, _ := json.Marshal(k)
			b = append(b, ',')
			b = append(b, kb...)
			b = append(b, ':')
			b = append(b, r.Extra[k]...)
		}
		b = append(b, '}')
	}
	return b, nil
}

// Parse reads one record strictly (see the package doc). Errors wrap
// [ErrCorrupt] or [ErrNewerSchema].
func Parse(b []byte) (*Record, error) {
	if len(b) > MaxRecordSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrCorrupt, len(b), MaxRecordSize)
	}
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		return nil, fmt.Errorf("%w: starts with a byte-order mark", ErrCorrupt)
	}
	if r, ok := parseFast(b); ok {
		return r, nil
	}
	return parseStrict(b)
}

// parseStrict is the full strict decoder: every record parseFast declines,
// valid or not, is decided here.
func parseStrict(b []byte) (*Record, error) {
	fields, err := splitObject(b)
	if err != nil {
		return nil, err
	}
	var r Record
	raw, ok := fields["schema"]
	if !ok {
		return nil, fmt.Errorf("%w: no \"schema\" key", ErrCorrupt)
	}
	if err := json.Unmarshal(raw, &r.Schema); err != nil {
		return nil, fmt.Errorf("%w: \"schema\": %v", ErrCorrupt, err)
	}
	if r.Schema > Schema {
		return nil, fmt.Errorf("%w (record schema %d, this upwrap reads up to %d): upgrade upwrap", ErrNewerSchema, r.Schema, Schema)
	}
	if r.Schema < 1 {
		return nil, fmt.Errorf("%w: schema %d", ErrCorrupt, r.Schema)
	}
	var job string
	targets := map[string]any{
		"job": &job, "state": &r.State, "argv": &r.Argv, "argv_sha256": &r.ArgvSHA256,
		"attempts": &r.Attempts, "started_at": &r.StartedAt, "finished_at": &r.FinishedAt,
		"boot_start": &r.BootStart, "boot_end": &r.BootEnd, "exit_code": &r.ExitCode,
		"reason": &r.Reason, "source": &r.Source, "failure": &r.Failure, "expect_reboot": &r.ExpectReboot,
		"shutdown_confirmed": &r.ShutdownConfirmed, "verify": &r.Verify,
		"pending_introduced": &r.PendingIntroduced, "log": &r.Log, "host": &r.Host, "version": &r.Version,
		"child": &r.Child, "daemons": &r.Daemons,
	}
	// In a stable order, so that a record with several bad keys is always
	// reported by the same one.
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		raw := fields[k]
		if k == "schema" {
			continue
		}
		t, known := targets[k]
		if !known {
			if r.Extra == nil {
				r.Extra = map[string]json.RawMessage{}
			}
			var c bytes.Buffer
			json.Compact(&c, raw)
			r.Extra[k] = c.Bytes()
			continue
		}
		if err := json.Unmarshal(raw, t); err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrCorrupt, k, err)
		}
	}
	for _, k := range []string{"job", "state"} {
		if v, ok := fields[k]; !ok || string(v) == "null" {
			return nil, fmt.Errorf("%w: no %q key", ErrCorrupt, k)
		}
	}
	id, err := ParseID(job)
	if err != nil || string(id) != job {
		return nil, fmt.Errorf("%w: \"job\" %q is not a valid, case-folded job id", ErrCorrupt, job)
	}
	r.Job = id
	if !r.State.Valid() {
		return nil, fmt.Errorf("%w: unknown state %q", ErrCorrupt, r.State)
	}
	if r.Attempts < 0 {
		return nil, fmt.Errorf("%w: negative attempts %d", ErrCorrupt, r.Attempts)
	}
	if r.ArgvSHA256 != "" && !isLowerHex64(r.ArgvSHA256) {
		return nil, fmt.Errorf("%w: \"argv_sha256\" is not 64 lower-case hex digits", ErrCorrupt)
	}
	if len(r.Argv) == 0 {
		r.Argv = nil
	}
	if len(r.PendingIntroduced) == 0 {
		r.PendingIntroduced = nil
	}
	if len(r.Daemons) == 0 {
		r.Daemons = nil
	}
	return &r, nil
}

// splitObject checks that b is exactly one JSON object with no duplicate
// keys and returns its members.
func splitObject(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrCorrupt)
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		key, _ := tok.(string)
		if _, dup := fields[key]; dup {
			return nil, fmt.Errorf("%w: duplicate key %q", ErrCorrupt, key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrCorrupt, key, err)
		}
		fields[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrCorrupt)
	}
	return fields, nil
}
