package wrap

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/upwrap/upwrap/internal/journal"
)

// EventID is the stable id of an event upwrap writes to the operating
// system's log (the Windows Application event log, source "upwrap"). The
// ids are part of upwrap's interface: monitoring rules filter on them, so
// they never change meaning. They stay within 1-1000, the range of the
// EventCreate.exe message file the source is registered with.
type EventID uint32

// The events of the system log.
const (
	// EventStarted: the child was started (one per attempt).
	EventStarted EventID = 101
	// EventSucceeded: the job was recorded succeeded.
	EventSucceeded EventID = 102
	// EventRebootRequired: the job was recorded succeeded, reboot required.
	EventRebootRequired EventID = 103
	// EventRestarting: the job was recorded rebooting (the child started
	// the restart).
	EventRestarting EventID = 104
	// EventFailed: the job was recorded failed.
	EventFailed EventID = 105
	// EventShutdownNotice: a termination notice arrived while the child ran.
	EventShutdownNotice EventID = 106
	// EventRecordFailed: the outcome could not be recorded (first refused
	// write, and again when upwrap gave up); the message says how the job
	// ended.
	EventRecordFailed EventID = 107
)

// SystemEvent is one entry for the system log.
type SystemEvent struct {
	// ID is the stable event id.
	ID EventID
	// Level is information, warning or error.
	Level slog.Level
	// Priority is its syslog priority (where it goes to syslog).
	Priority journal.Priority
	// Message is the text: one summary line, then key=value details.
	Message string
}

// systemLog writes events to the operating system's log. Implementations
// never fail the job: a log that cannot be written is silently skipped.
type systemLog interface {
	Report(SystemEvent)
	Close()
}

// openSystemLog opens the system log of this OS; nil where upwrap has none
// of its own (on Linux under systemd, stderr goes to the journal instead).
// Tests replace it.
var openSystemLog = openPlatformSystemLog

// systemEventOf is the system-log entry of one of upwrap's job-log events:
// those eventTable gives an id (the child's start, a recorded outcome, a
// shutdown notice, a record that cannot be written). Other events stay in
// the job log only.
func systemEventOf(job, boot string, e event, args []any) (SystemEvent, bool) {
	spec := e.spec()
	if spec.id == 0 {
		return SystemEvent{}, false
	}
	st, _ := argValue(args, "state")
	var head string
	switch e {
	case evChildStarted:
		head = fmt.Sprintf("upwrap: job %s started", job)
	case evTerminationNotice:
		head = fmt.Sprintf("upwrap: job %s: termination notice while the command runs", job)
	case evRecordRetrying:
		head = fmt.Sprintf("upwrap: job %s ended %v, but its record cannot be written yet; retrying", job, st)
	case evRecordFailed:
		head = fmt.Sprintf("upwrap: job %s ended %v, but its record could not be written", job, st)
	default: // a recorded state
		head = fmt.Sprintf("upwrap: job %s: %v", job, st)
		if r, ok := argValue(args, "reason"); ok && r != "" {
			head += fmt.Sprintf(" (%v)", r)
		}
	}
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("\r\n")
	for i := 0; i+1 < len(args); i += 2 {
		fmt.Fprintf(&b, "\r\n%v: %v", args[i], args[i+1])
	}
	fmt.Fprintf(&b, "\r\njob: %s\r\nboot: %s", job, boot)
	return SystemEvent{ID: spec.id, Level: spec.level, Priority: spec.prio, Message: b.String()}, true
}
