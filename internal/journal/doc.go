// Package journal makes upwrap's standard error friendly to the systemd
// journal. When systemd connects a service's stderr to the journal it says
// so in JOURNAL_STREAM ("device:inode" of that stream); each line may then
// start with a syslog priority in angle brackets ("<3>" error, "<4>"
// warning, "<5>" notice, "<6>" information), which journald strips and
// stores as the entry's PRIORITY, so that `journalctl -p err` finds
// upwrap's failures.
//
// What it guarantees: prefixes are added only when stderr really is the
// journal stream named by JOURNAL_STREAM (not merely when the variable is
// inherited by a child whose stderr was redirected); every line gets exactly
// one prefix, a line that already has one keeps it; bytes are otherwise
// passed through unchanged and in order. The priority of upwrap's own lines
// comes from the code that writes them ([Say]: an error line says it is an
// error); a line without a prefix — the child's output, passed through — is
// information ([DefaultPriority]). A line's words never set its priority.
//
// What it does not do: it never talks to journald's socket, adds no
// structured fields, and does nothing on systems without systemd.
package journal
