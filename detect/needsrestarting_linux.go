package detect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// needsRestartingTimeout bounds one run of needs-restarting -r. It reads the
// package database (a second or two on a large RHEL machine); a run that
// takes longer is killed and the source reported as not checked.
const needsRestartingTimeout = 60 * time.Second

// needsRestartingDirs are where dnf-utils, yum-utils and zypper install the
// tool, relative to the probe's root.
var needsRestartingDirs = []string{"usr/bin", "usr/sbin", "bin", "sbin"}

// needsRestartingSays is the phrase both dnf's and yum's needs-restarting
// print (in the C locale) when a reboot is required. Both also exit 1 on
// any error of their own, so exit 1 without it is not taken for "pending".
const needsRestartingSays = "Reboot is required"

// needsRestarting runs `needs-restarting -r`: exit 1 with its "reboot is
// required" message means pending, exit 0 means not; a missing tool, any
// other exit, a timeout or an unexpected message means not checked.
func needsRestarting(ctx context.Context, root string) PendingSource {
	s := PendingSource{Name: SourceNeedsRestarting}
	tool := findExecutable(root, needsRestartingDirs, "needs-restarting")
	if tool == "" {
		s.Detail = "needs-restarting is not installed"
		return s
	}
	ctx, cancel := context.WithTimeout(ctx, needsRestartingTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, "-r")
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "LANG=C"}
	var out limitedBuffer
	out.max = pendingFileMax
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	text := out.String()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		s.Detail = fmt.Sprintf("needs-restarting -r did not finish (%v)", ctx.Err())
	case err == nil:
		s.Checked = true
		s.Detail = "needs-restarting -r: no reboot needed"
	case errors.As(err, &exit) && exit.ExitCode() == 1 && strings.Contains(text, needsRestartingSays):
		s.Checked, s.Pending = true, true
		s.Entries = needsRestartingItems(text)
		s.Detail = "needs-restarting -r: reboot required"
		if len(s.Entries) > 0 {
			s.Detail += " (" + strings.Join(s.Entries, ", ") + ")"
		}
	case errors.As(err, &exit):
		s.Detail = fmt.Sprintf("needs-restarting -r exited %d: %s", exit.ExitCode(), firstLine(text))
	default:
		s.Detail = err.Error()
	}
	return s
}

// needsRestartingItems picks the "  * kernel" lines of the tool's report.
func needsRestartingItems(text string) []string {
	var items []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if item, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "* "); ok && item != "" {
			items = append(items, item)
		}
	}
	return items
}

// findExecutable returns the first regular, executable file named name in
// dirs under root, or "".
func findExecutable(root string, dirs []string, name string) string {
	for _, d := range dirs {
		p := filepath.Join(root, d, name)
		fi, err := os.Stat(p)
		if err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// firstLine returns the first non-blank line of text, or "(no output)".
func firstLine(text string) string {
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return "(no output)"
}

// limitedBuffer keeps the first max bytes written to it and drops the rest,
// so a chatty tool cannot grow upwrap's memory.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

// Write implements io.Writer; it never fails.
func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}
