// Package detect answers three questions about the machine upwrap runs on,
// each behind a small interface so that the decision logic in package wrap
// can be tested on every OS with fakes:
//
//   - Which boot is this? ([Probe.BootID]) A string that stays the same for
//     the life of one boot and changes when the machine restarts. Linux reads
//     /proc/sys/kernel/random/boot_id; macOS reads kern.boottime; Windows
//     combines several witnesses.
//   - Is this termination notice a system shutdown? ([Probe.ShutdownNotice])
//     A notice is "confirmed" only when the init system itself says the
//     machine is going down; otherwise it is an operator's stop.
//   - Is a reboot pending, and why? ([Probe.PendingReboot]) Each source is
//     reported by name with what it found, or as not checked.
//
// What it guarantees: BootID never returns an empty identity without an
// error; a source that cannot be read is reported as not checked, never as
// pending; ShutdownNotice returns within a few milliseconds and never runs a
// program that could hang on a machine that is going down.
//
// On Linux a notice is confirmed by systemd itself where it is the init
// system (manager state "stopping" or a queued shutdown target job, asked
// over its private socket or the system bus with a 50 ms deadline, every
// message screened before it is decoded), else by
// /run/systemd/shutdown/scheduled, a run-level 0/6 record in /run/utmp, or
// /run/nologin saying the system is going down. The reboot-pending sources
// are reboot-required, reboot-needed, needs-restarting and running-kernel.
//
// On Windows the probe also implements [BusyChecker] (Windows Installer's
// mutex, Component Based Servicing at work), [NoticeWatcher] (a console
// control handler for CTRL_SHUTDOWN_EVENT in this process, and a sentinel
// process for the window messages that need user32.dll, which this process
// never loads) and [BootExplainer] (the boot identity decided by the vote
// of three witnesses, see bootvote.go). The decisions are in OS-neutral
// files, tested on every OS; the _windows files only make the calls.
//
// What it does not do: it never writes the job record (package marker does)
// and never decides a job's state (package wrap does). Signals only mean
// "flush the record now"; completion is decided on the next run from the
// record and the boot identity.
package detect
