// Package reliability holds upwrap's end-to-end reliability and security
// tests; it has no code of its own. They drive the real binary as
// real processes:
//
//   - crash points: an upwrap built with the upwrap_crashpoints tag kills
//     itself at every named step of a record write and of a run, and the
//     next run must read a valid record and take the decision of docs/design.md §3;
//   - syscall order: under strace, one record write is write(temp),
//     fsync(temp), rename, fsync(dir), and only then the report; an upwrap
//     built with upwrap_nodirsync must fail that check;
//   - hostile input: job ids, state directories and records an attacker or
//     an accident could present, each refused with a clear message and its
//     documented exit code, nothing written, the child not started;
//   - forged records: an unprivileged user cannot touch root's records, and
//     root's upwrap refuses a record another user could have written;
//   - load: 200 upwrap processes running 200 jobs at once.
//
// The tests run on Linux. Those that need root, a private mount namespace
// (unshare -m), ptrace (strace) or the nobody user skip with a message when
// the machine does not allow them; CI runs them as root.
package reliability
