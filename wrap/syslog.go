package wrap

import (
	"fmt"
	"log/slog"
	"strings"
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

// systemEventOf maps one of upwrap's job-log events to a system-log event:
// the child's start, a recorded outcome, a shutdown notice. Other events
// stay in the job log only.
func systemEventOf(job, boot string, level slog.Level, msg string, args []any) (SystemEvent, bool) {
	var id EventID
	var head string
	switch msg {
	case "child started":
		id, head = EventStarted, fmt.Sprintf("upwrap: job %s started", job)
	case "termination notice":
		id, head = EventShutdownNotice, fmt.Sprintf("upwrap: job %s: termination notice while the command runs", job)
	case "could not record the outcome; retrying", "could not record the outcome":
		st, _ := argValue(args, "state")
		id, head = EventRecordFailed, fmt.Sprintf("upwrap: job %s ended %v, but its record %s", job, st,
			map[bool]string{true: "cannot be written yet; retrying", false: "could not be written"}[msg != "could not record the outcome"])
	case "state recorded":
		st, _ := argValue(args, "state")
		switch st {
		case "succeeded":
			id = EventSucceeded
		case "reboot-required":
			id = EventRebootRequired
		case "rebooting":
			id = EventRestarting
		case "failed":
			id = EventFailed
		default:
			return SystemEvent{}, false
		}
		head = fmt.Sprintf("upwrap: job %s: %v", job, st)
		if r, ok := argValue(args, "reason"); ok && r != "" {
			head += fmt.Sprintf(" (%v)", r)
		}
	default:
		return SystemEvent{}, false
	}
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("\r\n")
	for i := 0; i+1 < len(args); i += 2 {
		fmt.Fprintf(&b, "\r\n%v: %v", args[i], args[i+1])
	}
	fmt.Fprintf(&b, "\r\njob: %s\r\nboot: %s", job, boot)
	return SystemEvent{ID: id, Level: level, Message: b.String()}, true
}
