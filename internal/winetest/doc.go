// Package winetest holds end-to-end tests of upwrap.exe that run on
// Windows, and under Wine in CI (scripts/wine-harness): exit codes seen by
// a Windows parent (the Linux side of wine cuts them to 8 bits), exact
// argv, the modules of the main process, the sentinel's end, the delta rule against the real
// registry, the registry mirror, a state directory others may write. They
// need UPWRAP_EXE, the Windows path of the upwrap.exe under test, and skip
// without it.
package winetest
