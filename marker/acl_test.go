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

// applyIcacls applies the icacls commands of a fix, as icacls documents
// them (see icaclsFix), to a security descriptor's model: /setowner,
// /inheritance:r (inherited entries go), /grant:r SID:(OI)(CI)F (the SID's
// explicit entries replaced by full control), /remove:g SIDs (their
// explicit allow entries go).
func applyIcacls(t *testing.T, si securityInfo, fix string) securityInfo {
	t.Helper()
	const fullControl = 0x1f01ff
	for _, cmd := range strings.Split(fix, " && ") {
		f := strings.Fields(cmd)
		if len(f) < 3 || f[0] != "icacls" {
			t.Fatalf("not an icacls command: %q", cmd)
		}
		// f[1] is the quoted path (no spaces in these tests).
		for i := 2; i < len(f); i++ {
			switch f[i] {
			case "/setowner":
				i++
				si.owner = strings.TrimPrefix(f[i], "*")
			case "/inheritance:r":
				var kept []aclEntry
				for _, e := range si.entries {
					if e.flags&aceInherited == 0 {
						kept = append(kept, e)
					}
				}
				si.entries = kept
			case "/grant:r":
				for i+1 < len(f) && strings.HasPrefix(f[i+1], "*") {
					i++
					sid, _, _ := strings.Cut(strings.TrimPrefix(f[i], "*"), ":")
					var kept []aclEntry
					for _, e := range si.entries {
						if e.sid != sid || e.flags&aceInherited != 0 {
							kept = append(kept, e)
						}
					}
					si.entries = append(kept, aclEntry{aceType: aceAccessAllowed, flags: 0x3, sid: sid, mask: fullControl})
					si.hasDACL = true
				}
			case "/remove:g":
				for i+1 < len(f) && strings.HasPrefix(f[i+1], "*") {
					i++
					sid := strings.TrimPrefix(f[i], "*")
					var kept []aclEntry
					for _, e := range si.entries {
						if e.sid != sid || e.aceType == aceAccessDenied || e.flags&aceInherited != 0 {
							kept = append(kept, e)
						}
					}
					si.entries = kept
				}
			case "/t", "/c":
			default:
				t.Fatalf("icacls option %q not modelled", f[i])
			}
		}
	}
	return si
}

// TestIcaclsFixWorks: the fix a refusal prints makes the directory pass
// the check — a foreign owner included, which /grant and /inheritance
// alone would leave in place (the owner may rewrite the DACL).
func TestIcaclsFixWorks(t *testing.T) {
	const self = "S-1-5-21-1-2-3-1001"
	const users = "S-1-5-32-545"
	const mallory = "S-1-5-21-9-9-9-1002"
	allow := func(sid string, mask uint32, flags uint8) aclEntry {
		return aclEntry{aceType: aceAccessAllowed, sid: sid, mask: mask, flags: flags}
	}
	tests := []struct {
		name string
		si   securityInfo
	}{
		{"pre-created by a user: owner and grants", securityInfo{owner: mallory, hasDACL: true, entries: []aclEntry{
			allow(mallory, 0x1f01ff, 0x3), allow(sidSystem, 0x1f01ff, aceInherited|0x3), allow(users, 0x6, aceInherited|0x3)}}},
		{"ProgramData's inherited grant to Users", securityInfo{owner: sidAdministrators, hasDACL: true, entries: []aclEntry{
			allow(sidSystem, 0x1f01ff, aceInherited), allow(users, 0x6, aceInherited)}}},
		{"an explicit grant to Everyone", securityInfo{owner: sidSystem, hasDACL: true, entries: []aclEntry{allow("S-1-1-0", 0x1301ff, 0)}}},
		{"NULL DACL, foreign owner", securityInfo{owner: mallory}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkACL("state directory", `C:\ProgramData\upwrap`, tt.si, self)
			if err == nil {
				t.Fatal("not refused: the test proves nothing")
			}
			_, fix, ok := strings.Cut(err.Error(), "fix it as an administrator: ")
			if !ok {
				t.Fatalf("no fix in %v", err)
			}
			if tt.si.owner != sidAdministrators && tt.si.owner != sidSystem && !strings.Contains(fix, "/setowner") {
				t.Errorf("a foreign owner and no /setowner: %s", fix)
			}
			after := applyIcacls(t, tt.si, fix)
			if err := checkACL("state directory", `C:\ProgramData\upwrap`, after, self); err != nil {
				t.Errorf("after %s:\n%v", fix, err)
			}
		})
	}
}
