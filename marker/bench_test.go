package marker

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Benchmarks of the record's paths. scripts/bench runs them and puts them
// beside the floor they are bounded by (BenchmarkReplaceFloor), measured in
// the same run; they assert nothing.

// benchRecord is a typical finished record.
func benchRecord() *Record {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	end := start.Add(3 * time.Minute)
	code := int64(0)
	argv := []string{"/usr/bin/apt-get", "-y", "dist-upgrade"}
	return &Record{
		Schema: Schema, Job: "os-upgrade", State: Succeeded, Argv: argv, ArgvSHA256: ArgvHash(argv),
		Attempts: 1, StartedAt: &start, FinishedAt: &end,
		BootStart: "39ae1d8a-99cb-488a-9001-9ec1460b8b44", BootEnd: "39ae1d8a-99cb-488a-9001-9ec1460b8b44",
		ExitCode: &code, Reason: "child exited with 0", Source: "exit-code", Host: "host-1", Version: "1.0.0",
	}
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	st, err := Open(filepath.Join(b.TempDir(), "state"), true)
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkWrite is one durable record write that changes the record: read
// the old one, encode, temporary file, fsync, rename, fsync the directory.
func BenchmarkWrite(b *testing.B) {
	st := benchStore(b)
	r1, r2 := benchRecord(), benchRecord()
	r2.State, r2.FinishedAt, r2.ExitCode = Running, nil, nil
	recs := [2]*Record{r1, r2}
	if err := st.Write("os-upgrade", r2); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if err := st.Write("os-upgrade", recs[i%2]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkWriteUnchanged is a write of the record already on disk: no I/O
// beyond reading it back.
func BenchmarkWriteUnchanged(b *testing.B) {
	st := benchStore(b)
	r := benchRecord()
	if err := st.Write("os-upgrade", r); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := st.Write("os-upgrade", r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplaceFloor is the bare fsync'd replace of a record-sized file
// in the same kind of directory: the least a durable write costs here.
func BenchmarkReplaceFloor(b *testing.B) {
	dir := b.TempDir()
	data, err := benchRecord().Encode()
	if err != nil {
		b.Fatal(err)
	}
	tmp, dst := filepath.Join(dir, ".r.tmp"), filepath.Join(dir, "r.json")
	for b.Loop() {
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(data); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, dst); err != nil {
			b.Fatal(err)
		}
		d, err := os.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := syncDir(d); err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}

// BenchmarkRead is reading a record from the page cache: open with the
// trust checks, read, parse strictly.
func BenchmarkRead(b *testing.B) {
	st := benchStore(b)
	if err := st.Write("os-upgrade", benchRecord()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := st.Read("os-upgrade"); err != nil {
			b.Fatal(err)
		}
	}
}

// windowsBenchRecord is a finished record as upwrap writes it on Windows:
// a setup.exe command line, the job object, and the keys package marker
// keeps as unknown ones (the boot witnesses, the mark wait).
func windowsBenchRecord() *Record {
	r := benchRecord()
	r.Argv = []string{`C:\Windows\Temp\setup.exe`, "/auto", "upgrade", "/quiet", `/copylogs C:\upwrap\logs`}
	r.ArgvSHA256 = ArgvHash(r.Argv)
	r.Log = `C:\ProgramData\upwrap\os-upgrade.log`
	r.Child = &Child{PID: 4242, StartTime: 134062848000000000, JobObject: `Local\upwrap-os-upgrade-4242`}
	r.Extra = map[string]json.RawMessage{
		"boot_witnesses": json.RawMessage(`{"identity":"39ae1d8a-99cb-488a-9001-9ec1460b8b44","boot_time":"2026-05-01T11:58:02Z","boot_counter":17,"volatile_key":"present"}`),
		"await_mark":     json.RawMessage(`0`),
	}
	return r
}

// benchParse decodes r's encoding, as status --all does for each job.
func benchParse(b *testing.B, r *Record) {
	data, err := r.Encode()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse decodes a typical Linux record.
func BenchmarkParse(b *testing.B) { benchParse(b, benchRecord()) }

// BenchmarkParseWindows decodes a Windows record (boot_witnesses and the
// other unknown keys included).
func BenchmarkParseWindows(b *testing.B) { benchParse(b, windowsBenchRecord()) }

func BenchmarkEncode(b *testing.B) {
	r := benchRecord()
	for b.Loop() {
		if _, err := r.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeCompact is the one-line form that status --json prints.
func BenchmarkEncodeCompact(b *testing.B) {
	r := benchRecord()
	for b.Loop() {
		if _, err := r.EncodeCompact(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLocked is the lock probe that status makes for every job.
func BenchmarkLocked(b *testing.B) {
	st := benchStore(b)
	l, err := st.TryLock("os-upgrade")
	if err != nil {
		b.Fatal(err)
	}
	l.Unlock()
	for b.Loop() {
		if _, err := st.Locked("os-upgrade"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteAmongJobs is BenchmarkWrite in a state directory that
// holds other jobs too (a record, a lock and a log each): what a record
// write at shutdown costs on a machine that has run many jobs.
func BenchmarkWriteAmongJobs(b *testing.B) {
	for _, jobs := range []int{0, 1000, 10000} {
		b.Run(fmt.Sprintf("jobs=%d", jobs), func(b *testing.B) {
			st := benchStore(b)
			for i := range jobs {
				for _, name := range []string{"job-%d.json", "job-%d.lock", "job-%d.log"} {
					if err := os.WriteFile(filepath.Join(st.Dir(), fmt.Sprintf(name, i)), []byte("{}"), 0o600); err != nil {
						b.Fatal(err)
					}
				}
			}
			r1, r2 := benchRecord(), benchRecord()
			r2.State, r2.FinishedAt, r2.ExitCode = Running, nil, nil
			recs := [2]*Record{r1, r2}
			i := 0
			for b.Loop() {
				if err := st.Write("os-upgrade", recs[i%2]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
