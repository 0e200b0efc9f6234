// Package marker owns a job's record: one small JSON file per job in a state
// directory, the lock that keeps two runs of one job apart, the rules for job
// ids, and the checks that the directory and files are the administrator's
// alone.
//
// # Guarantees
//
// Atomic: a record is replaced by writing a temporary file (a name of its
// own) in the same directory, flushing it and renaming it over the old one,
// so a reader sees the whole old record or the whole new one, never a mix,
// even if the process dies at any step.
//
// Durable: after [Store.Write] returns nil, the new record survives a power
// cut. On Linux and macOS the file is fsynced before the rename and the
// directory is fsynced after it; on Windows the file is flushed
// (FlushFileBuffers), renamed through its own handle
// (SetFileInformationByHandle, FileRenameInfoEx with POSIX semantics where
// the file system has them) and flushed again, Windows having no directory
// flush. Renames blocked by another process are retried until a deadline
// ([Store.WriteBy]). Write returns only when these have succeeded; a
// failure before the rename returns an error and leaves the old record in
// place.
//
// Trusted: the state directory is opened once, by [Open], and checked
// through that handle; every record and log is checked when it is opened:
// no link, one name, the owner's alone.
//
// Anchored: every file in the state directory (record, temporary file,
// spare, lock, the job's own log) is opened, created, renamed and removed
// relative to the directory's handle (openat and its kin on Unix,
// NtCreateFile with RootDirectory on Windows), never by path. A rename or
// swap of the directory's path after [Open] does not redirect a write: it
// lands in the directory that was opened and checked (on Windows the
// rename itself is refused while the store holds the directory). Not
// guaranteed: paths in messages ([Store.RecordPath]) are the path as given
// and name whatever is there now.
//
// Idempotent: writing a record that is byte for byte the one on disk does
// nothing at all.
//
// Reserved: [Store.Reserve] sets room aside beside a job's record (an
// allocated spare file) and [Store.WriteReserved] writes the record into it,
// overwriting and cutting it, so that a disk filled meanwhile still takes
// the record. On copy-on-write file systems (btrfs, ZFS) an overwrite may
// need new blocks all the same; such a write fails and gives the room back,
// so that the next one (upwrap retries the final record) can use it the
// ordinary way.
//
// Strict (docs/design.md §6): [Parse] accepts exactly one JSON object of at
// most [MaxRecordSize] bytes, with no duplicate keys, every known key of the
// right type, and a schema this binary knows. The known keys are the tags of
// [Record], matched exactly (case included); they are declared nowhere else. A record it cannot read is an error
// ([ErrCorrupt], [ErrNewerSchema]), never an empty record: upwrap must never
// re-run an OS upgrade because it could not read what it wrote, and
// [Store.Write] refuses a record it could not read back ([ErrTooLarge]).
// Keys it does not know are kept and written back unchanged.
//
// Exclusive: [Store.TryLock] takes an operating-system lock (flock on Unix,
// LockFileEx on Windows) on a separate lock file per job. The OS releases it
// when the holder dies, so a crash never leaves a job locked.
//
// Trusted: the state directory and every file in it must belong to the
// caller and must not be writable by group or others, and must not be
// reached through a symbolic link in its last component. Files are opened
// without blocking, so a FIFO planted in their place is refused instead of
// hanging upwrap. Anything else is
// refused with [ErrUntrusted]; nothing is "fixed" behind the administrator's
// back. On Windows the directory is created with a protected DACL granting
// SYSTEM and Administrators alone, and the directory, each record and each
// log are checked on every open: the owner and every allow entry with a
// write right must be SYSTEM, Administrators, TrustedInstaller or the
// caller's account; reparse points (symbolic links, junctions) are refused.
//
// Mirrored (Windows, optional): [Store.EnableMirror] copies a job's state
// into HKLM\SOFTWARE\upwrap\Jobs\<id> after each write, for registry
// detection rules. The file is the truth; the mirror follows it, and an
// error wrapping [ErrMirror] means the file was written.
//
// # Not guaranteed
//
// Network filesystems (NFS, SMB) do not honour flock and fsync the way a
// local disk does: a state directory on one is not supported. A disk that
// lies about flushing its cache defeats durability. On Windows the Unix
// permission bits do not apply; the DACL checks above replace them. Under
// Wine the DACL is derived from Unix mode bits, so only its shape is
// tested there.
package marker
