//go:build linux

package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// recordSize is the size of a typical record (a "rebooting" record of a
// one-word command line is 650-700 bytes), so that the floor writes what
// upwrap writes.
const recordSize = 680

// bareReplace is the durability floor: the least any program must do to
// replace a small file so that the new content survives a power cut on
// Linux. Write a temporary file, fsync it, close it, rename it over the
// old one, fsync the directory. No locking, no checks, no encoding.
func bareReplace(dir, name string, b []byte) error {
	tmp := filepath.Join(dir, "."+name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// payload returns n bytes of JSON-looking text; seq makes each call's bytes
// differ so that no layer can skip an unchanged write.
func payload(n, seq int) []byte {
	head := fmt.Sprintf("{\n  \"seq\": %d,\n  \"pad\": \"", seq)
	b := bytes.Repeat([]byte("x"), n)
	copy(b, head)
	copy(b[n-3:], "\"}\n")
	return b
}

// timeReplace runs one bare replace and returns how long it took.
func timeReplace(dir, name string, seq int) (time.Duration, error) {
	b := payload(recordSize, seq)
	t0 := time.Now()
	if err := bareReplace(dir, name, b); err != nil {
		return 0, fmt.Errorf("replace %s: %w", name, err)
	}
	return time.Since(t0), nil
}

// cmdReplace times n bare replaces of one file in dir.
func cmdReplace(args []string) error {
	fs := flag.NewFlagSet("replace", flag.ExitOnError)
	dir := fs.String("dir", "", "directory on the disk under test (created 0700)")
	n := fs.Int("n", 100, "number of replaces")
	key := fs.String("key", "replace", "prefix of the printed keys")
	fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	// One untimed replace creates the file, so every timed one replaces.
	if _, err := timeReplace(*dir, "floor.json", -1); err != nil {
		return err
	}
	var ds []time.Duration
	for i := 0; i < *n; i++ {
		d, err := timeReplace(*dir, "floor.json", i)
		if err != nil {
			return err
		}
		ds = append(ds, d)
	}
	printStats(*key, ds)
	return nil
}
