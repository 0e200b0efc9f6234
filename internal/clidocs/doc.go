// Package clidocs generates upwrap's documentation from its urfave/cli
// application: the Markdown reference and the man page (through the app's
// own ToMarkdown and go-md2man), and static shell completions for bash, zsh
// and PowerShell built from the same command and flag tree.
//
// What it guarantees: the output is a pure function of the app and the
// Input (no time, host or user in it), so generated files can be committed
// and checked against the code; every visible command and flag appears in
// every output; the completions never complete into the wrapped command
// line after "--" (bash and zsh hand it to the shell's own completion).
//
// What it does not do: it does not write files (the caller does), and it
// is not linked into the upwrap binary (only tests use it).
package clidocs
