package detect

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The file witnesses of a shutdown. Each returns the witness's name when it
// confirms that the machine is going down, or a short note when it found
// something worth reporting that does not confirm it (both empty when the
// witness is simply absent). None of them blocks: each is one small read of a
// file under /run, a tmpfs.

const (
	scheduledPath = "run/systemd/shutdown/scheduled"
	nologinPath   = "run/nologin"
	utmpPath      = "run/utmp"
)

// scheduledSlack is how far in the future a scheduled shutdown may lie and
// still explain a SIGTERM now: logind starts the shutdown at the scheduled
// time, so a plan minutes ahead is not what sent this signal, while a time
// already reached means the shutdown is under way.
const scheduledSlack = 10 * time.Second

// scheduledShutdown is logind's /run/systemd/shutdown/scheduled.
type scheduledShutdown struct {
	At     time.Time
	Mode   string // "reboot", "poweroff", "halt", "kexec"; "dry-…" for shutdown -k
	DryRun bool
}

// readScheduled parses the schedule file. ok is false when there is none or
// it cannot be read or parsed.
func readScheduled(root string) (s scheduledShutdown, ok bool, note string) {
	b, err := os.ReadFile(filepath.Join(root, scheduledPath))
	if err != nil {
		if os.IsNotExist(err) {
			return s, false, ""
		}
		return s, false, fmt.Sprintf("/%s unreadable (%v)", scheduledPath, err)
	}
	var usec string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "USEC":
			usec = v
		case "MODE":
			s.Mode = v
		case "DRY_RUN":
			s.DryRun = v == "1" || v == "yes" || v == "true"
		}
	}
	us, err := strconv.ParseInt(usec, 10, 64)
	if err != nil || us <= 0 || s.Mode == "" {
		return s, false, fmt.Sprintf("/%s malformed", scheduledPath)
	}
	if strings.HasPrefix(s.Mode, "dry-") {
		s.DryRun = true
	}
	s.At = time.UnixMicro(us)
	return s, true, ""
}

// due reports whether the scheduled shutdown is due: its time has come
// (or nearly), and it is not a dry run.
func (s scheduledShutdown) due(now time.Time) bool {
	return !s.DryRun && !s.At.After(now.Add(scheduledSlack))
}

// scheduledWitness confirms a shutdown that logind scheduled and whose time
// has come.
func scheduledWitness(root string) (string, string) {
	s, ok, note := readScheduled(root)
	if !ok {
		return "", note
	}
	if s.DryRun {
		return "", fmt.Sprintf("/%s holds a dry run (%s)", scheduledPath, s.Mode)
	}
	if !s.due(time.Now()) {
		return "", fmt.Sprintf("%s scheduled for %s", s.Mode, s.At.UTC().Format(time.RFC3339))
	}
	return "/" + scheduledPath + " (mode=" + s.Mode + ")", ""
}

// nologinGoingDown starts the text systemd writes to /run/nologin when the
// machine goes down (systemd-user-sessions at shutdown, logind five minutes
// before a scheduled one). At boot the file says "System is booting up".
const nologinGoingDown = "System is going down"

// nologinWitness confirms a shutdown from /run/nologin, unless a shutdown
// scheduled for later explains the file.
func nologinWitness(root string) (string, string) {
	b, err := readSmall(filepath.Join(root, nologinPath), 4096)
	if err != nil {
		if os.IsNotExist(err) {
			return "", ""
		}
		return "", fmt.Sprintf("/%s unreadable (%v)", nologinPath, err)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(b), []byte(nologinGoingDown)) {
		return "", ""
	}
	if s, ok, _ := readScheduled(root); ok && !s.due(time.Now()) {
		return "", ""
	}
	return "/" + nologinPath + " (" + nologinGoingDown + ")", ""
}

// readSmall reads at most max bytes of a file.
func readSmall(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max))
}
