//go:build linux

// Command benchtool is the measuring half of scripts/bench. It is not part of
// upwrap and is never shipped; scripts/bench builds it next to upwrap.
//
// Each subcommand measures or prepares one thing and prints plain
// "key=value" lines (durations in nanoseconds, sizes in bytes) that the
// report subcommand turns into the README's Performance table:
//
//	replace   time the bare fsync'd small-file replace (the durability floor)
//	shutdown  P3: SIGTERM to "upwrap run --expect-reboot" until the rebooting
//	          record is durable, interleaved with bare replaces
//	onterm    the control of P3: on SIGTERM, only the bare replace
//	minwrap   P2's floor: the two bare replaces around a child, timed
//	emit      write N bytes of text lines to stdout (the P4/P5 child)
//	mkjobs    fill a state directory with N job records (P5 status --all)
//	report    assemble the results directory into one Markdown table and
//	          write it into README.md
//
// What it guarantees: every figure it prints is taken in the same run as
// the anchor it is compared with, and what each interval contains is stated
// where it is measured (shutdown.go for P3, minwrap.go for P2's floor).
// What it does not do: it judges nothing (report marks targets met or
// missed, it never fails on them), and it runs only on Linux.
package main
