package wrap

import (
	"log/slog"

	"github.com/upwrap/upwrap/internal/journal"
	"github.com/upwrap/upwrap/marker"
)

// event is one of upwrap's own events in a job's log (docs/design.md §6).
// What an event means — its message, level, system-log id and journald
// priority — is in eventTable and nowhere else: a reworded message never
// changes a documented event id.
type event int

// The events of the job log.
const (
	evStartingChild event = iota + 1
	evDaemonLeftRunning
	evIdentityNotRecorded
	evChildStarted
	evInAnotherJob
	evTerminationNotice
	evNoticeNotRecorded
	evUnconfirmedNotice
	evOperatorStop
	evStoppedAtTerminal
	evContinued
	evStopSignal
	evHeartbeat
	evTimeout
	evInterrupt
	evSecondInterrupt
	evChildExited
	evInterruptAfterEnd
	evNoticeRecordStands
	evRecordFailed
	evRecordRetrying
	evRecordedRunning
	evRecordedSucceeded
	evRecordedRebootRequired
	evRecordedRebooting
	evRecordedFailed
	evRoomReserved
	evLogStopped
	evNoticeChannelLost
	evWarning
	evMachineBusy
	evVerifyTimedOut
	evVerifyPassedHeld
	evVerifyFailed
	evVerifyPassed
	evAwaitingNotice
	evGraceOver
	evWitnessesGoingDown
	evBootWitnessesDisagree
	evCount // the number of events plus one; not an event
)

// eventSpec is what one event means.
type eventSpec struct {
	// msg is the event's message in the job log.
	msg string
	// level is its level in the job log (CMTrace colours warnings and
	// errors) and in the system log.
	level slog.Level
	// id is its stable id in the system log; 0 keeps it in the job log
	// only.
	id EventID
	// prio is its priority where it reaches syslog or the journal.
	prio journal.Priority
}

// The levels, short for the table.
const (
	lvInfo = slog.LevelInfo
	lvWarn = slog.LevelWarn
	lvErr  = slog.LevelError
)

// eventTable is the one table of upwrap's events.
var eventTable = [evCount]eventSpec{
	evStartingChild:          {"starting the child", lvInfo, 0, journal.Info},
	evDaemonLeftRunning:      {"daemon left running: not part of the process tree", lvInfo, 0, journal.Info},
	evIdentityNotRecorded:    {"could not record the child's identity", lvErr, 0, journal.Err},
	evChildStarted:           {"child started", lvInfo, EventStarted, journal.Info},
	evInAnotherJob:           {"upwrap runs in another job", lvInfo, 0, journal.Info},
	evTerminationNotice:      {"termination notice", lvWarn, EventShutdownNotice, journal.Warning},
	evNoticeNotRecorded:      {"could not record the shutdown notice", lvErr, 0, journal.Err},
	evUnconfirmedNotice:      {"unconfirmed notice; still waiting for the child", lvInfo, 0, journal.Info},
	evOperatorStop:           {"operator's stop: forwarding to the process tree", lvWarn, 0, journal.Warning},
	evStoppedAtTerminal:      {"the command was stopped at the terminal; stopping upwrap with it", lvInfo, 0, journal.Info},
	evContinued:              {"continued", lvInfo, 0, journal.Info},
	evStopSignal:             {"stop signal; stopping the command and upwrap", lvInfo, 0, journal.Info},
	evHeartbeat:              {"heartbeat", lvInfo, 0, journal.Info},
	evTimeout:                {"timeout; killing the process tree", lvWarn, 0, journal.Warning},
	evInterrupt:              {"interrupt: forwarding to the process tree", lvWarn, 0, journal.Warning},
	evSecondInterrupt:        {"second interrupt: killing the process tree", lvWarn, 0, journal.Warning},
	evChildExited:            {"child exited", lvInfo, 0, journal.Info},
	evInterruptAfterEnd:      {"interrupt after the child ended", lvInfo, 0, journal.Info},
	evNoticeRecordStands:     {"child ended at the shutdown; the notice's record stands", lvInfo, 0, journal.Info},
	evRecordFailed:           {"could not record the outcome", lvErr, EventRecordFailed, journal.Err},
	evRecordRetrying:         {"could not record the outcome; retrying", lvWarn, EventRecordFailed, journal.Warning},
	evRecordedRunning:        {"state recorded", lvInfo, 0, journal.Info},
	evRecordedSucceeded:      {"state recorded", lvInfo, EventSucceeded, journal.Info},
	evRecordedRebootRequired: {"state recorded", lvInfo, EventRebootRequired, journal.Notice},
	evRecordedRebooting:      {"state recorded", lvInfo, EventRestarting, journal.Notice},
	evRecordedFailed:         {"state recorded", lvErr, EventFailed, journal.Err},
	evRoomReserved:           {"room reserved for the record", lvInfo, 0, journal.Info},
	evLogStopped:             {"log stopped; the child's further output is not logged", lvWarn, 0, journal.Warning},
	evNoticeChannelLost:      {"shutdown notices: a channel could not be watched", lvInfo, 0, journal.Info},
	evWarning:                {"warning", lvWarn, 0, journal.Warning},
	evMachineBusy:            {"machine busy; not starting", lvWarn, 0, journal.Warning},
	evVerifyTimedOut:         {"verify timed out; its process tree was killed", lvWarn, 0, journal.Warning},
	evVerifyPassedHeld:       {"verify passed; processes it left running held its output, which upwrap stopped reading", lvInfo, 0, journal.Info},
	evVerifyFailed:           {"verify failed", lvWarn, 0, journal.Warning},
	evVerifyPassed:           {"verify passed", lvInfo, 0, journal.Info},
	evAwaitingNotice:         {"child ended abnormally with no confirmed shutdown; waiting for a shutdown notice", lvInfo, 0, journal.Info},
	evGraceOver:              {"shutdown grace over", lvInfo, 0, journal.Info},
	evWitnessesGoingDown:     {"the shutdown witnesses say the system is going down", lvInfo, 0, journal.Info},
	evBootWitnessesDisagree:  {"boot witnesses disagree", lvInfo, 0, journal.Info},
}

// spec is what e means.
func (e event) spec() eventSpec { return eventTable[e] }

// recordedEvent is the "state recorded" event of state s; a state without
// a system-log event (running, or one this version does not know) stays in
// the job log only.
func recordedEvent(s marker.State) event {
	switch s {
	case marker.Succeeded:
		return evRecordedSucceeded
	case marker.RebootRequired:
		return evRecordedRebootRequired
	case marker.Rebooting:
		return evRecordedRebooting
	case marker.Failed:
		return evRecordedFailed
	}
	return evRecordedRunning
}
