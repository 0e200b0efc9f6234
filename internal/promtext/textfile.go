package promtext

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FileName is the name of the textfile in its directory.
const FileName = "upwrap.prom"

// The temporary file and the lock file start with a dot and do not end in
// .prom: the textfile collectors read only *.prom files.
const (
	tempPattern = "." + FileName + ".*.tmp"
	lockName    = "." + FileName + ".lock"
)

// lockWait bounds the wait for another upwrap that is writing the file.
const lockWait = 10 * time.Second

// WriteFile replaces dir/upwrap.prom with data atomically: a temporary file
// in dir, then a rename over the old one. The file is readable by everyone
// (mode 0644): the exporter usually runs as its own user. Temporary files
// that an earlier writer left behind when it was killed are removed. dir
// must exist.
func WriteFile(ctx context.Context, dir string, data []byte) error {
	unlock, err := lock(ctx, filepath.Join(dir, lockName))
	if err != nil {
		return fmt.Errorf("textfile %s: %w", dir, err)
	}
	defer unlock()
	// Under the lock no other writer has a temporary file open: any left
	// is from a writer that died.
	if stale, _ := filepath.Glob(filepath.Join(dir, tempPattern)); len(stale) > 0 {
		for _, p := range stale {
			os.Remove(p)
		}
	}
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return fmt.Errorf("textfile %s: %w", dir, err)
	}
	tmp := f.Name()
	err = write(f, data)
	if err == nil {
		err = rename(ctx, tmp, filepath.Join(dir, FileName))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("textfile %s: %w", filepath.Join(dir, FileName), err)
	}
	return nil
}

func write(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	return errors.Join(err, f.Close())
}

// rename retries for a short while: on Windows a rename over a file that
// the exporter has open for reading fails until it closes it.
func rename(ctx context.Context, from, to string) error {
	var err error
	for i := 0; i < 20; i++ {
		if err = os.Rename(from, to); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(25 * time.Millisecond):
		}
	}
	return err
}

// lock takes the exclusive lock on path (created when missing), polling
// until lockWait has passed.
func lock(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			// Closing the file releases the lock.
			return func() { f.Close() }, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s: another upwrap has held it for %s", path, lockWait)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
