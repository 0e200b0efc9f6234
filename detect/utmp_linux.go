package detect

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
)

// The utmp record of glibc on Linux: 384 bytes on every architecture Go
// supports (64-bit ones keep 32-bit times for compatibility). musl keeps no
// utmp file at all.
const (
	utmpRecordSize = 384
	utmpRunLevel   = 1 // ut_type RUN_LVL
	utmpMaxSize    = 1 << 20
)

// utmpRecord is the part of a utmp record upwrap reads.
type utmpRecord struct {
	Type int16
	PID  int32
	User string
}

// parseUtmp splits a utmp file into records. A file whose size is not a
// whole number of records has another layout: it is refused, not guessed at.
func parseUtmp(b []byte) ([]utmpRecord, error) {
	if len(b)%utmpRecordSize != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of %d-byte records", len(b), utmpRecordSize)
	}
	var recs []utmpRecord
	for off := 0; off < len(b); off += utmpRecordSize {
		r := b[off : off+utmpRecordSize]
		user := r[44:76]
		if i := bytes.IndexByte(user, 0); i >= 0 {
			user = user[:i]
		}
		recs = append(recs, utmpRecord{
			Type: int16(binary.NativeEndian.Uint16(r[0:])),
			PID:  int32(binary.NativeEndian.Uint32(r[4:])),
			User: string(user),
		})
	}
	return recs, nil
}

// utmpWitness confirms a shutdown from the run-level record of /run/utmp:
// sysvinit's and systemd's "runlevel" record for run level 0 or 6 (the new
// level is the low byte of ut_pid, as a character), or systemd's "shutdown"
// record.
func utmpWitness(root string) (string, string) {
	path := filepath.Join(root, utmpPath)
	b, err := readSmall(path, utmpMaxSize+1)
	if err != nil {
		if os.IsNotExist(err) {
			return "", ""
		}
		return "", fmt.Sprintf("/%s unreadable (%v)", utmpPath, err)
	}
	if len(b) > utmpMaxSize {
		return "", fmt.Sprintf("/%s larger than %d bytes, not read", utmpPath, utmpMaxSize)
	}
	recs, err := parseUtmp(b)
	if err != nil {
		return "", fmt.Sprintf("/%s malformed (%v)", utmpPath, err)
	}
	var last *utmpRecord
	for i := range recs {
		if recs[i].Type == utmpRunLevel {
			last = &recs[i]
		}
	}
	switch {
	case last == nil:
		return "", ""
	case last.User == "shutdown":
		return "/" + utmpPath + " (shutdown record)", ""
	case last.User == "runlevel":
		if lvl := byte(last.PID & 0xff); lvl == '0' || lvl == '6' {
			return fmt.Sprintf("/%s (runlevel %c)", utmpPath, lvl), ""
		}
	}
	return "", ""
}
