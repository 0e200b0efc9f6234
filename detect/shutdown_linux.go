package detect

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// ShutdownNotice implements [Probe] (docs/design.md §8, shutdown notices).
//
// When systemd is the init system and answers within 50 ms (over its
// private socket, or the system bus), its word decides: the manager state
// "stopping", or a queued start job of a reboot, poweroff, halt, kexec,
// soft-reboot or shutdown target, confirms; anything else does not. systemd
// queues that job before it stops any unit, so while it answers, a file left
// over from a cancelled schedule cannot turn an operator's stop into a
// shutdown.
//
// Otherwise (another init, or systemd not answering in time) these are
// asked in order until one confirms:
//
//   - /proc/1/comm: PID 1 is systemd-shutdown, systemd's final stage, which
//     signals the processes that are left after the units have stopped (and
//     no longer answers on its socket or the bus);
//   - /run/systemd/shutdown/scheduled: logind's scheduled shutdown whose time
//     has come (and that is not a dry run);
//   - /run/utmp: a run-level record for run level 0 or 6, or systemd's
//     "shutdown" record (sysvinit and systemd write these);
//   - /run/nologin saying "System is going down" (systemd writes that at
//     shutdown; at boot it says "booting up", an administrator's own file
//     says something else), unless a shutdown scheduled for later explains
//     it.
//
// Where none of them can tell (busybox init, most containers) the notice is
// unconfirmed; the boot identity still decides the outcome after a restart.
func (p *linuxProbe) ShutdownNotice(ctx context.Context, sig os.Signal) Notice {
	n := Notice{Signal: SignalName(sig)}
	var said []string
	if systemdBooted(p.root) {
		v, err := querySystemd(ctx, p.root, p.systemdTimeout)
		switch {
		case err != nil:
			said = append(said, fmt.Sprintf("systemd not reachable (%v)", err))
		case v.witness() != "":
			n.Confirmed, n.Witness = true, v.witness()
			return n
		default:
			n.Detail = fmt.Sprintf("no shutdown witness: systemd state %s, no shutdown job queued", v.State)
			return n
		}
	} else {
		said = append(said, "init is not systemd")
	}
	for _, w := range []func(root string) (string, string){pid1Witness, scheduledWitness, utmpWitness, nologinWitness} {
		witness, note := w(p.root)
		if witness != "" {
			n.Confirmed, n.Witness = true, witness
			return n
		}
		if note != "" {
			said = append(said, note)
		}
	}
	n.Detail = "no shutdown witness: " + strings.Join(said, "; ")
	return n
}
