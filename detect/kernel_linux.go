package detect

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

const (
	osReleasePath  = "proc/sys/kernel/osrelease" // what uname -r prints
	modulesDir     = "lib/modules"
	bootDir        = "boot"
	kernelImageMax = 256 // entries read from /boot and /lib/modules
)

// containerMarkers are files that say the probe runs in a container, whose
// kernel belongs to the host: systemd's /run/systemd/container (written by
// systemd booted in a container), /run/host/container-manager (nspawn and
// Podman), Docker's /.dockerenv, Podman's /run/.containerenv.
var containerMarkers = []string{"run/systemd/container", "run/host/container-manager", ".dockerenv", "run/.containerenv"}

// pid1Environ is where PID 1's environment is read: a container manager
// (systemd-nspawn, LXC, Podman) sets container= there, also when no systemd
// runs inside to write /run/systemd/container (nspawn without -b).
const pid1Environ = "proc/1/environ"

// inContainer says how the probe knows it runs in a container, the way
// systemd-detect-virt --container does; "" when it does not. PID 1's
// environment is readable by root only; the marker files are not.
func inContainer(root string) string {
	if b, err := readSmall(filepath.Join(root, pid1Environ), 64<<10); err == nil {
		for _, kv := range strings.Split(string(b), "\x00") {
			if v, ok := strings.CutPrefix(kv, "container="); ok && v != "" {
				return "container=" + v + " in PID 1's environment"
			}
		}
	}
	for _, m := range containerMarkers {
		if _, err := os.Lstat(filepath.Join(root, m)); err == nil {
			return "/" + m
		}
	}
	return ""
}

// runningKernel reports a reboot pending when the running kernel is no
// longer the installed one: its /lib/modules directory is gone (its package
// was removed or replaced), or a kernel image with a higher version is
// installed (/boot/vmlinuz-*, /boot/vmlinux-*, or /lib/modules/*/vmlinuz as
// Fedora and RHEL ship it). Versions are compared by their leading numeric
// part only ("6.1.0-31" of "6.1.0-31-amd64"), so a kernel of another flavour
// at the same version is not taken for a newer one.
//
// Not checked: in a container (the kernel is the host's), and where
// /lib/modules does not exist or is empty (a kernel not managed by the
// package manager: WSL, a directly booted VM, a custom build).
func runningKernel(root string) PendingSource {
	s := PendingSource{Name: SourceRunningKernel}
	if how := inContainer(root); how != "" {
		s.Detail = "in a container (" + how + "), the kernel is the host's; not checked"
		return s
	}
	b, err := readSmall(filepath.Join(root, osReleasePath), 256)
	running := strings.TrimSpace(string(b))
	if err != nil || running == "" || strings.ContainsAny(running, "/\x00\n") {
		s.Detail = fmt.Sprintf("cannot read the running kernel's release from /%s", osReleasePath)
		return s
	}
	installed, err := readDirNames(filepath.Join(root, modulesDir))
	if err != nil || len(installed) == 0 {
		s.Detail = fmt.Sprintf("no kernel modules installed in /%s (kernel %s not managed by packages here)", modulesDir, running)
		return s
	}
	s.Checked = true
	if !slices.Contains(installed, running) {
		s.Pending = true
		s.Detail = fmt.Sprintf("running kernel %s is no longer installed (/%s/%s is gone)", running, modulesDir, running)
		s.Entries = []string{running}
		return s
	}
	key, ok := kernelVersionKey(running)
	if !ok {
		s.Detail = fmt.Sprintf("running kernel %s is installed; its version cannot be compared with others", running)
		return s
	}
	var newer []string
	for _, v := range installedImages(root, installed) {
		if k, ok := kernelVersionKey(v); ok && slices.Compare(k, key) > 0 && !slices.Contains(newer, v) {
			newer = append(newer, v)
		}
	}
	if len(newer) > 0 {
		slices.SortFunc(newer, func(a, b string) int {
			ka, _ := kernelVersionKey(a)
			kb, _ := kernelVersionKey(b)
			return slices.Compare(kb, ka)
		})
		s.Pending = true
		s.Entries = newer
		s.Detail = fmt.Sprintf("running kernel %s; newer kernel installed: %s", running, strings.Join(newer, ", "))
		return s
	}
	s.Detail = fmt.Sprintf("running kernel %s is the newest installed", running)
	return s
}

// installedImages lists the versions of the kernel images installed under
// root: /boot/vmlinuz-V and /boot/vmlinux-V, and V of /lib/modules/V/vmlinuz.
func installedImages(root string, modules []string) []string {
	var versions []string
	boot, _ := readDirNames(filepath.Join(root, bootDir))
	for _, name := range boot {
		for _, prefix := range []string{"vmlinuz-", "vmlinux-"} {
			if v, ok := strings.CutPrefix(name, prefix); ok && v != "" {
				versions = append(versions, v)
			}
		}
	}
	for _, v := range modules {
		if fi, err := os.Stat(filepath.Join(root, modulesDir, v, "vmlinuz")); err == nil && fi.Mode().IsRegular() {
			versions = append(versions, v)
		}
	}
	return versions
}

// readDirNames returns up to kernelImageMax entry names of dir.
func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(kernelImageMax)
	if err != nil && len(names) == 0 {
		return nil, err
	}
	return names, nil
}

// kernelVersionKey returns the leading numbers of a kernel release:
// [6 1 0 31] for "6.1.0-31-amd64", [5 14 0 427 13 1] for
// "5.14.0-427.13.1.el9_4.x86_64". It reads digits separated by '.', '-' or
// '_' and stops at the first run that is not all digits. ok is false when
// the release does not start with a number (e.g. Arch's "vmlinuz-linux").
func kernelVersionKey(release string) (key []int, ok bool) {
	for _, part := range strings.FieldsFunc(release, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
		n, isNum := 0, part != ""
		for _, r := range part {
			if r < '0' || r > '9' || n > 1e8 {
				isNum = false
				break
			}
			n = n*10 + int(r-'0')
		}
		if !isNum {
			break
		}
		key = append(key, n)
	}
	return key, len(key) > 0
}
