// Package wrap runs one job: it takes the job's lock, reads the record,
// decides from the table of docs/design.md §3 what to do, and when the table says
// so, records "running" durably, starts the child, waits for its whole
// process tree, and records the outcome.
//
// What it guarantees:
//   - The child is started only when the decision table says so, and never
//     by two upwrap processes at once (the per-job lock is held throughout).
//   - The record says "running" on disk before the child starts; the boot
//     identity is in it, so a later run decides correctly even if every
//     shutdown signal was missed.
//   - The command line reaches the child exactly: no shell, no globbing.
//   - The command line is part of every state: a record of another command
//     line is never finalized, continued, counted or reported as this one's
//     (Conflict).
//   - Room for the final record is reserved before the child starts, and
//     the final write is retried for a bounded time (Options.RecordRetry);
//     an outcome that cannot be recorded is said on stderr, in the job log
//     and in the system log, never silently dropped (docs/design.md §6).
//   - Status and Resume over every job report a record they cannot use as
//     that job's result (BadRecord) and go on with the others.
//   - A termination notice never makes upwrap kill an upgrade that was
//     started with ExpectReboot; the record is written first.
//   - Status computes the same effective state that Run and Resume act on,
//     and writes nothing.
//   - Progress reports (Options.Progress) and the log's heartbeat lines
//     tell what a run waits for; they never touch the child's streams or
//     the record.
//   - The job log (text, JSON lines or CMTrace) stamps upwrap's events with
//     the job id and the boot identity, keeps the format it was started in,
//     and never fails the child or the record: it stops growing at its size
//     limit or when its file system runs short, and a log path that no
//     longer works falls back to the default log beside the record. Start,
//     outcome and shutdown-notice events
//     also go to the system log where upwrap has one (the Windows event
//     log, stable event ids); a system log that cannot be written is
//     skipped. An event's level and id come from its declaration
//     (events.go), never from its words.
//   - Bad input is an *OptionError: which Option, the value given and what
//     is wrong, never a caller's spelling of the option (a flag name); it
//     is a usage error (errors.Is(err, ErrUsage)).
//
// What it does not do: it does not restart the machine, does not retry a
// failed child by itself (the caller runs the same command line again), and
// does not interpret the child's output.
package wrap
