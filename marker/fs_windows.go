package marker

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
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

// createTempFile creates a temporary file for a record, never over an
// existing one (CREATE_NEW), with DELETE access so that it can be renamed
// through its handle (SetFileInformationByHandle with FileRenameInfo needs
// it: https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-setfileinformationbyhandle).
// It inherits the state directory's DACL.
func createTempFile(path string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "create", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_WRITE|windows.DELETE|windows.SYNCHRONIZE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_DELETE, nil, windows.CREATE_NEW, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "create", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// renameDurable renames the open temporary file f over to through its
// handle: FileRenameInfoEx with REPLACE_IF_EXISTS | POSIX_SEMANTICS (NTFS
// on Windows 10 1607 and later), else FileRenameInfo with ReplaceIfExists.
// A rename by handle is one metadata operation of the file system; its
// durability comes from FlushFileBuffers on the same handle afterwards
// (writeDurable), not from MoveFileEx's MOVEFILE_WRITE_THROUGH, which only
// "guarantees that a move performed as a copy and delete operation is
// flushed to disk"
// (https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-movefileexw);
// a same-volume rename is no such move. A sharing violation (another
// process holds the record without FILE_SHARE_DELETE) is retried until
// deadline, never past it.
func renameDurable(f *os.File, from, to string, deadline time.Time) error {
	h := windows.Handle(f.Fd())
	ex := true
	for delay := 5 * time.Millisecond; ; delay *= 2 {
		var err error
		if ex {
			err = setRenameInfo(h, to, windows.FileRenameInfoEx, fileRenameFlagReplaceIfExists|fileRenameFlagPosixSemantics)
			if err != nil && !transient(err) {
				// Not NTFS, an older Windows, or Wine: the classic form.
				ex = false
				err = setRenameInfo(h, to, windows.FileRenameInfo, 1)
			}
		} else {
			err = setRenameInfo(h, to, windows.FileRenameInfo, 1)
		}
		if err == nil {
			return nil
		}
		wait := min(delay, 200*time.Millisecond)
		if !transient(err) || time.Now().Add(wait).After(deadline) {
			return &os.LinkError{Op: "SetFileInformationByHandle", Old: from, New: to, Err: err}
		}
		time.Sleep(wait)
	}
}

// setRenameInfo calls SetFileInformationByHandle with a FILE_RENAME_INFO
// naming to (absolute). flags is the Flags of FileRenameInfoEx, or for
// FileRenameInfo 1 in ReplaceIfExists (the first byte of the same union).
func setRenameInfo(h windows.Handle, to string, class uint32, flags uint32) error {
	name, err := windows.UTF16FromString(to)
	if err != nil {
		return err
	}
	type renameInfo struct {
		flags          uint32 // union { BOOLEAN ReplaceIfExists; DWORD Flags; }
		rootDirectory  windows.Handle
		fileNameLength uint32
		fileName       [1]uint16
	}
	nameOff := unsafe.Offsetof(renameInfo{}.fileName)
	size := nameOff + uintptr(len(name))*2
	buf := make([]uint64, (size+7)/8) // 8-byte aligned, as the structure needs
	info := (*renameInfo)(unsafe.Pointer(&buf[0]))
	info.flags = flags
	info.fileNameLength = uint32(len(name)-1) * 2 // bytes, without the NUL
	copy(unsafe.Slice((*uint16)(unsafe.Add(unsafe.Pointer(&buf[0]), nameOff)), len(name)), name)
	return windows.SetFileInformationByHandle(h, class, (*byte)(unsafe.Pointer(&buf[0])), uint32(size))
}

func transient(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}

// syncDir does nothing: Microsoft documents no way to flush a directory
// (FlushFileBuffers takes a file or a volume,
// https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-flushfilebuffers).
// The rename's own flush is FlushFileBuffers on the renamed file's handle,
// in writeDurable.
func syncDir(dir string) error { return nil }

// checkDir opens the state directory once and checks it through that
// handle: not a symbolic link or junction (opened with
// FILE_FLAG_OPEN_REPARSE_POINT, so the reparse point itself is what is
// checked), a directory, and an owner and DACL that only SYSTEM,
// Administrators or upwrap's own account could change (GetSecurityInfo on
// the handle: checkHandleDirACL). The handle stays open as the store's pin:
// opened without FILE_SHARE_DELETE, it keeps anyone from renaming or
// deleting the directory, so the path names the checked directory for as
// long as the store is used ("Enables subsequent open operations on a file
// or device to request delete access. Otherwise, other processes cannot
// open the file or device if they request delete access", CreateFile,
// https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-createfilew;
// FILE_FLAG_BACKUP_SEMANTICS opens a directory, same page).
func checkDir(dir string) (io.Closer, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrStateDir, dir, err)
	}
	h, err := windows.CreateFile(p, windows.READ_CONTROL|windows.FILE_READ_ATTRIBUTES|windows.SYNCHRONIZE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrStateDir, dir, err)
	}
	pin := os.NewFile(uintptr(h), dir)
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		pin.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrStateDir, dir, err)
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		pin.Close()
		return nil, fmt.Errorf("%w: state directory %s is a symbolic link or junction; give the real path", ErrUntrusted, dir)
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY == 0 {
		pin.Close()
		return nil, fmt.Errorf("%w: %s is not a directory", ErrStateDir, dir)
	}
	if err := checkHandleDirACL(h, dir); err != nil {
		pin.Close()
		return nil, err
	}
	return pin, nil
}

// openNoFollow opens path without following a reparse point and checks the
// open file: a regular file whose owner and DACL pass checkACL.
func openNoFollow(path string, access, disposition uint32) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, access|windows.READ_CONTROL|windows.FILE_READ_ATTRIBUTES,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		disposition, windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
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

// openTrusted opens an existing file for reading with the checks of
// openNoFollow.
func openTrusted(path string) (*os.File, error) {
	return openNoFollow(path, windows.GENERIC_READ, windows.OPEN_EXISTING)
}

// openAppendTrusted opens or creates a file for appending (it inherits the
// state directory's DACL), with the checks of openNoFollow.
func openAppendTrusted(path string) (*os.File, error) {
	return openNoFollow(path, windows.FILE_APPEND_DATA|windows.SYNCHRONIZE, windows.OPEN_ALWAYS)
}

// checkTrusted applies the checks of openTrusted to path (on Windows by
// opening it: the owner and DACL are read from the handle).
func checkTrusted(path string) error {
	f, err := openTrusted(path)
	if err != nil {
		return err
	}
	return f.Close()
}
