package marker

import (
	"fmt"
	"io/fs"
	"unsafe"

	"golang.org/x/sys/windows"
)

const securityInfoFlags = windows.OWNER_SECURITY_INFORMATION | windows.DACL_SECURITY_INFORMATION

// makeStateDir creates dir with the protected DACL of stateDirSDDL, so that
// the directory is never, even for a moment, writable by others.
func makeStateDir(dir string) error {
	sd, err := windows.SecurityDescriptorFromString(stateDirSDDL)
	if err != nil {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	sa := &windows.SecurityAttributes{SecurityDescriptor: sd}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	if err := windows.CreateDirectory(p, sa); err != nil {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return nil
}

// selfSID is the SID of the account upwrap runs as, "" if unknown.
func selfSID() string {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return ""
	}
	return u.User.Sid.String()
}

// toSecurityInfo reads the owner and the DACL of a security descriptor.
func toSecurityInfo(sd *windows.SECURITY_DESCRIPTOR) (securityInfo, error) {
	var si securityInfo
	owner, _, err := sd.Owner()
	if err != nil {
		return si, fmt.Errorf("owner: %w", err)
	}
	if owner != nil {
		si.owner = owner.String()
	}
	dacl, _, err := sd.DACL()
	if err == windows.ERROR_OBJECT_NOT_FOUND || (err == nil && dacl == nil) {
		return si, nil
	}
	if err != nil {
		return si, fmt.Errorf("DACL: %w", err)
	}
	si.hasDACL = true
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return si, fmt.Errorf("DACL entry %d: %w", i, err)
		}
		e := aclEntry{aceType: ace.Header.AceType, flags: ace.Header.AceFlags, mask: uint32(ace.Mask)}
		if e.aceType == aceAccessAllowed || e.aceType == aceAccessDenied || e.aceType == aceAccessAllowedCallback {
			e.sid = (*windows.SID)(unsafe.Pointer(&ace.SidStart)).String()
		}
		si.entries = append(si.entries, e)
	}
	return si, nil
}

// checkHandleDirACL checks the state directory's owner and DACL, read
// through its handle (GetSecurityInfo,
// https://learn.microsoft.com/en-us/windows/win32/api/aclapi/nf-aclapi-getsecurityinfo).
func checkHandleDirACL(h windows.Handle, dir string) error {
	sd, err := windows.GetSecurityInfo(h, windows.SE_FILE_OBJECT, securityInfoFlags)
	if err != nil {
		return fmt.Errorf("%w: %s: security descriptor: %v", ErrStateDir, dir, err)
	}
	si, err := toSecurityInfo(sd)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrStateDir, dir, err)
	}
	return checkACL("state directory", dir, si, selfSID())
}

// checkHandleACL checks an open file's owner and DACL.
func checkHandleACL(h windows.Handle, path string) error {
	sd, err := windows.GetSecurityInfo(h, windows.SE_FILE_OBJECT, securityInfoFlags)
	if err != nil {
		return fmt.Errorf("%s: security descriptor: %w", path, err)
	}
	si, err := toSecurityInfo(sd)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return checkACL("file", path, si, selfSID())
}
