package detect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// debianKernel is a machine running 6.1.0-31-amd64 with it installed.
var debianKernel = map[string]string{
	osReleasePath:                       "6.1.0-31-amd64\n",
	"lib/modules/6.1.0-31-amd64/kernel": dirEntry,
	"boot/vmlinuz-6.1.0-31-amd64":       "image",
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// needsRestartingScript is a stand-in for needs-restarting: a shell script
// that prints out and exits with code.
func needsRestartingScript(out string, code string) string {
	return "#!/bin/sh\n[ \"$1\" = -r ] || exit 9\ncat <<'EOF'\n" + out + "EOF\nexit " + code + "\n"
}

const dnfRebootNeeded = `Core libraries or services have been updated since boot-up:
  * glibc
  * kernel

Reboot is required to fully utilize these updates.
More information: https://access.redhat.com/solutions/27943
`

// TestPendingReboot checks every Linux source against fake roots: what each
// finds, and that what cannot be read is "not checked", never "pending".
func TestPendingReboot(t *testing.T) {
	absent := []PendingSource{
		{Name: "reboot-required", Checked: true, Detail: "/var/run/reboot-required absent"},
		{Name: "reboot-needed", Checked: true, Detail: "/run/reboot-needed absent"},
		{Name: "needs-restarting", Detail: "needs-restarting is not installed"},
		{Name: "running-kernel", Checked: true, Detail: "running kernel 6.1.0-31-amd64 is the newest installed"},
	}
	// with returns absent with the sources of the same names replaced.
	with := func(changed ...PendingSource) []PendingSource {
		out := append([]PendingSource(nil), absent...)
		for _, c := range changed {
			for i := range out {
				if out[i].Name == c.Name {
					out[i] = c
				}
			}
		}
		return out
	}
	tests := []struct {
		name  string
		files map[string]string
		exec  map[string]string // executable files
		want  []PendingSource
	}{
		{
			name:  "nothing pending",
			files: debianKernel,
			want:  absent,
		},
		{
			name: "reboot-required with its packages",
			files: merge(debianKernel, map[string]string{
				rebootRequiredPath:           "*** System restart required ***\n",
				rebootRequiredPath + ".pkgs": "linux-image-6.1.0-32-amd64\nlibc6\n\nlibc6\n",
			}),
			want: with(PendingSource{Name: "reboot-required", Pending: true, Checked: true,
				Detail:  "/var/run/reboot-required exists; packages: linux-image-6.1.0-32-amd64, libc6",
				Entries: []string{"linux-image-6.1.0-32-amd64", "libc6"}}),
		},
		{
			name: "reboot-required with a long .pkgs",
			files: merge(debianKernel, map[string]string{
				rebootRequiredPath:           "*** System restart required ***\n",
				rebootRequiredPath + ".pkgs": "p1\np2\np3\np4\np5\np6\np7\np8\np9\np10\np11\np12\n",
			}),
			want: with(PendingSource{Name: "reboot-required", Pending: true, Checked: true,
				Detail:  "/var/run/reboot-required exists; packages: p1, p2, p3, p4, p5, p6, p7, p8, p9, p10 and 2 more",
				Entries: []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12"}}),
		},
		{
			name:  "reboot-required, empty, without .pkgs",
			files: merge(debianKernel, map[string]string{rebootRequiredPath: ""}),
			want: with(PendingSource{Name: "reboot-required", Pending: true, Checked: true,
				Detail: "/var/run/reboot-required exists"}),
		},
		{
			name: "reboot-required with a malformed .pkgs is still pending, without entries",
			files: merge(debianKernel, map[string]string{
				rebootRequiredPath:           "*** System restart required ***\n",
				rebootRequiredPath + ".pkgs": "libc6\nbad\x01name\n",
			}),
			want: with(PendingSource{Name: "reboot-required", Pending: true, Checked: true,
				Detail: "/var/run/reboot-required exists; its .pkgs list unreadable: " +
					"%ROOT%/var/run/reboot-required.pkgs: malformed line \"bad\\x01name\""}),
		},
		{
			name:  "reboot-required that is a directory is not checked",
			files: merge(debianKernel, map[string]string{rebootRequiredPath: dirEntry}),
			want: with(PendingSource{Name: "reboot-required",
				Detail: "/var/run/reboot-required is not a regular file (d---------)"}),
		},
		{
			name:  "reboot-needed, level reboot",
			files: merge(debianKernel, map[string]string{rebootNeededPath: "reboot\n"}),
			want: with(PendingSource{Name: "reboot-needed", Pending: true, Checked: true,
				Detail: "/run/reboot-needed exists (level reboot)", Entries: []string{"reboot"}}),
		},
		{
			name:  "reboot-needed, empty (older libzypp)",
			files: merge(debianKernel, map[string]string{rebootNeededPath: ""}),
			want: with(PendingSource{Name: "reboot-needed", Pending: true, Checked: true,
				Detail: "/run/reboot-needed exists"}),
		},
		{
			name:  "reboot-needed with unknown content is not checked",
			files: merge(debianKernel, map[string]string{rebootNeededPath: "\x00\x01garbage"}),
			want: with(PendingSource{Name: "reboot-needed",
				Detail: "/run/reboot-needed holds \"\\x00\\x01garbage\", not a level upwrap knows (reboot, kexec, soft-reboot)"}),
		},
		{
			name:  "needs-restarting says reboot",
			files: debianKernel,
			exec:  map[string]string{"usr/bin/needs-restarting": needsRestartingScript(dnfRebootNeeded, "1")},
			want: with(PendingSource{Name: "needs-restarting", Pending: true, Checked: true,
				Detail: "needs-restarting -r: reboot required (glibc, kernel)", Entries: []string{"glibc", "kernel"}}),
		},
		{
			name:  "needs-restarting says no reboot",
			files: debianKernel,
			exec: map[string]string{"usr/sbin/needs-restarting": needsRestartingScript(
				"No core libraries or services have been updated since boot-up.\nReboot should not be necessary.\n", "0")},
			want: with(PendingSource{Name: "needs-restarting", Checked: true, Detail: "needs-restarting -r: no reboot needed"}),
		},
		{
			name:  "needs-restarting failing with exit 1 is not a pending reboot",
			files: debianKernel,
			exec:  map[string]string{"usr/bin/needs-restarting": needsRestartingScript("Error: Cache-only enabled but no cache for 'fedora'\n", "1")},
			want: with(PendingSource{Name: "needs-restarting",
				Detail: "needs-restarting -r exited 1: Error: Cache-only enabled but no cache for 'fedora'"}),
		},
		{
			name:  "needs-restarting with another exit code",
			files: debianKernel,
			exec:  map[string]string{"usr/bin/needs-restarting": needsRestartingScript("Traceback (most recent call last):\n", "2")},
			want: with(PendingSource{Name: "needs-restarting",
				Detail: "needs-restarting -r exited 2: Traceback (most recent call last):"}),
		},
		{
			name:  "needs-restarting that is not executable is not installed",
			files: merge(debianKernel, map[string]string{"usr/bin/needs-restarting": "#!/bin/sh\nexit 1\n"}),
			want:  absent,
		},
		{
			name: "running kernel's modules gone",
			files: map[string]string{
				osReleasePath:                       "6.1.0-31-amd64\n",
				"lib/modules/6.1.0-32-amd64/kernel": dirEntry,
				"boot/vmlinuz-6.1.0-32-amd64":       "image",
			},
			want: with(PendingSource{Name: "running-kernel", Pending: true, Checked: true,
				Detail:  "running kernel 6.1.0-31-amd64 is no longer installed (/lib/modules/6.1.0-31-amd64 is gone)",
				Entries: []string{"6.1.0-31-amd64"}}),
		},
		{
			name: "newer kernel image in /boot",
			files: merge(debianKernel, map[string]string{
				"lib/modules/6.1.0-32-amd64/kernel": dirEntry,
				"boot/vmlinuz-6.1.0-32-amd64":       "image",
				"boot/vmlinuz-6.1.0-28-amd64":       "image",
				"boot/vmlinuz-6.1.0-31-rt-amd64":    "image",
				"boot/config-6.1.0-40-amd64":        "not an image",
			}),
			want: with(PendingSource{Name: "running-kernel", Pending: true, Checked: true,
				Detail:  "running kernel 6.1.0-31-amd64; newer kernel installed: 6.1.0-32-amd64",
				Entries: []string{"6.1.0-32-amd64"}}),
		},
		{
			name: "versions compare as numbers, not text (RHEL, image in /lib/modules)",
			files: map[string]string{
				osReleasePath: "5.14.0-70.13.1.el9_0.x86_64\n",
				"lib/modules/5.14.0-70.13.1.el9_0.x86_64/vmlinuz": "image",
				"lib/modules/5.14.0-503.el9.x86_64/vmlinuz":       "image",
				"lib/modules/5.14.0-9.el9.x86_64/vmlinuz":         "image",
				"boot/vmlinuz-0-rescue-0123456789abcdef":          "image",
			},
			want: with(PendingSource{Name: "running-kernel", Pending: true, Checked: true,
				Detail:  "running kernel 5.14.0-70.13.1.el9_0.x86_64; newer kernel installed: 5.14.0-503.el9.x86_64",
				Entries: []string{"5.14.0-503.el9.x86_64"}}),
		},
		{
			name: "only unversioned images (Arch)",
			files: map[string]string{
				osReleasePath:                       "6.9.1-arch1-1\n",
				"lib/modules/6.9.1-arch1-1/vmlinuz": "image",
				"boot/vmlinuz-linux":                "image",
			},
			want: with(PendingSource{Name: "running-kernel", Checked: true,
				Detail: "running kernel 6.9.1-arch1-1 is the newest installed"}),
		},
		{
			name:  "no /lib/modules: kernel not managed here",
			files: map[string]string{osReleasePath: "6.18.44-fc-v669\n", "boot": dirEntry},
			want: with(PendingSource{Name: "running-kernel",
				Detail: "no kernel modules installed in /lib/modules (kernel 6.18.44-fc-v669 not managed by packages here)"}),
		},
		{
			name: "in a container the kernel is the host's",
			files: map[string]string{
				osReleasePath:                "6.1.0-31-amd64\n",
				"lib/modules/5.10.0-9-amd64": dirEntry,
				"run/systemd/container":      "systemd-nspawn\n",
			},
			want: with(PendingSource{Name: "running-kernel",
				Detail: "in a container (/run/systemd/container), the kernel is the host's; not checked"}),
		},
		{
			// systemd-nspawn without -b: no systemd inside writes
			// /run/systemd/container, but PID 1's environment says it.
			name: "in a container known from PID 1's environment",
			files: map[string]string{
				osReleasePath:                "6.1.0-31-amd64\n",
				"lib/modules/5.10.0-9-amd64": dirEntry,
				pid1Environ:                  "PATH=/usr/bin\x00container=systemd-nspawn\x00TERM=xterm\x00",
			},
			want: with(PendingSource{Name: "running-kernel",
				Detail: "in a container (container=systemd-nspawn in PID 1's environment), the kernel is the host's; not checked"}),
		},
		{
			name: "PID 1's environment without container=: the host",
			files: map[string]string{
				osReleasePath:                "6.1.0-31-amd64\n",
				"lib/modules/6.1.0-31-amd64": dirEntry,
				pid1Environ:                  "PATH=/usr/bin\x00HOME=/\x00",
			},
			want: with(PendingSource{Name: "running-kernel", Checked: true,
				Detail: "running kernel 6.1.0-31-amd64 is the newest installed"}),
		},
		{
			name: "in a Podman container",
			files: map[string]string{
				osReleasePath:                "6.1.0-31-amd64\n",
				"lib/modules/5.10.0-9-amd64": dirEntry,
				"run/.containerenv":          "",
			},
			want: with(PendingSource{Name: "running-kernel",
				Detail: "in a container (/run/.containerenv), the kernel is the host's; not checked"}),
		},
		{
			name:  "unreadable running release",
			files: map[string]string{osReleasePath: dirEntry, "lib/modules/6.1.0-31-amd64": dirEntry},
			want: with(PendingSource{Name: "running-kernel",
				Detail: "cannot read the running kernel's release from /proc/sys/kernel/osrelease"}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeRoot(t, tt.files)
			for path, script := range tt.exec {
				p := filepath.Join(root, path)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			got := (&linuxProbe{root: root}).PendingReboot(context.Background())
			for i := range got {
				got[i].Detail = strings.ReplaceAll(got[i].Detail, root, "%ROOT%")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PendingReboot (-want +got):\n%s", diff)
			}
			for _, s := range got {
				if s.Pending && !s.Checked {
					t.Errorf("%s: pending but not checked", s.Name)
				}
			}
		})
	}
}

// TestNeedsRestartingTimeout checks that a needs-restarting that hangs is
// stopped at the caller's deadline and reported as not checked.
func TestNeedsRestartingTimeout(t *testing.T) {
	root := fakeRoot(t, map[string]string{"usr/bin": dirEntry})
	if err := os.WriteFile(filepath.Join(root, "usr/bin/needs-restarting"), []byte("#!/bin/sh\nexec sleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	got := needsRestarting(ctx, root)
	want := PendingSource{Name: "needs-restarting", Detail: "needs-restarting -r did not finish (context deadline exceeded)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("needsRestarting (-want +got):\n%s", diff)
	}
}

// TestKernelVersionKey checks the version keys that decide "newer kernel".
func TestKernelVersionKey(t *testing.T) {
	for release, want := range map[string][]int{
		"6.1.0-31-amd64":                {6, 1, 0, 31},
		"6.1.0-31-cloud-amd64":          {6, 1, 0, 31},
		"5.14.0-427.13.1.el9_4.x86_64":  {5, 14, 0, 427, 13, 1},
		"6.4.0-150600.23.25-default":    {6, 4, 0, 150600, 23, 25},
		"6.8.0-45-generic":              {6, 8, 0, 45},
		"0-rescue-0123456789abcdef":     {0},
		"linux":                         nil,
		"":                              nil,
		"99999999999999999999-overflow": nil,
	} {
		got, ok := kernelVersionKey(release)
		if diff := cmp.Diff(want, got); diff != "" || ok != (want != nil) {
			t.Errorf("kernelVersionKey(%q) = %v, %v (-want +got):\n%s", release, got, ok, diff)
		}
	}
}
