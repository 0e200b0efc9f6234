package marker

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// parseFast decodes, in one pass and without reflection, the records that
// upwrap itself writes: one object whose keys are all known and appear once,
// whose values have exactly the types of the schema, with strings of valid
// UTF-8 and the simple escapes (\" \\ \/ \b \f \n \r \t).
//
// It is only a shortcut: on anything else — an unknown key, a \u escape, a
// null where a value is required, a number that is not a plain integer, a
// record that fails a check, any JSON it does not fully understand — it
// returns false and [Parse] runs the full strict decoder, which returns the
// same record or the error. So parseFast changes how long Parse takes, never
// what Parse returns (FuzzFastDecoderAgrees checks exactly that).
//
// Why it exists: status --all reads every record of the state directory,
// and the strict decoder (encoding/json's tokenizer, then one Unmarshal per
// key) spent about 30 µs on each.
func parseFast(b []byte) (*Record, bool) {
	s := fastScanner{b: b}
	if !s.byte('{') {
		return nil, false
	}
	var r Record
	var seen uint32
	var job string
	for {
		key, ok := s.str()
		if !ok || !s.byte(':') {
			return nil, false
		}
		bit, ok := fastKeys[string(key)]
		if !ok || seen&bit != 0 {
			return nil, false
		}
		seen |= bit
		if !s.value(bit, &r, &job) {
			return nil, false
		}
		if s.byte(',') {
			continue
		}
		if s.byte('}') {
			break
		}
		return nil, false
	}
	s.ws()
	if s.i != len(b) {
		return nil, false
	}
	if seen&(keySchema|keyJob|keyState) != keySchema|keyJob|keyState {
		return nil, false
	}
	// The checks of the strict decoder; on failure it reports the error.
	if r.Schema < 1 || r.Schema > Schema || r.Attempts < 0 || !r.State.Valid() {
		return nil, false
	}
	if id, err := ParseID(job); err != nil || string(id) != job {
		return nil, false
	}
	r.Job = ID(job)
	if r.ArgvSHA256 != "" && !isLowerHex64(r.ArgvSHA256) {
		return nil, false
	}
	if len(r.Argv) == 0 {
		r.Argv = nil
	}
	if len(r.PendingIntroduced) == 0 {
		r.PendingIntroduced = nil
	}
	return &r, true
}

// One bit per known key.
const (
	keySchema uint32 = 1 << iota
	keyJob
	keyState
	keyArgv
	keyArgvSHA256
	keyAttempts
	keyStartedAt
	keyFinishedAt
	keyBootStart
	keyBootEnd
	keyExitCode
	keyReason
	keySource
	keyFailure
	keyExpectReboot
	keyShutdownConfirmed
	keyVerify
	keyPendingIntroduced
	keyLog
	keyHost
	keyVersion
	keyChild
	keyDaemons
)

var fastKeys = map[string]uint32{
	"schema": keySchema, "job": keyJob, "state": keyState, "argv": keyArgv, "argv_sha256": keyArgvSHA256,
	"attempts": keyAttempts, "started_at": keyStartedAt, "finished_at": keyFinishedAt,
	"boot_start": keyBootStart, "boot_end": keyBootEnd, "exit_code": keyExitCode, "reason": keyReason,
	"source": keySource, "failure": keyFailure, "expect_reboot": keyExpectReboot,
	"shutdown_confirmed": keyShutdownConfirmed, "verify": keyVerify,
	"pending_introduced": keyPendingIntroduced, "log": keyLog, "host": keyHost, "version": keyVersion,
	"child": keyChild, "daemons": keyDaemons,
}

// value decodes the value of one known key into r.
func (s *fastScanner) value(key uint32, r *Record, job *string) bool {
	var ok bool
	switch key {
	case keySchema:
		var n int64
		n, ok = s.int()
		r.Schema = int(n)
		return ok && int64(r.Schema) == n
	case keyAttempts:
		var n int64
		n, ok = s.int()
		r.Attempts = int(n)
		return ok && int64(r.Attempts) == n
	case keyJob:
		*job, ok = s.string()
	case keyState:
		var st string
		st, ok = s.string()
		r.State = State(st)
	case keyArgv:
		r.Argv, ok = s.strings()
	case keyPendingIntroduced:
		r.PendingIntroduced, ok = s.strings()
	case keyStartedAt:
		r.StartedAt, ok = s.time()
	case keyFinishedAt:
		r.FinishedAt, ok = s.time()
	case keyExitCode:
		if s.null() {
			return true
		}
		var n int64
		n, ok = s.int()
		r.ExitCode = &n
	case keyExpectReboot:
		r.ExpectReboot, ok = s.bool()
	case keyShutdownConfirmed:
		r.ShutdownConfirmed, ok = s.bool()
	case keyChild:
		// Rare and small: decoded as the strict decoder does.
		raw, rok := s.composite()
		return rok && json.Unmarshal(raw, &r.Child) == nil
	case keyDaemons:
		raw, rok := s.composite()
		if !rok || json.Unmarshal(raw, &r.Daemons) != nil {
			return false
		}
		if len(r.Daemons) == 0 {
			r.Daemons = nil
		}
		return true
	default:
		var v string
		v, ok = s.string()
		switch key {
		case keyArgvSHA256:
			r.ArgvSHA256 = v
		case keyBootStart:
			r.BootStart = v
		case keyBootEnd:
			r.BootEnd = v
		case keyReason:
			r.Reason = v
		case keySource:
			r.Source = v
		case keyFailure:
			r.Failure = v
		case keyVerify:
			r.Verify = v
		case keyLog:
			r.Log = v
		case keyHost:
			r.Host = v
		case keyVersion:
			r.Version = v
		default:
			return false
		}
	}
	return ok
}

// fastScanner reads the subset of JSON that parseFast accepts. Every method
// skips leading white space and reports false, leaving the input where it
// was, when the next value is not of its kind.
type fastScanner struct {
	b []byte
	i int
}

func (s *fastScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// byte consumes c.
func (s *fastScanner) byte(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// word consumes a literal (true, false, null) followed by a delimiter.
func (s *fastScanner) word(w string) bool {
	s.ws()
	end := s.i + len(w)
	if end > len(s.b) || string(s.b[s.i:end]) != w {
		return false
	}
	if end < len(s.b) && !isDelim(s.b[end]) {
		return false
	}
	s.i = end
	return true
}

func isDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', '}', ']':
		return true
	}
	return false
}

func (s *fastScanner) null() bool { return s.word("null") }

func (s *fastScanner) bool() (bool, bool) {
	if s.word("true") {
		return true, true
	}
	if s.word("false") {
		return false, true
	}
	return false, false
}

// int reads a JSON integer: -?(0|[1-9][0-9]*), no fraction, no exponent.
func (s *fastScanner) int() (int64, bool) {
	s.ws()
	j := s.i
	if j < len(s.b) && s.b[j] == '-' {
		j++
	}
	d := j
	for j < len(s.b) && s.b[j] >= '0' && s.b[j] <= '9' {
		j++
	}
	if j == d || (s.b[d] == '0' && j-d > 1) || (j < len(s.b) && !isDelim(s.b[j])) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.b[s.i:j]), 10, 64)
	if err != nil {
		return 0, false
	}
	s.i = j
	return n, true
}

// str reads a string and returns its decoded bytes: printable ASCII is
// returned in place; the simple escapes and valid UTF-8 are decoded into a
// copy; a \u escape, a control character or invalid UTF-8 is refused.
func (s *fastScanner) str() ([]byte, bool) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return s.b[start:j], true
		case c == '\\' || c >= utf8.RuneSelf:
			return s.strSlow(start)
		case c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

func (s *fastScanner) strSlow(start int) ([]byte, bool) {
	out := make([]byte, 0, 64)
	nonASCII := false
	for j := start; j < len(s.b); j++ {
		c := s.b[j]
		switch {
		case c == '"':
			if nonASCII && !utf8.Valid(out) {
				return nil, false
			}
			s.i = j + 1
			return out, true
		case c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			nonASCII = true
			out = append(out, c)
		case c == '\\':
			if j+1 >= len(s.b) {
				return nil, false
			}
			j++
			switch e := s.b[j]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			default:
				return nil, false
			}
		default:
			out = append(out, c)
		}
	}
	return nil, false
}

func (s *fastScanner) string() (string, bool) {
	b, ok := s.str()
	return string(b), ok
}

// strings reads null or an array of strings.
func (s *fastScanner) strings() ([]string, bool) {
	if s.null() {
		return nil, true
	}
	if !s.byte('[') {
		return nil, false
	}
	out := []string{}
	if s.byte(']') {
		return out, true
	}
	for {
		v, ok := s.string()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if s.byte(',') {
			continue
		}
		return out, s.byte(']')
	}
}

// composite returns the bytes of null, an object or an array, without
// decoding them; strings inside are skipped with their escapes.
func (s *fastScanner) composite() ([]byte, bool) {
	s.ws()
	from := s.i
	if s.null() {
		return s.b[from:s.i], true
	}
	depth := 0
	for j := from; j < len(s.b); j++ {
		switch s.b[j] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				s.i = j + 1
				return s.b[from:s.i], true
			}
		case '"':
			for j++; j < len(s.b) && s.b[j] != '"'; j++ {
				if s.b[j] == '\\' {
					j++
				}
			}
		default:
			if depth == 0 {
				return nil, false
			}
		}
	}
	return nil, false
}

// time reads null or a string that time.Time's own UnmarshalJSON accepts,
// through that very method, as encoding/json would call it.
func (s *fastScanner) time() (*time.Time, bool) {
	if s.null() {
		return nil, true
	}
	s.ws()
	from := s.i
	if _, ok := s.str(); !ok {
		return nil, false
	}
	t := new(time.Time)
	if err := t.UnmarshalJSON(s.b[from:s.i]); err != nil {
		return nil, false
	}
	return t, true
}

// isLowerHex64 reports whether s is 64 lower-case hex digits (a SHA-256).
func isLowerHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
