package marker

import (
	"fmt"
	"os"
)

// Lock is a held job lock. The OS releases it if the process dies.
type Lock struct {
	f *os.File
}

// TryLock takes the job's exclusive lock without waiting. Errors wrap
// [ErrLocked] when another process holds it.
func (s *Store) TryLock(id ID) (*Lock, error) {
	f, err := openLockFile(s.d, lockName(id))
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", id, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", id, err)
	}
	return &Lock{f: f}, nil
}

// Locked reports whether another process holds the job's lock, without
// creating anything. A lock file someone else could hold or replace is
// refused like a record ([ErrUntrusted]): it would let them make a job
// look busy.
func (s *Store) Locked(id ID) (bool, error) {
	f, err := openTrusted(s.d, lockName(id))
	if err != nil {
		if os.IsNotExist(err) {
			return false, nil
		}
		return false, fmt.Errorf("lock %s: %w", id, err)
	}
	defer f.Close()
	return probeLock(f)
}

// CheckLockFile refuses, as [Store.Locked] does, a lock file that someone
// else could hold or replace, without opening or probing it: for a caller
// (status) whose decision does not depend on whether the lock is held. A
// missing lock file is fine. Errors wrap [ErrUntrusted].
func (s *Store) CheckLockFile(id ID) error {
	if err := checkTrusted(s.d, lockName(id)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("lock %s: %w", id, err)
	}
	return nil
}

// Unlock releases the lock. It is safe to call more than once.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
