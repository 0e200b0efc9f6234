package cli

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/upwrap/upwrap/marker"
	"github.com/upwrap/upwrap/wrap"
	"github.com/urfave/cli/v2"
)

func defaultProfile() profile {
	if runtime.GOOS == "windows" {
		return profileMSI
	}
	return profilePOSIX
}

// narrowExitStatus: this OS passes on only 8 bits of a process's exit
// status (Linux, macOS), so the msi profile is refused. A test seam: the
// in-process tests of the Windows scripts, which read run's full code,
// clear it.
var narrowExitStatus = runtime.GOOS != "windows"

// setProfile reads --exit-codes: every command with the flag has it as its
// Before hook, which urfave/cli runs before anything else can fail, so that
// errors too are reported in the chosen profile.
func (c *cliState) setProfile(ctx *cli.Context) error {
	switch p := profile(ctx.String("exit-codes")); p {
	case profileMSI:
		if narrowExitStatus {
			// The OS keeps 8 bits of an exit status here: 3010 would reach
			// the caller as 194 and 27007 (interrupted) as 127 (not found).
			return usageError{fmt.Sprintf("--exit-codes msi: this system passes on 8 bits of an exit code (3010 would arrive as %d); use posix, the default here", 3010&0xff)}
		}
		c.profile = p
		return nil
	case profilePOSIX:
		c.profile = p
		return nil
	default:
		return usageError{fmt.Sprintf("--exit-codes %q: use msi or posix", p)}
	}
}

// profile is an exit-code profile (docs/design.md §7).
type profile string

const (
	profileMSI   profile = "msi"
	profilePOSIX profile = "posix"
)

// exitKind is one of upwrap's documented exit codes: an outcome of a job
// (docs/design.md §4) or an error of upwrap itself. Every kind has one row
// of exitTable; nothing else maps outcomes or errors to codes.
type exitKind int

// The kinds, in the order of README.md's table.
const (
	kindSuccess exitKind = iota
	kindRebootRequired
	kindRestarting
	kindBusy
	kindChildFailed
	kindUsage
	kindStateDir
	kindUntrusted
	kindCorrupt
	kindConflict
	kindInterrupted
	kindCancelled
	kindGaveUp
	kindTimeout
	kindNotFound
	kindCannotExecute
	kindVerifyFailed
	kindNoJob
	kindMarkedFailed
	kindInternal
	numKinds // not a kind: the size of exitTable
)

// exitRow is everything upwrap says about one kind.
type exitRow struct {
	// name is the kind's stable name: the "outcome" of status --json's
	// object for a job whose record is not shown.
	name string
	// msi and posix are the codes of the two profiles (docs/design.md
	// §7). They never change: callers enter them in their agents'
	// return-code tables.
	msi, posix int
	// doc is the meaning the man page and the Markdown reference give.
	doc string
	// summary is the meaning the summary line gives after "exit N" for a
	// job's outcome. It is "" for child-failed, whose words say the code
	// (exitMeaning), and for upwrap's own errors, which are printed with a
	// hint instead (printError) or, for a record status or resume could
	// not use, as that record's state (badState).
	summary string
	// next is the summary line's next step for a job's outcome, "" when
	// nothing is needed (and for upwrap's own errors, as summary). In it
	// {job} is the job id, {clear} 'upwrap clear --job ID', {log} "see the
	// log PATH; " and {retry} how to retry.
	next string
	// severity orders the kinds for a command over several jobs, which
	// exits with the code of its most severe job (worstExitCode).
	severity int
}

// exitTable is the one table of exit codes.
var exitTable = [numKinds]exitRow{
	kindSuccess: {name: "success", msi: 0, posix: 0,
		doc: "success (done, or already done)", summary: "success"},
	kindRebootRequired: {name: "reboot-required", msi: 3010, posix: 110,
		doc: "success, reboot required", summary: "success, reboot required", severity: 2,
		next: "restart the machine, then run the same command again or 'upwrap resume'"},
	kindRestarting: {name: "restarting", msi: 1641, posix: 111,
		doc: "success, restart in progress", summary: "success, restart in progress", severity: 3,
		next: "let the machine restart, then run the same command again or 'upwrap resume'"},
	kindBusy: {name: "busy", msi: 1618, posix: 112,
		doc: "busy: the job or another installation is running; retry later", summary: "busy: this job or another installation is running", severity: 4,
		next: "retry later; 'upwrap status --job {job}' shows the job"},
	kindChildFailed: {name: "child-failed", msi: 27001, posix: 113,
		doc: "the command failed with a code a caller would misread; the record's exit_code holds it", severity: 5,
		next: "{log}{retry}"},
	kindUsage: {name: "usage", msi: 27002, posix: 125,
		doc: "usage error (bad flag, bad job id, no command)", severity: 7},
	kindStateDir: {name: "state-dir", msi: 27003, posix: 114,
		doc: "state directory unusable", severity: 7},
	kindUntrusted: {name: "untrusted", msi: 27004, posix: 115,
		doc: "state directory or record untrusted (owner, mode, symbolic link)", severity: 9},
	kindCorrupt: {name: "corrupt", msi: 27005, posix: 116,
		doc: "record corrupt, or written by a newer upwrap", severity: 8},
	kindConflict: {name: "conflict", msi: 27006, posix: 117,
		doc: "conflict: the job succeeded with a different command line", summary: "conflict", severity: 5,
		next: "{clear} forgets the earlier command line so that this one can run"},
	kindInterrupted: {name: "interrupted", msi: 27007, posix: 118,
		doc: "interrupted: upwrap was stopped, or the machine restarted without --expect-reboot", summary: "interrupted", severity: 5,
		next: "{log}{retry}"},
	kindCancelled: {name: "cancelled", msi: 27008, posix: 119,
		doc: "cancelled by the operator", summary: "cancelled by the operator", severity: 5,
		next: "{log}{retry}"},
	kindGaveUp: {name: "gave-up", msi: 27009, posix: 120,
		doc: "gave up: the job failed --max-attempts times (the loop breaker)", summary: "gave up", severity: 5,
		next: "{log}{clear}, then run it again"},
	kindTimeout: {name: "timeout", msi: 27010, posix: 124,
		doc: "timeout: the process tree was killed", summary: "timeout", severity: 5,
		next: "{log}raise --timeout if the upgrade needs longer; {retry}"},
	kindNotFound: {name: "not-found", msi: 27011, posix: 127,
		doc: "command not found", summary: "command not found", severity: 5,
		next: "check the command's name and PATH, then {retry}"},
	kindCannotExecute: {name: "cannot-execute", msi: 27012, posix: 126,
		doc: "command cannot be executed", summary: "command cannot be executed", severity: 5,
		next: "check that the command is an executable file upwrap may run, then {retry}"},
	kindVerifyFailed: {name: "verify-failed", msi: 27013, posix: 121,
		doc: "verify failed after a restart", summary: "verify failed", severity: 5,
		next: "{log}the upgrade is not in place after the restart; {retry}"},
	kindNoJob: {name: "no-job", msi: 27014, posix: 122,
		doc: "no such job (status, clear)", summary: "no such job",
		next: "'upwrap status --all' lists the jobs"},
	kindMarkedFailed: {name: "marked-failed", msi: 27015, posix: 123,
		doc: "marked failed (upwrap mark --state failed)", summary: "marked failed", severity: 5},
	kindInternal: {name: "internal", msi: 27016, posix: 125,
		doc: "internal error (e.g. the boot identity cannot be read)", severity: 7},
}

// row returns the kind's row of exitTable; a value outside the table is
// kindInternal's, never success's.
func (k exitKind) row() exitRow {
	if k < 0 || k >= numKinds {
		return exitTable[kindInternal]
	}
	return exitTable[k]
}

// code is the kind's exit code in profile p.
func (k exitKind) code(p profile) int {
	if p == profileMSI {
		return k.row().msi
	}
	return k.row().posix
}

func (k exitKind) String() string { return k.row().name }

// outcomeKind is the kind of a job's outcome. wrap.BadRecord has none of
// its own (its error decides, resultKind); an outcome not listed here is an
// internal error, never success.
func outcomeKind(o wrap.Outcome) exitKind {
	switch o {
	case wrap.Succeeded:
		return kindSuccess
	case wrap.RebootRequired:
		return kindRebootRequired
	case wrap.Restarting:
		return kindRestarting
	case wrap.Busy:
		return kindBusy
	case wrap.ChildFailed:
		return kindChildFailed
	case wrap.Conflict:
		return kindConflict
	case wrap.Interrupted:
		return kindInterrupted
	case wrap.Cancelled:
		return kindCancelled
	case wrap.GaveUp:
		return kindGaveUp
	case wrap.TimedOut:
		return kindTimeout
	case wrap.NotFound:
		return kindNotFound
	case wrap.CannotExecute:
		return kindCannotExecute
	case wrap.VerifyFailed:
		return kindVerifyFailed
	case wrap.NoJob:
		return kindNoJob
	case wrap.MarkedFailed:
		return kindMarkedFailed
	}
	return kindInternal
}

// resultKind is the kind of a job's result: its outcome's, or for a record
// upwrap could not use, its error's.
func resultKind(r *wrap.Result) exitKind {
	if r.Outcome == wrap.BadRecord {
		return errorKind(r.Err)
	}
	return outcomeKind(r.Outcome)
}

// errorKind is the one place where an error of upwrap itself becomes an
// exit kind; anything not named here is an internal error.
func errorKind(err error) exitKind {
	var ue usageError
	switch {
	case err == nil:
		return kindSuccess
	case errors.As(err, &ue), errors.Is(err, wrap.ErrUsage), errors.Is(err, marker.ErrInvalidID), errors.Is(err, marker.ErrTooLarge):
		return kindUsage
	case errors.Is(err, marker.ErrUntrusted):
		return kindUntrusted
	case errors.Is(err, marker.ErrCorrupt), errors.Is(err, marker.ErrNewerSchema):
		return kindCorrupt
	case errors.Is(err, marker.ErrNotFound):
		return kindNoJob
	case errors.Is(err, marker.ErrStateDir):
		return kindStateDir
	}
	return kindInternal
}

// exitCodeForError is the exit code of an error of upwrap itself.
func exitCodeForError(p profile, err error) int {
	return errorKind(err).code(p)
}

// exitCodeForResult is the exit code of a result. A child's failure code is
// passed through unless a caller would misread it (docs/design.md §7);
// then the reserved child-failed code stands for it and the record holds
// the real one.
func exitCodeForResult(p profile, r *wrap.Result, successCodes []int64) int {
	k := resultKind(r)
	if k != kindChildFailed || misread(p, r.ExitCode, successCodes) {
		return k.code(p)
	}
	return int(r.ExitCode)
}

// misread reports whether a caller would misread the child's failure code
// c as something else: it is 0, one of upwrap's codes, a code the job
// counts as success, or outside the profile's range.
func misread(p profile, c int64, successCodes []int64) bool {
	if c == 0 {
		return true
	}
	for k := range numKinds {
		if c == int64(k.code(p)) {
			return true
		}
	}
	for _, v := range successCodes {
		if c == v {
			return true
		}
	}
	if p == profilePOSIX {
		return c < 0 || c >= 110
	}
	return c < -(1<<31) || c > 1<<32-1 || c == 1707 || (c >= 27000 && c < 27100)
}

// worstExitCode is the exit code of the most severe of results, for a
// command over several jobs (status --all, resume --all): a record upwrap
// cannot trust or read, then the state directory, then a job that failed in
// any way (or conflicts), then a job that is busy, restarting, or needs a
// reboot, then success. Among jobs of one rank the first, in job-id order,
// decides; 0 for none.
func worstExitCode(p profile, results []*wrap.Result) int {
	code, rank := 0, 0
	for _, r := range results {
		if s := resultKind(r).row().severity; s > rank {
			code, rank = exitCodeForResult(p, r, nil), s
		}
	}
	return code
}

// nextStepText fills in a row's next step for job: {job}, {clear}, {log}
// and {retry} (see exitRow.next).
func nextStepText(next, job, logPath, retry string) string {
	return strings.NewReplacer(
		"{job}", job,
		"{clear}", "'upwrap clear --job "+job+"'",
		"{log}", "see the log "+logPath+"; ",
		"{retry}", retry,
	).Replace(next)
}
