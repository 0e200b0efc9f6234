package detect

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeRegistry is HKLM as a map: keys by path, values by path + "|" + name.
type fakeRegistry struct {
	keys   map[string]bool
	values map[string]regValue
	host   string
	broken map[string]bool // paths whose reads fail
}

func (f *fakeRegistry) keyExists(path string) (bool, error) {
	if f.broken[path] {
		return false, errors.New("access denied")
	}
	return f.keys[path], nil
}

func (f *fakeRegistry) value(path, name string) (regValue, bool, error) {
	if f.broken[path] {
		return regValue{}, false, errors.New("access denied")
	}
	v, ok := f.values[path+"|"+name]
	return v, ok, nil
}

func (f *fakeRegistry) dnsHostname() (string, error) { return f.host, nil }

func str(s string) regValue     { return regValue{kind: "string", str: s} }
func num(n uint64) regValue     { return regValue{kind: "integer", num: n} }
func strs(s ...string) regValue { return regValue{kind: "strings", strs: s} }

// cleanRegistry is a machine with nothing pending.
func cleanRegistry() *fakeRegistry {
	return &fakeRegistry{
		keys: map[string]bool{},
		values: map[string]regValue{
			keyActiveName + "|ComputerName":   str("HOST1"),
			keyPendingName + "|ComputerName":  str("HOST1"),
			keyTcpip + "|NV Hostname":         str("host1"),
			keyUpdates + "|UpdateExeVolatile": num(0),
		},
		host: "HOST1",
	}
}

func TestWindowsSourcesClean(t *testing.T) {
	got := windowsPending(cleanRegistry())
	if len(got) != 15 {
		t.Fatalf("%d sources, want the 15 sources of docs/design.md §8", len(got))
	}
	for _, s := range got {
		if s.Pending || !s.Checked {
			t.Errorf("%s: pending=%v checked=%v (%s), want checked and not pending", s.Name, s.Pending, s.Checked, s.Detail)
		}
	}
}

// TestWindowsSources sets each source alone and checks that exactly it is
// reported, by name, with what it found.
func TestWindowsSources(t *testing.T) {
	tests := []struct {
		name    string
		set     func(f *fakeRegistry)
		detail  string
		entries []string
	}{
		{"cbs-reboot-pending", func(f *fakeRegistry) { f.keys[keyCBS+`\RebootPending`] = true }, `RebootPending exists`, nil},
		{"cbs-reboot-in-progress", func(f *fakeRegistry) { f.keys[keyCBS+`\RebootInProgress`] = true }, `RebootInProgress exists`, nil},
		{"cbs-packages-pending", func(f *fakeRegistry) { f.keys[keyCBS+`\PackagesPending`] = true }, `PackagesPending exists`, nil},
		{"wu-reboot-required", func(f *fakeRegistry) { f.keys[keyWUAuto+`\RebootRequired`] = true }, `RebootRequired exists`, nil},
		{"wu-post-reboot-reporting", func(f *fakeRegistry) { f.keys[keyWUAuto+`\PostRebootReporting`] = true }, `PostRebootReporting exists`, nil},
		{"pending-file-rename", func(f *fakeRegistry) {
			f.values[keySessionMgr+"|PendingFileRenameOperations"] = strs(`\??\C:\a.tmp`, ``, `\??\C:\b.new`, `!\??\C:\b.dll`)
		}, "holds 2 file operation(s)", []string{`C:\a.tmp -> (delete)`, `C:\b.new -> C:\b.dll`}},
		{"pending-file-rename-2", func(f *fakeRegistry) {
			f.values[keySessionMgr+"|PendingFileRenameOperations2"] = strs(`\??\C:\x`, ``)
		}, "holds 1 file operation(s)", []string{`C:\x -> (delete)`}},
		{"update-exe-volatile", func(f *fakeRegistry) { f.values[keyUpdates+"|UpdateExeVolatile"] = num(1) }, "UpdateExeVolatile = 1", nil},
		{"update-exe-volatile-wow64", func(f *fakeRegistry) { f.values[keyUpdatesWow64+"|UpdateExeVolatile"] = str("2") }, "UpdateExeVolatile = 2", nil},
		{"computer-rename", func(f *fakeRegistry) { f.values[keyPendingName+"|ComputerName"] = str("HOST2") }, `"HOST1" becomes "HOST2"`, nil},
		{"dns-hostname-rename", func(f *fakeRegistry) { f.values[keyTcpip+"|NV Hostname"] = str("host2") }, `"HOST1" becomes "host2"`, nil},
		{"domain-join", func(f *fakeRegistry) { f.keys[keyNetlogon+`\JoinDomain`] = true }, `JoinDomain exists`, nil},
		{"domain-avoid-spn-set", func(f *fakeRegistry) { f.keys[keyNetlogon+`\AvoidSpnSet`] = true }, `AvoidSpnSet exists`, nil},
		{"server-manager-reboot-attempts", func(f *fakeRegistry) { f.values[keyServerMgr+"|CurrentRebootAttempts"] = num(3) }, "CurrentRebootAttempts = 3", nil},
		{"dvd-reboot-signal", func(f *fakeRegistry) { f.values[keyRunOnce+"|DVDRebootSignal"] = regValue{kind: "binary"} }, "DVDRebootSignal exists", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := cleanRegistry()
			tt.set(f)
			list := windowsPending(f)
			if diff := cmp.Diff([]string{tt.name}, PendingNames(list, nil)); diff != "" {
				t.Fatalf("pending sources mismatch (-want +got):\n%s", diff)
			}
			for _, s := range list {
				if s.Name != tt.name {
					continue
				}
				if !strings.Contains(s.Detail, tt.detail) {
					t.Errorf("detail %q, want it to contain %q", s.Detail, tt.detail)
				}
				if diff := cmp.Diff(tt.entries, s.Entries); diff != "" {
					t.Errorf("entries mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestWindowsSourcesNeverFalsePending: unreadable keys, odd value types,
// empty lists and zeros are "not checked" or "not pending", never
// "pending".
func TestWindowsSourcesNeverFalsePending(t *testing.T) {
	tests := []struct {
		name    string
		set     func(f *fakeRegistry)
		source  string
		checked bool
	}{
		{"unreadable CBS key", func(f *fakeRegistry) { f.broken[keyCBS+`\RebootPending`] = true }, "cbs-reboot-pending", false},
		{"empty rename list", func(f *fakeRegistry) { f.values[keySessionMgr+"|PendingFileRenameOperations"] = strs("", "") }, "pending-file-rename", true},
		{"rename list of the wrong type", func(f *fakeRegistry) { f.values[keySessionMgr+"|PendingFileRenameOperations"] = num(1) }, "pending-file-rename", false},
		{"UpdateExeVolatile not a number", func(f *fakeRegistry) { f.values[keyUpdates+"|UpdateExeVolatile"] = str("yes") }, "update-exe-volatile", false},
		{"CurrentRebootAttempts 0", func(f *fakeRegistry) { f.values[keyServerMgr+"|CurrentRebootAttempts"] = num(0) }, "server-manager-reboot-attempts", true},
		{"computer name missing", func(f *fakeRegistry) { delete(f.values, keyPendingName+"|ComputerName") }, "computer-rename", false},
		{"computer names differ only in case", func(f *fakeRegistry) { f.values[keyPendingName+"|ComputerName"] = str("host1") }, "computer-rename", true},
		{"NV Hostname empty", func(f *fakeRegistry) { f.values[keyTcpip+"|NV Hostname"] = str("") }, "dns-hostname-rename", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := cleanRegistry()
			f.broken = map[string]bool{}
			tt.set(f)
			for _, s := range windowsPending(f) {
				if s.Pending {
					t.Errorf("%s pending (%s)", s.Name, s.Detail)
				}
				if s.Name == tt.source && s.Checked != tt.checked {
					t.Errorf("%s checked=%v (%s), want %v", s.Name, s.Checked, s.Detail, tt.checked)
				}
			}
		})
	}
}

func TestBusyFrom(t *testing.T) {
	tests := []struct {
		name      string
		msi       bool
		servicing regValue
		found     bool
		busy      bool
	}{
		{"idle", false, regValue{}, false, false},
		{"MSI mutex held", true, regValue{}, false, true},
		{"servicing 2", false, num(2), true, true},
		{"servicing 1: reboot pending, idle", false, num(1), true, false},
		{"servicing 0", false, num(0), true, false},
		{"servicing as a string is not trusted", false, str("2"), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			busy, why := busyFrom(tt.msi, tt.servicing, tt.found)
			if busy != tt.busy || (busy && why == "") {
				t.Errorf("busyFrom = %v, %q; want %v with a reason", busy, why, tt.busy)
			}
		})
	}
}
