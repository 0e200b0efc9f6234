package detect

import (
	"fmt"
	"strconv"
	"strings"
)

// The fifteen Windows reboot-pending sources of docs/design.md §8, as data
// read through winRegistry so that every rule is tested on every OS. The
// two WMI sources (the Configuration Manager client's DetermineIfRebootPending
// and DSC's LCMState) are not read: they need COM/WMI, and the agent that
// owns each already knows its own pending reboot.

// regValue is a registry value as the rules see it.
type regValue struct {
	kind string   // "string", "strings", "integer", "binary"
	str  string   // REG_SZ, REG_EXPAND_SZ
	strs []string // REG_MULTI_SZ
	num  uint64   // REG_DWORD, REG_QWORD
}

// winRegistry reads HKLM (paths are relative to it) and the name Windows
// uses on the network now.
type winRegistry interface {
	keyExists(path string) (bool, error)
	value(path, name string) (v regValue, found bool, err error)
	dnsHostname() (string, error)
}

const (
	keyCBS          = `SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing`
	keyWUAuto       = `SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update`
	keySessionMgr   = `SYSTEM\CurrentControlSet\Control\Session Manager`
	keyUpdates      = `SOFTWARE\Microsoft\Updates`
	keyUpdatesWow64 = `SOFTWARE\Wow6432Node\Microsoft\Updates`
	keyActiveName   = `SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName`
	keyPendingName  = `SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`
	keyTcpip        = `SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`
	keyNetlogon     = `SYSTEM\CurrentControlSet\Services\Netlogon`
	keyServerMgr    = `SOFTWARE\Microsoft\ServerManager`
	keyRunOnce      = `SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce`
	// keyCBSInterface holds ServicingInProgress, a busy signal, not a
	// pending one.
	keyCBSInterface = keyCBS + `\Interface`
)

// winSource is one reboot-pending source.
type winSource struct {
	name  string
	check func(r winRegistry) PendingSource
}

// windowsSources lists the sources in the order of docs/design.md §8. Their
// names are stable: --ignore-pending and pending_introduced use them.
var windowsSources = []winSource{
	{"cbs-reboot-pending", keyExistsSource(keyCBS + `\RebootPending`)},
	{"cbs-reboot-in-progress", keyExistsSource(keyCBS + `\RebootInProgress`)},
	{"cbs-packages-pending", keyExistsSource(keyCBS + `\PackagesPending`)},
	{"wu-reboot-required", keyExistsSource(keyWUAuto + `\RebootRequired`)},
	{"wu-post-reboot-reporting", keyExistsSource(keyWUAuto + `\PostRebootReporting`)},
	{"pending-file-rename", renameSource("PendingFileRenameOperations")},
	{"pending-file-rename-2", renameSource("PendingFileRenameOperations2")},
	{"update-exe-volatile", nonZeroSource(keyUpdates, "UpdateExeVolatile")},
	{"update-exe-volatile-wow64", nonZeroSource(keyUpdatesWow64, "UpdateExeVolatile")},
	{"computer-rename", computerRenameSource},
	{"dns-hostname-rename", dnsRenameSource},
	{"domain-join", keyExistsSource(keyNetlogon + `\JoinDomain`)},
	{"domain-avoid-spn-set", keyExistsSource(keyNetlogon + `\AvoidSpnSet`)},
	{"server-manager-reboot-attempts", nonZeroSource(keyServerMgr, "CurrentRebootAttempts")},
	{"dvd-reboot-signal", valueExistsSource(keyRunOnce, "DVDRebootSignal")},
}

// windowsPending checks every source, in order.
func windowsPending(r winRegistry) []PendingSource {
	out := make([]PendingSource, 0, len(windowsSources))
	for _, s := range windowsSources {
		p := s.check(r)
		p.Name = s.name
		out = append(out, p)
	}
	return out
}

func hklm(path string) string { return `HKLM\` + path }

func notChecked(what string, err error) PendingSource {
	return PendingSource{Detail: fmt.Sprintf("not checked: %s: %v", what, err)}
}

func keyExistsSource(path string) func(winRegistry) PendingSource {
	return func(r winRegistry) PendingSource {
		ok, err := r.keyExists(path)
		if err != nil {
			return notChecked(hklm(path), err)
		}
		if ok {
			return PendingSource{Pending: true, Checked: true, Detail: "key " + hklm(path) + " exists"}
		}
		return PendingSource{Checked: true, Detail: "key " + hklm(path) + " absent"}
	}
}

func valueExistsSource(path, name string) func(winRegistry) PendingSource {
	return func(r winRegistry) PendingSource {
		_, found, err := r.value(path, name)
		what := hklm(path) + ` value ` + name
		if err != nil {
			return notChecked(what, err)
		}
		if found {
			return PendingSource{Pending: true, Checked: true, Detail: what + " exists"}
		}
		return PendingSource{Checked: true, Detail: what + " absent"}
	}
}

// nonZeroSource is pending when the value is a number other than 0 (a
// string holding one counts, as the scripts admins use read it).
func nonZeroSource(path, name string) func(winRegistry) PendingSource {
	return func(r winRegistry) PendingSource {
		v, found, err := r.value(path, name)
		what := hklm(path) + ` value ` + name
		if err != nil {
			return notChecked(what, err)
		}
		if !found {
			return PendingSource{Checked: true, Detail: what + " absent"}
		}
		n := v.num
		switch v.kind {
		case "integer":
		case "string":
			if n, err = strconv.ParseUint(strings.TrimSpace(v.str), 0, 64); err != nil {
				return notChecked(what, fmt.Errorf("%q is not a number", v.str))
			}
		default:
			return notChecked(what, fmt.Errorf("unexpected type %s", v.kind))
		}
		if n != 0 {
			return PendingSource{Pending: true, Checked: true, Detail: fmt.Sprintf("%s = %d", what, n)}
		}
		return PendingSource{Checked: true, Detail: what + " = 0"}
	}
}

// renameSource reads a PendingFileRenameOperations value: REG_MULTI_SZ
// pairs of source and destination, an empty destination meaning "delete".
// Each pair is one entry "SOURCE -> DESTINATION" (or "-> (delete)"), with
// the \??\ prefix removed, so that --ignore-pending NAME:PATTERN can drop
// the noise of antivirus and drivers.
func renameSource(name string) func(winRegistry) PendingSource {
	return func(r winRegistry) PendingSource {
		v, found, err := r.value(keySessionMgr, name)
		what := hklm(keySessionMgr) + ` value ` + name
		if err != nil {
			return notChecked(what, err)
		}
		if !found {
			return PendingSource{Checked: true, Detail: what + " absent"}
		}
		var list []string
		switch v.kind {
		case "strings":
			list = v.strs
		case "string":
			list = []string{v.str}
		default:
			return notChecked(what, fmt.Errorf("unexpected type %s", v.kind))
		}
		entries := renameEntries(list)
		if len(entries) == 0 {
			return PendingSource{Checked: true, Detail: what + " is empty"}
		}
		return PendingSource{Pending: true, Checked: true, Entries: entries,
			Detail: fmt.Sprintf("%s holds %d file operation(s)", what, len(entries))}
	}
}

// renameEntries pairs up the strings of a PendingFileRenameOperations
// value. Empty strings that do not follow a source (the padding some
// writers leave) are skipped.
func renameEntries(list []string) []string {
	var out []string
	for i := 0; i < len(list); i++ {
		src := list[i]
		if src == "" {
			continue
		}
		dst := ""
		if i+1 < len(list) {
			dst = list[i+1]
			i++
		}
		src = strings.TrimPrefix(src, `\??\`)
		if dst == "" {
			out = append(out, src+" -> (delete)")
			continue
		}
		dst = strings.TrimPrefix(strings.TrimPrefix(dst, "!"), `\??\`)
		out = append(out, src+" -> "+dst)
	}
	return out
}

// computerRenameSource: the name in use differs from the name that takes
// effect at the next boot (puppet, Chocolatey).
func computerRenameSource(r winRegistry) PendingSource {
	active, aok, err := r.value(keyActiveName, "ComputerName")
	if err != nil {
		return notChecked(hklm(keyActiveName), err)
	}
	next, nok, err := r.value(keyPendingName, "ComputerName")
	if err != nil {
		return notChecked(hklm(keyPendingName), err)
	}
	if !aok || !nok || active.kind != "string" || next.kind != "string" {
		return PendingSource{Detail: "not checked: a ComputerName value is missing or not a string"}
	}
	if !strings.EqualFold(active.str, next.str) {
		return PendingSource{Pending: true, Checked: true, Detail: fmt.Sprintf("computer name %q becomes %q at the next boot", active.str, next.str)}
	}
	return PendingSource{Checked: true, Detail: fmt.Sprintf("computer name %q, no rename pending", active.str)}
}

// dnsRenameSource: Tcpip\Parameters "NV Hostname" (the next boot's host
// name) differs from the DNS host name in use (Salt).
func dnsRenameSource(r winRegistry) PendingSource {
	nv, found, err := r.value(keyTcpip, "NV Hostname")
	what := hklm(keyTcpip) + ` value NV Hostname`
	if err != nil {
		return notChecked(what, err)
	}
	if !found || nv.kind != "string" || nv.str == "" {
		return PendingSource{Checked: true, Detail: what + " absent"}
	}
	cur, err := r.dnsHostname()
	if err != nil {
		return notChecked("DNS host name", err)
	}
	if !strings.EqualFold(nv.str, cur) {
		return PendingSource{Pending: true, Checked: true, Detail: fmt.Sprintf("DNS host name %q becomes %q at the next boot", cur, nv.str)}
	}
	return PendingSource{Checked: true, Detail: fmt.Sprintf("DNS host name %q, no rename pending", cur)}
}

// busyFrom decides the busy pre-check (docs/design.md §8): Windows Installer's
// Global\_MSIExecute mutex held by another process, or Component Based
// Servicing at work (ServicingInProgress = 2; 1 means "a reboot is pending
// but servicing is idle").
func busyFrom(msiHeld bool, servicing regValue, servicingFound bool) (bool, string) {
	if msiHeld {
		return true, `Windows Installer is running an installation (Global\_MSIExecute is held)`
	}
	if servicingFound && servicing.kind == "integer" && servicing.num == 2 {
		return true, `Component Based Servicing is at work (` + hklm(keyCBSInterface) + ` ServicingInProgress = 2)`
	}
	return false, ""
}
