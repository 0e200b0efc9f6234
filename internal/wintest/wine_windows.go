package wintest

import "golang.org/x/sys/windows"

// wineVersion returns "wine" under Wine, whose ntdll.dll exports
// wine_get_version, and "" on Windows.
func wineVersion() string {
	if windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() != nil {
		return ""
	}
	return "wine"
}
