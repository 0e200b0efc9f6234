package marker

import (
	"fmt"
	"strings"
)

// The Windows trust check, kept free of Windows calls so that it is tested
// on every OS: the _windows file turns a security descriptor into these
// values and asks checkACL.

// Well-known SIDs that may write the state directory.
const (
	sidSystem           = "S-1-5-18"
	sidAdministrators   = "S-1-5-32-544"
	sidTrustedInstaller = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
	sidCreatorOwner     = "S-1-3-0"
)

// stateDirSDDL is the security descriptor of a state directory upwrap
// creates: a protected DACL (nothing inherited from %ProgramData%, where
// Users may create files) granting full control to SYSTEM and
// Administrators only, inherited by the files in it.
const stateDirSDDL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

// ACE types and flags (winnt.h).
const (
	aceAccessAllowed         = 0x0
	aceAccessDenied          = 0x1
	aceAccessAllowedCallback = 0x9
	aceInheritOnly           = 0x8
)

// writeRights are the access rights that let a holder change the
// directory or a file: write or append data (add a file or a directory),
// extended attributes and attributes, delete a child or the object, change
// the DACL or the owner, and the generic rights that include them.
const writeRights = 0x0002 | 0x0004 | 0x0010 | 0x0040 | 0x0100 | // FILE_WRITE_DATA, FILE_APPEND_DATA, FILE_WRITE_EA, FILE_DELETE_CHILD, FILE_WRITE_ATTRIBUTES
	0x00010000 | 0x00040000 | 0x00080000 | // DELETE, WRITE_DAC, WRITE_OWNER
	0x10000000 | 0x40000000 | 0x02000000 // GENERIC_ALL, GENERIC_WRITE, MAXIMUM_ALLOWED

// aclEntry is one ACE as the trust check sees it.
type aclEntry struct {
	aceType uint8
	flags   uint8
	sid     string
	mask    uint32
}

// securityInfo is the owner and DACL of a file or directory.
type securityInfo struct {
	owner string
	// hasDACL is false for a NULL DACL (or none): everyone has full
	// control.
	hasDACL bool
	entries []aclEntry
}

// trustedWriter reports whether sid may write the state: SYSTEM,
// Administrators, TrustedInstaller, or the account upwrap runs as.
func trustedWriter(sid, self string) bool {
	switch sid {
	case sidSystem, sidAdministrators, sidTrustedInstaller:
		return true
	}
	return self != "" && sid == self
}

// aceInherited is INHERITED_ACE: the entry came from the parent.
const aceInherited = 0x10

// checkACL refuses a directory or file that someone other than SYSTEM,
// Administrators, TrustedInstaller or upwrap's own account could change:
// an untrusted owner (an owner may always rewrite the DACL), a NULL DACL,
// or an allow entry that grants an untrusted SID a write right. Deny
// entries only take rights away and inherit-only entries do not apply to
// the object itself; both are skipped. Errors wrap [ErrUntrusted] and end
// with the icacls commands that fix every problem found (icaclsFix).
func checkACL(what, path string, si securityInfo, self string) error {
	var problems, remove []string
	ownerBad := !trustedWriter(si.owner, self)
	if ownerBad {
		problems = append(problems, "is owned by "+si.owner)
	}
	if !si.hasDACL {
		problems = append(problems, "has no DACL, so everyone may write it")
	}
	var bad []string
	for _, e := range si.entries {
		if e.flags&aceInheritOnly != 0 || e.aceType == aceAccessDenied {
			continue
		}
		if e.aceType != aceAccessAllowed && e.aceType != aceAccessAllowedCallback {
			// Object ACEs and the like do not belong on a file; do not
			// guess what they grant.
			bad = append(bad, fmt.Sprintf("%s (entry of type %d)", e.sid, e.aceType))
			if e.sid != "" {
				remove = append(remove, e.sid)
			}
			continue
		}
		if e.mask&writeRights == 0 || trustedWriter(e.sid, self) || e.sid == sidCreatorOwner {
			continue
		}
		bad = append(bad, fmt.Sprintf("%s (rights 0x%x)", e.sid, e.mask))
		if e.flags&aceInherited == 0 {
			remove = append(remove, e.sid)
		}
	}
	if len(bad) > 0 {
		problems = append(problems, "may be written by "+strings.Join(bad, ", "))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s %s %s; fix it as an administrator: %s", ErrUntrusted, what, path,
		strings.Join(problems, " and "), icaclsFix(path, what == "state directory", ownerBad, remove))
}

// icaclsFix returns the icacls commands that make path the administrators'
// alone ("icacls",
// https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/icacls:
// a SID is given as *SID; /setowner changes the owner, /inheritance:r drops
// the inherited entries, /grant:r replaces the grants of a SID, /remove:g
// removes a SID's grants, /t recurses, /c goes on after errors). The owner
// comes first: an owner may always rewrite the DACL, so fixing the DACL
// alone leaves a foreign owner able to undo it, and upwrap refusing.
func icaclsFix(path string, dir, ownerBad bool, remove []string) string {
	q := `"` + path + `"`
	inherit := ""
	if dir {
		inherit = "(OI)(CI)"
	}
	var cmds []string
	if ownerBad {
		cmds = append(cmds, "icacls "+q+" /setowner *"+sidAdministrators+" /t /c")
	}
	cmds = append(cmds, fmt.Sprintf("icacls %s /inheritance:r /grant:r *%s:%sF *%s:%sF /t /c", q, sidSystem, inherit, sidAdministrators, inherit))
	if len(remove) > 0 {
		seen := map[string]bool{}
		var sids []string
		for _, s := range remove {
			if !seen[s] {
				seen[s] = true
				sids = append(sids, "*"+s)
			}
		}
		cmds = append(cmds, "icacls "+q+" /remove:g "+strings.Join(sids, " ")+" /t /c")
	}
	return strings.Join(cmds, " && ")
}
