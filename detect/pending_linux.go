package detect

import "context"

// Names of the Linux reboot-pending sources, as reported and as given to
// --ignore-pending.
const (
	SourceRebootRequired  = "reboot-required"
	SourceRebootNeeded    = "reboot-needed"
	SourceNeedsRestarting = "needs-restarting"
	SourceRunningKernel   = "running-kernel"
)

// PendingReboot implements [Probe]. It checks, in this order:
// /var/run/reboot-required (Debian, Ubuntu: update-notifier and
// reboot-notifier write it, .pkgs names the packages), /run/reboot-needed
// (openSUSE's zypp-boot-plugin), `needs-restarting -r` (RHEL, Fedora, SUSE
// where installed), and whether the running kernel is still the one
// installed. A source that cannot be read is reported as not checked, never
// as pending.
func (p *linuxProbe) PendingReboot(ctx context.Context) []PendingSource {
	return []PendingSource{
		rebootRequired(p.root),
		rebootNeeded(p.root),
		needsRestarting(ctx, p.root),
		runningKernel(p.root),
	}
}
