package wrap

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// Benchmarks of the in-process paths of a job. scripts/bench runs them; the
// whole-process figures against coreutils come from hyperfine there. They
// assert nothing about time.

func benchOpts(b *testing.B, job string) Options {
	return Options{
		Job: job, StateDir: filepath.Join(b.TempDir(), "state"), Argv: []string{"true"},
		SuccessCodes: []int64{0}, WaitTree: true, Version: "bench",
	}
}

// BenchmarkRunSucceeded is "run" of a job that already succeeded: the path
// every agent restart takes. Nothing is written and no child starts.
func BenchmarkRunSucceeded(b *testing.B) {
	ctx, probe := context.Background(), detect.System()
	opts := benchOpts(b, "done")
	res, err := Run(ctx, opts, probe)
	if err != nil || res.Outcome != Succeeded {
		b.Fatalf("first run: %v %v", res, err)
	}
	for b.Loop() {
		res, err := Run(ctx, opts, probe)
		if err != nil || res.Outcome != Succeeded {
			b.Fatalf("run: %v %v", res, err)
		}
	}
}

// BenchmarkRunTrue is "run -- true" of a new job: two durable record writes
// around starting and waiting for the child.
func BenchmarkRunTrue(b *testing.B) {
	ctx, probe := context.Background(), detect.System()
	opts := benchOpts(b, "")
	i := 0
	for b.Loop() {
		opts.Job = fmt.Sprintf("true-%d", i)
		i++
		res, err := Run(ctx, opts, probe)
		if err != nil || res.Outcome != Succeeded {
			b.Fatalf("run: %v %v", res, err)
		}
	}
}

// BenchmarkTee is the copy of the child's output to the terminal side
// (io.Discard here) and to the job log, in the 32 KiB pieces that os/exec
// reads from the child's pipe, of 100-byte lines.
func BenchmarkTee(b *testing.B) {
	for _, format := range []string{"text", "json"} {
		b.Run(format, func(b *testing.B) {
			st, err := marker.Open(filepath.Join(b.TempDir(), "state"), true)
			if err != nil {
				b.Fatal(err)
			}
			j := &job{store: st, id: "tee", probe: detect.System(), now: time.Now}
			log, err := openJobLog(j, Options{LogFormat: format}, "boot")
			if err != nil {
				b.Fatal(err)
			}
			defer log.Close()
			chunk := make([]byte, 32<<10)
			for i := range chunk {
				chunk[i] = 'a' + byte(i%26)
				if i%100 == 99 {
					chunk[i] = '\n'
				}
			}
			w := log.tee("stdout", io.Discard)
			b.SetBytes(int64(len(chunk)))
			for b.Loop() {
				w.Write(chunk)
			}
			w.flush()
		})
	}
}

// BenchmarkStatusAll is "status --all" over 10 000 jobs, the figure P5 of
// the performance issue bounds, in process.
func BenchmarkStatusAll(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "state")
	writeJobs(b, dir, 10000)
	ctx, probe := context.Background(), detect.System()
	for b.Loop() {
		res, err := Status(ctx, Query{StateDir: dir, All: true}, probe)
		if err != nil || len(res) != 10000 {
			b.Fatalf("status: %d results, %v", len(res), err)
		}
	}
}

// writeJobs makes n jobs as upwrap leaves them (record, lock file, log),
// mostly succeeded, written without fsync: only reading them is measured.
func writeJobs(b *testing.B, dir string, n int) {
	b.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	boot, err := detect.System().BootID(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < n; i++ {
		id := marker.ID(fmt.Sprintf("job-%05d", i))
		argv := []string{"/usr/bin/apt-get", "-y", "install", fmt.Sprintf("pkg%05d", i)}
		end := start.Add(time.Minute)
		code := int64(0)
		r := &marker.Record{
			Schema: marker.Schema, Job: id, State: marker.Succeeded, Argv: argv, ArgvSHA256: marker.ArgvHash(argv),
			Attempts: 1, StartedAt: &start, FinishedAt: &end, BootStart: boot, BootEnd: boot, ExitCode: &code,
			Reason: "child exited with 0", Source: sourceExitCode, Host: "bench", Version: "bench",
		}
		switch i % 20 {
		case 1, 2:
			fail := int64(100)
			r.State, r.ExitCode, r.Failure = marker.Failed, &fail, failExitCode
		case 3:
			r.State = marker.RebootRequired
		case 4:
			r.State, r.FinishedAt, r.ExitCode, r.ExpectReboot, r.ShutdownConfirmed = marker.Rebooting, nil, nil, true, true
		case 5:
			r.State, r.FinishedAt, r.ExitCode, r.ExpectReboot = marker.Running, nil, nil, true
		}
		data, err := r.Encode()
		if err != nil {
			b.Fatal(err)
		}
		for ext, content := range map[string][]byte{".json": data, ".lock": nil, ".log": []byte("x\n")} {
			if err := os.WriteFile(filepath.Join(dir, string(id)+ext), content, 0o600); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkWriteTextfile1000 is one rewrite of the textfile with 1,000 jobs
// in the state directory: every record read and checked, the metrics
// rendered, the file replaced. The reboot-pending sources come from a fake
// probe (pending: on Linux they are a few stats and, where installed,
// needs-restarting -r). It reports the file's bytes per job.
func BenchmarkWriteTextfile1000(b *testing.B) {
	const n = 1000
	dir := filepath.Join(b.TempDir(), "state")
	st, err := marker.Open(dir, true)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	code := int64(3010)
	for i := range n {
		id := marker.ID(fmt.Sprintf("job-%04d", i))
		r := &marker.Record{Schema: marker.Schema, Job: id, State: marker.RebootRequired, Argv: []string{"setup.exe", "/auto", "upgrade"},
			ArgvSHA256: marker.ArgvHash([]string{"setup.exe", "/auto", "upgrade"}), Attempts: 1, StartedAt: &now, FinishedAt: &now,
			ExitCode: &code, Reason: "child exited with 3010", Source: sourceExitCode, Host: "bench", Version: "bench"}
		enc, err := r.Encode()
		if err != nil {
			b.Fatal(err)
		}
		// Written directly: a thousand fsync'd writes would only slow the
		// setup down.
		if err := os.WriteFile(st.RecordPath(id), enc, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	tf := b.TempDir()
	ctx, probe := context.Background(), &fakeProbe{boot: "b1", pending: []detect.PendingSource{{Name: "reboot-required", Checked: true}}}
	for b.Loop() {
		if err := WriteTextfile(ctx, tf, dir, probe); err != nil {
			b.Fatal(err)
		}
	}
	fi, err := os.Stat(filepath.Join(tf, "upwrap.prom"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/n, "bytes/job")
}
