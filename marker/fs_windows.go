package marker

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// noFollow and noBlock are Unix open flags; Windows checks the file type
// before opening instead.
const (
	noFollow = 0
	noBlock  = 0
)

// renameByHandle is true: the record is renamed through the open handle of
// the temporary file, flushed, then closed (writeDurable).
const renameByHandle = true

// Rename flags of FILE_RENAME_INFO for FileRenameInfoEx (winbase.h):
// replace an existing target, and do so with POSIX semantics — the target
// is replaced even while other handles (a reader, antivirus) hold it open,
// and those handles keep the old file
// (FILE_RENAME_INFORMATION, https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/ns-ntifs-_file_rename_information;
// FILE_RENAME_INFO, https://learn.microsoft.com/en-us/windows/win32/api/winbase/ns-winbase-file_rename_info).
const (
	fileRenameFlagReplaceIfExists = 0x1
	fileRenameFlagPosixSemantics  = 0x2
)

// The state directory is a handle (openStateDir) and every file in it is
// reached relative to it: opened or created with NtCreateFile, whose
// OBJECT_ATTRIBUTES.RootDirectory is the directory's handle and ObjectName
// the file's name ("If RootDirectory is non-NULL, ObjectName specifies an
// object name relative to the RootDirectory directory", OBJECT_ATTRIBUTES,
// https://learn.microsoft.com/en-us/windows/win32/api/ntdef/ns-ntdef-_object_attributes;
// NtCreateFile, https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/nf-ntifs-ntcreatefile),
// renamed with FILE_RENAME_INFORMATION's RootDirectory set to the same
// handle, and removed through a handle so opened. os.Root does the same
// opens (NtCreateFile with RootDirectory) but not CREATE_NEW with DELETE
// access, a rename through the file's own handle, or FILE_OPEN_REPARSE_POINT
// on every name; docs/design.md §6.

// NT information classes of NtSetInformationFile
// (https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/nf-ntifs-ntsetinformationfile;
// FILE_INFORMATION_CLASS, https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/wdm/ne-wdm-_file_information_class).
const (
	fileRenameInformation        = 10
	fileDispositionInformation   = 13
	fileRenameInformationEx      = 65
	fileDispositionInformationEx = 64
)

// handle is the Windows handle of the state directory, 0 for none (a path).
func handle(dir *os.File) windows.Handle {
	if dir == nil {
		return 0
	}
	return windows.Handle(dir.Fd())
}

// at is the path of name in dir, for messages and the name of an os.File.
func at(dir *os.File, name string) string {
	if dir == nil {
		return name
	}
	return filepath.Join(dir.Name(), name)
}

// ntError turns an NTSTATUS into the Win32 error it maps to
// (RtlNtStatusToDosError,
// https://learn.microsoft.com/en-us/windows/win32/api/winternl/nf-winternl-rtlntstatustodoserror),
// so that errors.Is(err, fs.ErrNotExist) and the retry rules see it.
func ntError(err error) error {
	if st, ok := err.(windows.NTStatus); ok {
		return st.Errno()
	}
	return err
}

// openAt opens name relative to dir with NtCreateFile: never through a
// reparse point (FILE_OPEN_REPARSE_POINT opens the link itself), case
// insensitive as CreateFile is (OBJ_CASE_INSENSITIVE), synchronous I/O. A
// file it creates inherits the directory's DACL. disposition is
// FILE_OPEN, FILE_CREATE or FILE_OPEN_IF; options adds to the create
// options. With a nil dir, name is a path and CreateFile opens it.
func openAt(dir *os.File, name string, access, share, disposition, options uint32) (windows.Handle, error) {
	if dir == nil {
		return createFileByPath(name, access, share, disposition, options)
	}
	objName, err := windows.NewNTUnicodeString(name)
	if err != nil {
		return 0, &fs.PathError{Op: "open", Path: at(dir, name), Err: err}
	}
	oa := &windows.OBJECT_ATTRIBUTES{RootDirectory: handle(dir), ObjectName: objName, Attributes: windows.OBJ_CASE_INSENSITIVE}
	oa.Length = uint32(unsafe.Sizeof(*oa))
	var h windows.Handle
	err = windows.NtCreateFile(&h, access|windows.SYNCHRONIZE, oa, &windows.IO_STATUS_BLOCK{}, nil,
		windows.FILE_ATTRIBUTE_NORMAL, share, disposition,
		windows.FILE_OPEN_REPARSE_POINT|windows.FILE_SYNCHRONOUS_IO_NONALERT|options, 0, 0)
	if err != nil {
		return 0, &fs.PathError{Op: "open", Path: at(dir, name), Err: ntError(err)}
	}
	return h, nil
}

// createFileByPath is openAt for a path (a log outside the state
// directory): CreateFile with the same flags.
func createFileByPath(path string, access, share, disposition, options uint32) (windows.Handle, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	create := map[uint32]uint32{windows.FILE_OPEN: windows.OPEN_EXISTING, windows.FILE_CREATE: windows.CREATE_NEW, windows.FILE_OPEN_IF: windows.OPEN_ALWAYS}[disposition]
	h, err := windows.CreateFile(p, access|windows.SYNCHRONIZE, share, nil, create,
		windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return 0, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return h, nil
}

// createTempFile creates the temporary file name in dir, never over an
// existing one (FILE_CREATE, CreateFile's CREATE_NEW), with DELETE access
// so that it can be renamed through its handle (FILE_RENAME_INFORMATION
// needs it: "the caller must have DELETE access to the file",
// https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/ns-ntifs-_file_rename_information).
// It inherits the state directory's DACL.
func createTempFile(dir *os.File, name string) (*os.File, error) {
	h, err := openAt(dir, name, windows.GENERIC_WRITE|windows.DELETE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_DELETE, windows.FILE_CREATE, windows.FILE_NON_DIRECTORY_FILE)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(h), at(dir, name)), nil
}

// renameDurable renames the open temporary file f over to (a name in dir)
// through its handle: FileRenameInformationEx with REPLACE_IF_EXISTS |
// POSIX_SEMANTICS (NTFS on Windows 10 1607 and later), else
// FileRenameInformation with ReplaceIfExists, RootDirectory dir's handle
// either way. A rename by handle is one metadata operation of the file
// system; its durability comes from FlushFileBuffers on the same handle
// afterwards (writeDurable), not from MoveFileEx's MOVEFILE_WRITE_THROUGH,
// which only "guarantees that a move performed as a copy and delete
// operation is flushed to disk"
// (https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-movefileexw);
// a same-volume rename is no such move. A sharing violation (another
// process holds the record without FILE_SHARE_DELETE) is retried until
// deadline, never past it.
func renameDurable(dir, f *os.File, from, to string, deadline time.Time) error {
	return renameHandle(dir, windows.Handle(f.Fd()), from, to, true, deadline)
}

// renameHandle renames the file open as h (named from) to the name to in
// dir; replace lets it replace an existing to. Transient refusals are
// retried until deadline.
func renameHandle(dir *os.File, h windows.Handle, from, to string, replace bool, deadline time.Time) error {
	exFlags, flags := uint32(fileRenameFlagPosixSemantics), uint32(0)
	if replace {
		exFlags, flags = exFlags|fileRenameFlagReplaceIfExists, 1
	}
	ex := true
	for delay := 5 * time.Millisecond; ; delay *= 2 {
		var err error
		if ex {
			err = setRenameInfo(h, handle(dir), to, fileRenameInformationEx, exFlags)
			if err != nil && !transient(err) {
				// Not NTFS, an older Windows, or Wine: the classic form.
				ex = false
				err = setRenameInfo(h, handle(dir), to, fileRenameInformation, flags)
			}
		} else {
			err = setRenameInfo(h, handle(dir), to, fileRenameInformation, flags)
		}
		if err == nil {
			return nil
		}
		wait := min(delay, 200*time.Millisecond)
		if !transient(err) || time.Now().Add(wait).After(deadline) {
			return &os.LinkError{Op: "NtSetInformationFile", Old: at(dir, from), New: at(dir, to), Err: err}
		}
		time.Sleep(wait)
	}
}

// setRenameInfo calls NtSetInformationFile with a FILE_RENAME_INFORMATION
// naming to relative to root ("If the file is not being moved to a
// different directory, or if the FileName member contains the full
// pathname, this member is NULL. Otherwise, it is a handle for the root
// directory under which the file will reside", FILE_RENAME_INFORMATION,
// https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/ns-ntifs-_file_rename_information).
// flags is the Flags of FileRenameInformationEx, or for
// FileRenameInformation 1 in ReplaceIfExists (the first byte of the same
// union).
func setRenameInfo(h, root windows.Handle, to string, class uint32, flags uint32) error {
	name, err := windows.UTF16FromString(to)
	if err != nil {
		return err
	}
	type renameInfo struct {
		flags          uint32 // union { BOOLEAN ReplaceIfExists; ULONG Flags; }
		rootDirectory  windows.Handle
		fileNameLength uint32
		fileName       [1]uint16
	}
	nameOff := unsafe.Offsetof(renameInfo{}.fileName)
	size := nameOff + uintptr(len(name))*2
	buf := make([]uint64, (size+7)/8) // 8-byte aligned, as the structure needs
	info := (*renameInfo)(unsafe.Pointer(&buf[0]))
	info.flags = flags
	info.rootDirectory = root
	info.fileNameLength = uint32(len(name)-1) * 2 // bytes, without the NUL
	copy(unsafe.Slice((*uint16)(unsafe.Add(unsafe.Pointer(&buf[0]), nameOff)), len(name)), name)
	return ntError(windows.NtSetInformationFile(h, &windows.IO_STATUS_BLOCK{}, (*byte)(unsafe.Pointer(&buf[0])), uint32(size), class))
}

func transient(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}

// renameAt renames from to to, both names in dir, never replacing an
// existing to: through a handle of from opened relative to dir with DELETE
// access.
func renameAt(dir *os.File, from, to string) error {
	h, err := openAt(dir, from, windows.DELETE|windows.FILE_READ_ATTRIBUTES,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, windows.FILE_OPEN, windows.FILE_NON_DIRECTORY_FILE)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	return renameHandle(dir, h, from, to, false, time.Now())
}

// removeAt removes name from dir: opened relative to dir with DELETE
// access, then marked for deletion with POSIX semantics (the name goes at
// once even while another handle holds the file) where the file system
// has them, else the classic way (FILE_DISPOSITION_INFORMATION_EX,
// https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntddk/ns-ntddk-_file_disposition_information_ex;
// FILE_DISPOSITION_INFORMATION,
// https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntddk/ns-ntddk-_file_disposition_information).
func removeAt(dir *os.File, name string) error {
	h, err := openAt(dir, name, windows.DELETE|windows.FILE_READ_ATTRIBUTES,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, windows.FILE_OPEN, windows.FILE_NON_DIRECTORY_FILE)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	flags := uint32(windows.FILE_DISPOSITION_DELETE | windows.FILE_DISPOSITION_POSIX_SEMANTICS)
	err = ntError(windows.NtSetInformationFile(h, &windows.IO_STATUS_BLOCK{}, (*byte)(unsafe.Pointer(&flags)), 4, fileDispositionInformationEx))
	if err != nil && !transient(err) {
		del := uint32(1) // BOOLEAN DeleteFile, padded
		err = ntError(windows.NtSetInformationFile(h, &windows.IO_STATUS_BLOCK{}, (*byte)(unsafe.Pointer(&del)), 4, fileDispositionInformation))
	}
	if err != nil {
		return &fs.PathError{Op: "remove", Path: at(dir, name), Err: err}
	}
	return nil
}

// statAt returns the size of name in dir and whether it is a regular file
// (a reparse point is not followed: neither a directory nor a reparse
// point in BY_HANDLE_FILE_INFORMATION's attributes,
// https://learn.microsoft.com/en-us/windows/win32/api/fileapi/ns-fileapi-by_handle_file_information).
func statAt(dir *os.File, name string) (size int64, regular bool, err error) {
	h, err := openAt(dir, name, windows.FILE_READ_ATTRIBUTES,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, windows.FILE_OPEN, 0)
	if err != nil {
		return 0, false, err
	}
	defer windows.CloseHandle(h)
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		return 0, false, &fs.PathError{Op: "stat", Path: at(dir, name), Err: err}
	}
	regular = info.FileAttributes&(windows.FILE_ATTRIBUTE_DIRECTORY|windows.FILE_ATTRIBUTE_REPARSE_POINT) == 0
	return int64(info.FileSizeHigh)<<32 | int64(info.FileSizeLow), regular, nil
}

// listNames returns the names in dir, read through a new handle of the
// same directory opened relative to it (an empty name: the directory
// itself, as ReOpenFile does,
// https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-reopenfile),
// so that each listing starts at the beginning.
func listNames(dir *os.File) ([]string, error) {
	h, err := openAt(dir, "", windows.FILE_LIST_DIRECTORY,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, windows.FILE_OPEN, windows.FILE_DIRECTORY_FILE)
	if err != nil {
		return nil, err
	}
	d := os.NewFile(uintptr(h), dir.Name())
	defer d.Close()
	return d.Readdirnames(-1)
}

// syncDir does nothing: Microsoft documents no way to flush a directory
// (FlushFileBuffers takes a file or a volume,
// https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-flushfilebuffers).
// The rename's own flush is FlushFileBuffers on the renamed file's handle,
// in writeDurable.
func syncDir(dir *os.File) error { return nil }

// openStateDir opens the state directory once and checks it through that
// handle: not a symbolic link or junction (opened with
// FILE_FLAG_OPEN_REPARSE_POINT, so the reparse point itself is what is
// checked), a directory, and an owner and DACL that only SYSTEM,
// Administrators or upwrap's own account could change (GetSecurityInfo on
// the handle: checkHandleDirACL). Every file in it is then opened relative
// to this handle (openAt), which also pins the directory: opened without
// FILE_SHARE_DELETE, it keeps anyone from renaming or deleting the
// directory while the store is used ("Enables subsequent open operations
// on a file or device to request delete access. Otherwise, other processes
// cannot open the file or device if they request delete access",
// CreateFile,
// https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-createfilew;
// FILE_FLAG_BACKUP_SEMANTICS opens a directory, same page). FILE_TRAVERSE
// and FILE_LIST_DIRECTORY are the rights a handle used as RootDirectory
// and reopened for a listing needs ("File access rights constants",
// https://learn.microsoft.com/en-us/windows/win32/fileio/file-access-rights-constants).
func openStateDir(dir string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrStateDir, dir, err)
	}
	h, err := windows.CreateFile(p, windows.READ_CONTROL|windows.FILE_READ_ATTRIBUTES|windows.FILE_LIST_DIRECTORY|windows.FILE_TRAVERSE|windows.SYNCHRONIZE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrStateDir, dir, err)
	}
	d := os.NewFile(uintptr(h), dir)
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		d.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrStateDir, dir, err)
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		d.Close()
		return nil, fmt.Errorf("%w: state directory %s is a symbolic link or junction; give the real path", ErrUntrusted, dir)
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY == 0 {
		d.Close()
		return nil, fmt.Errorf("%w: %s is not a directory", ErrStateDir, dir)
	}
	if err := checkHandleDirACL(h, dir); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// openNoFollow opens name in dir (a path when dir is nil) without following
// a reparse point and checks the open file: a regular file whose owner and
// DACL pass checkACL.
func openNoFollow(dir *os.File, name string, access, disposition uint32) (*os.File, error) {
	path := at(dir, name)
	h, err := openAt(dir, name, access|windows.READ_CONTROL|windows.FILE_READ_ATTRIBUTES,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, disposition, 0)
	if err != nil {
		return nil, err
	}
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		windows.CloseHandle(h)
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("%w: %s is a symbolic link or junction", ErrUntrusted, path)
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrUntrusted, path)
	}
	// A hard link planted in the state directory would make a write
	// through one name change a file elsewhere (BY_HANDLE_FILE_INFORMATION.nNumberOfLinks,
	// https://learn.microsoft.com/en-us/windows/win32/api/fileapi/ns-fileapi-by_handle_file_information).
	if info.NumberOfLinks > 1 {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("%w: %s has %d hard links; a record or log has one name only", ErrUntrusted, path, info.NumberOfLinks)
	}
	if err := checkHandleACL(h, path); err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	return os.NewFile(uintptr(h), path), nil
}

// openTrusted opens the existing file name in dir for reading with the
// checks of openNoFollow.
func openTrusted(dir *os.File, name string) (*os.File, error) {
	return openNoFollow(dir, name, windows.GENERIC_READ, windows.FILE_OPEN)
}

// openAppendTrusted opens or creates the file name in dir (a path when dir
// is nil) for appending (it inherits the directory's DACL), with the
// checks of openNoFollow.
func openAppendTrusted(dir *os.File, name string) (*os.File, error) {
	return openNoFollow(dir, name, windows.FILE_APPEND_DATA, windows.FILE_OPEN_IF)
}

// checkTrusted applies the checks of openTrusted to name in dir (on
// Windows by opening it: the owner and DACL are read from the handle).
func checkTrusted(dir *os.File, name string) error {
	f, err := openTrusted(dir, name)
	if err != nil {
		return err
	}
	return f.Close()
}
