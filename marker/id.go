package marker

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// MaxIDLength is the longest job id accepted.
const MaxIDLength = 64

// ID is a validated, case-folded job id: safe as a file name on every OS.
type ID string

// windowsDeviceNames are reserved on Windows with or without an extension.
var windowsDeviceNames = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true,
	"com0": true, "com1": true, "com2": true, "com3": true, "com4": true,
	"com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt0": true, "lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true,
	"lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
	"conin$": true, "conout$": true, "clock$": true,
}

// ParseID validates s as a job id and returns it case-folded, so that "Win11"
// and "win11" are one job on every OS. An id is 1 to [MaxIDLength] ASCII
// letters, digits, '.', '_' or '-', starts with a letter or digit, does not
// end with '.', contains no "..", and is not a Windows device name (CON,
// NUL, COM1, ...) with or without an extension. Errors wrap [ErrInvalidID].
func ParseID(s string) (ID, error) {
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidID)
	}
	if len(s) > MaxIDLength {
		return "", fmt.Errorf("%w: %d characters, at most %d allowed", ErrInvalidID, len(s), MaxIDLength)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "", fmt.Errorf("%w: %q has character %q at byte %d; use letters, digits, '.', '_' and '-'", ErrInvalidID, s, c, i)
		}
	}
	f := strings.ToLower(s)
	if !isAlnum(f[0]) {
		return "", fmt.Errorf("%w: %q must start with a letter or digit", ErrInvalidID, s)
	}
	if strings.HasSuffix(f, ".") {
		return "", fmt.Errorf("%w: %q must not end with '.'", ErrInvalidID, s)
	}
	if strings.Contains(f, "..") {
		return "", fmt.Errorf("%w: %q must not contain \"..\"", ErrInvalidID, s)
	}
	base, _, _ := strings.Cut(f, ".")
	if windowsDeviceNames[base] {
		return "", fmt.Errorf("%w: %q is a Windows device name", ErrInvalidID, s)
	}
	return ID(f), nil
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// ArgvHash returns the hex SHA-256 of argv, encoded so that no two different
// argument lists share an encoding.
func ArgvHash(argv []string) string {
	h := sha256.New()
	for _, a := range argv {
		fmt.Fprintf(h, "%d:%s\x00", len(a), a)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DeriveID returns the job id of a command line given without --job: the
// command's base name, made safe, and the first 12 hex digits of
// [ArgvHash], so that the same command line always names the same job.
func DeriveID(argv []string) ID {
	name := ""
	if len(argv) > 0 {
		name = argv[0]
		if i := strings.LastIndexAny(name, `/\`); i >= 0 {
			name = name[i+1:]
		}
	}
	var b strings.Builder
	for i := 0; i < len(name) && b.Len() < 40; i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		case isAlnum(c) || c == '_' || c == '-':
			b.WriteByte(c)
		default:
			b.WriteByte('-')
		}
	}
	base := strings.Trim(b.String(), "-_")
	if base == "" {
		base = "cmd"
	}
	return ID(base + "-" + ArgvHash(argv)[:12])
}
