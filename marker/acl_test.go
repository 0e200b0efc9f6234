package marker

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckACL is the Windows trust rule, on security descriptors as the
// Windows side reads them: only SYSTEM, Administrators, TrustedInstaller
// and upwrap's own account may change the state.
func TestCheckACL(t *testing.T) {
	const self = "S-1-5-21-1-2-3-1001"
	const users = "S-1-5-32-545"
	const everyone = "S-1-1-0"
	full := uint32(0x1f01ff)
	readExec := uint32(0x1200a9)
	allow := func(sid string, mask uint32) aclEntry {
		return aclEntry{aceType: aceAccessAllowed, sid: sid, mask: mask}
	}
	tests := []struct {
		name string
		si   securityInfo
		bad  string // substring of the error; "" = trusted
	}{
		{"what upwrap creates", securityInfo{owner: sidAdministrators, hasDACL: true, entries: []aclEntry{allow(sidSystem, full), allow(sidAdministrators, full)}}, ""},
		{"owned by SYSTEM", securityInfo{owner: sidSystem, hasDACL: true, entries: []aclEntry{allow(sidSystem, full)}}, ""},
		{"upwrap's own account (Wine maps Unix owners to it)", securityInfo{owner: self, hasDACL: true, entries: []aclEntry{allow(sidSystem, full), allow(self, full)}}, ""},
		{"others may read", securityInfo{owner: sidSystem, hasDACL: true, entries: []aclEntry{allow(sidSystem, full), allow(everyone, readExec)}}, ""},
		{"a deny entry for others", securityInfo{owner: sidSystem, hasDACL: true, entries: []aclEntry{{aceType: aceAccessDenied, sid: users, mask: full}}}, ""},
		{"inherit-only entry for users applies to children only", securityInfo{owner: sidSystem, hasDACL: true, entries: []aclEntry{{aceType: aceAccessAllowed, flags: aceInheritOnly, sid: users, mask: full}}}, ""},
		{"CREATOR OWNER placeholder", securityInfo{owner: sidSystem, hasDACL: true, entries: []aclEntry{allow(sidCreatorOwner, full)}}, ""},
		{"ProgramData's default: Users may add files", securityInfo{owner: sidAdministrators, hasDACL: true, entries: []aclEntry{allow(sidSystem, full), allow(users, 0x2|0x4)}}, users},
		{"everyone may write (Unix mode 0777 under Wine)", securityInfo{owner: self, hasDACL: true, entries: []aclEntry{allow(sidSystem, full), allow(everyone, 0x1301ff)}}, everyone},
		{"users may change the DACL", securityInfo{owner: sidSystem, hasDACL: true, entries: []aclEntry{allow(users, 0x40000)}}, users},
		{"generic write", securityInfo{owner: sidSystem, hasDACL: true, entries: []aclEntry{allow(users, 0x40000000)}}, users},
		{"NULL DACL", securityInfo{owner: sidSystem, hasDACL: false}, "no DACL"},
		{"owned by another user", securityInfo{owner: "S-1-5-21-9-9-9-1002", hasDACL: true, entries: []aclEntry{allow(sidSystem, full)}}, "owned by S-1-5-21-9-9-9-1002"},
		{"object entry", securityInfo{owner: sidSystem, hasDACL: true, entries: []aclEntry{{aceType: 5, mask: full}}}, "type 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkACL("state directory", `C:\ProgramData\upwrap`, tt.si, self)
			if tt.bad == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), tt.bad) {
				t.Errorf("error %v, want ErrUntrusted naming %q", err, tt.bad)
			}
			if err != nil && !strings.Contains(err.Error(), "icacls") {
				t.Errorf("error %v does not say how to fix it", err)
			}
		})
	}
}
