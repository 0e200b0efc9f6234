// Package cli is upwrap's command line: the commands and their flags
// (app.go, flags.go, *_cmd.go), what upwrap prints (summary.go, output.go,
// table.go, terminal.go), its errors and hints (errors.go) and its exit
// codes (exitcodes.go). Package main only calls Main.
//
// Guarantees:
//   - every outcome of a job and every error of upwrap has one exit code per
//     profile, from one table (exitTable, docs/design.md §7); a kind the
//     table does not know exits as an internal error, never as success;
//   - a mistake on the command line is one "upwrap: error:" line, with an
//     "upwrap: hint:" line where one helps, and the usage code of the
//     chosen profile; nothing is written before the flags are checked;
//   - every line upwrap itself prints on stderr starts with "upwrap:".
//
// Not guaranteed: the wording of messages (the exit codes and the JSON
// output are the interface); the order in which several mistakes on one
// command line are reported.
package cli
