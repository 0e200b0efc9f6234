package detect

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

const (
	rebootRequiredPath = "var/run/reboot-required"
	rebootNeededPath   = "run/reboot-needed"
	// pendingFileMax bounds what upwrap reads of a flag file or package list.
	pendingFileMax = 64 << 10
)

// rebootRequired reads /var/run/reboot-required and its .pkgs list. The flag
// file's text is free-form ("*** System restart required ***"); its presence
// is the signal.
func rebootRequired(root string) PendingSource {
	s := PendingSource{Name: SourceRebootRequired}
	flag := filepath.Join(root, rebootRequiredPath)
	fi, err := os.Stat(flag)
	switch {
	case os.IsNotExist(err):
		s.Checked, s.Detail = true, "/"+rebootRequiredPath+" absent"
		return s
	case err != nil:
		s.Detail = err.Error()
		return s
	case !fi.Mode().IsRegular():
		s.Detail = fmt.Sprintf("/%s is not a regular file (%s)", rebootRequiredPath, fi.Mode().Type())
		return s
	}
	if _, err := readSmall(flag, 1); err != nil {
		s.Detail = err.Error()
		return s
	}
	s.Checked, s.Pending = true, true
	s.Detail = "/" + rebootRequiredPath + " exists"
	pkgs, err := readPackageList(flag + ".pkgs")
	switch {
	case os.IsNotExist(err):
	case err != nil:
		s.Detail += fmt.Sprintf("; its .pkgs list unreadable: %v", err)
	case len(pkgs) > 0:
		s.Entries = pkgs
		s.Detail += "; packages: " + shortList(pkgs, 10)
	}
	return s
}

// readPackageList reads one package name a line, skipping blanks and
// duplicates, in order. A list holding anything but printable names is
// refused rather than echoed.
func readPackageList(path string) ([]string, error) {
	b, err := readSmall(path, pendingFileMax+1)
	if err != nil {
		return nil, err
	}
	if len(b) > pendingFileMax {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, pendingFileMax)
	}
	var names []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name := strings.TrimSpace(sc.Text())
		if name == "" || seen[name] {
			continue
		}
		if strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0 {
			return nil, fmt.Errorf("%s: malformed line %q", path, name)
		}
		seen[name] = true
		names = append(names, name)
	}
	return names, nil
}

// rebootNeededLevels are what openSUSE's zypp-boot-plugin writes to
// /run/reboot-needed; older libzypp creates the file empty.
var rebootNeededLevels = []string{"reboot", "kexec", "soft-reboot"}

// rebootNeeded reads openSUSE's /run/reboot-needed.
func rebootNeeded(root string) PendingSource {
	s := PendingSource{Name: SourceRebootNeeded}
	path := filepath.Join(root, rebootNeededPath)
	fi, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		s.Checked, s.Detail = true, "/"+rebootNeededPath+" absent"
		return s
	case err != nil:
		s.Detail = err.Error()
		return s
	case !fi.Mode().IsRegular():
		s.Detail = fmt.Sprintf("/%s is not a regular file (%s)", rebootNeededPath, fi.Mode().Type())
		return s
	}
	b, err := readSmall(path, 256)
	if err != nil {
		s.Detail = err.Error()
		return s
	}
	level := strings.TrimSpace(string(b))
	if level != "" && !contains(rebootNeededLevels, level) {
		s.Detail = fmt.Sprintf("/%s holds %q, not a level upwrap knows (%s)",
			rebootNeededPath, level, strings.Join(rebootNeededLevels, ", "))
		return s
	}
	s.Checked, s.Pending = true, true
	if level == "" {
		s.Detail = "/" + rebootNeededPath + " exists"
	} else {
		s.Detail = fmt.Sprintf("/%s exists (level %s)", rebootNeededPath, level)
		s.Entries = []string{level}
	}
	return s
}

// shortList joins up to max names and says how many more there are.
func shortList(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}
