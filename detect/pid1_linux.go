package detect

import (
	"bytes"
	"path/filepath"
)

// pid1CommPath is the command name of PID 1 (of upwrap's PID namespace).
const pid1CommPath = "proc/1/comm"

// pid1Shutdown is /proc/1/comm once systemd has handed PID 1 to
// systemd-shutdown, its final stage (the name is cut to 15 bytes): every
// unit is stopped, the remaining processes get SIGTERM, then SIGKILL, and
// the machine goes down. Neither systemd's socket nor the bus answers any
// more, so the other witnesses cannot be asked.
const pid1Shutdown = "systemd-shutdow"

// pid1Witness confirms a shutdown when PID 1 is systemd-shutdown.
func pid1Witness(root string) (string, string) {
	b, err := readSmall(filepath.Join(root, pid1CommPath), 64)
	if err != nil || !bytes.Equal(bytes.TrimSpace(b), []byte(pid1Shutdown)) {
		return "", ""
	}
	return "pid1=systemd-shutdown", ""
}
