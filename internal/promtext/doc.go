// Package promtext renders upwrap's job records as Prometheus metrics in the
// text exposition format, and writes them as a textfile for the textfile
// collectors of node_exporter and windows_exporter (docs/design.md §9).
//
// What it guarantees: [Render] is a pure function of its input: the same
// jobs and reboot-pending sources give the same bytes, families in a fixed
// order, each with its HELP and TYPE lines, jobs in the order given, and a
// final newline (windows_exporter needs it). Every job has one
// upwrap_job_state sample per state of [States], exactly one of them 1; a
// record that could not be read is one of the states too, so that it never
// stops the file. [WriteFile] replaces DIR/upwrap.prom atomically: a reader
// sees the old file or the new one, never a mix; writers in several
// processes are serialised by a lock file, so a slower writer never puts an
// older view over a newer one; its temporary file is removed on every error.
//
// What it does not do: it reads nothing from the state directory (package
// wrap collects the jobs) and it does not fsync the file: the textfile is a
// view that the next record write rewrites, not the record.
package promtext
