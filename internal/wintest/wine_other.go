//go:build !windows

package wintest

// wineVersion is "": Wine runs Windows programs only.
func wineVersion() string { return "" }
