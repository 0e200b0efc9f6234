package detect

// SentinelCommand is the hidden subcommand that runs the sentinel: the
// process, beside the child, that owns a hidden top-level window for
// WM_QUERYENDSESSION / WM_ENDSESSION and polls SM_SHUTTINGDOWN. Those need
// user32.dll, which the main upwrap process must never load (it would stop
// receiving CTRL_SHUTDOWN_EVENT), so they live in a process of their own
// that reports over a pipe (see sentinel_link.go). main runs [RunSentinel]
// for it.
const SentinelCommand = "__sentinel"
