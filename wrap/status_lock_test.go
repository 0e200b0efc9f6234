package wrap

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// Status probes a job's lock only for the states whose row of the table
// depends on it. This holds it to reporting, for every state, with the lock
// held by another holder and free, exactly what the table says with the
// real lock state.
func TestStatusLockProbeMatchesTable(t *testing.T) {
	ctx, probe := context.Background(), detect.System()
	boot, err := probe.BootID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	zero, one := int64(0), int64(1)
	argv := []string{"setup", "/quiet"}
	base := marker.Record{
		Schema: marker.Schema, Argv: argv, ArgvSHA256: marker.ArgvHash(argv), Attempts: 1,
		StartedAt: &now, BootStart: boot, BootEnd: boot, Host: "h", Version: "v",
	}
	records := map[string]func(r *marker.Record){
		"running": func(r *marker.Record) { r.State, r.BootEnd = marker.Running, "" },
		"running-old-boot": func(r *marker.Record) {
			r.State, r.BootStart, r.BootEnd, r.ExpectReboot = marker.Running, "old", "", true
		},
		"rebooting": func(r *marker.Record) { r.State, r.Source = marker.Rebooting, "signal:SIGTERM" },
		"rebooting-confirm": func(r *marker.Record) {
			r.State, r.Source, r.ShutdownConfirmed = marker.Rebooting, "signal:SIGTERM", true
		},
		"succeeded": func(r *marker.Record) { r.State, r.ExitCode, r.FinishedAt = marker.Succeeded, &zero, &now },
		"failed":    func(r *marker.Record) { r.State, r.ExitCode, r.Failure = marker.Failed, &one, failExitCode },
		"failed-gave-up": func(r *marker.Record) {
			r.State, r.ExitCode, r.Failure, r.Attempts = marker.Failed, &one, failExitCode, 3
		},
		"reboot-required":    func(r *marker.Record) { r.State, r.ExitCode = marker.RebootRequired, &zero },
		"reboot-req-oldboot": func(r *marker.Record) { r.State, r.BootEnd = marker.RebootRequired, "old" },
	}
	for name, set := range records {
		for _, held := range []bool{false, true} {
			t.Run(name+map[bool]string{false: "/free", true: "/held"}[held], func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "state")
				st, err := marker.Open(dir, true)
				if err != nil {
					t.Fatal(err)
				}
				r := base
				r.Job = "job"
				set(&r)
				if err := st.Write("job", &r); err != nil {
					t.Fatal(err)
				}
				if held {
					// flock locks belong to the open file: a second open in
					// this process is another holder.
					l, err := st.TryLock("job")
					if err != nil {
						t.Fatal(err)
					}
					defer l.Unlock()
				}
				res, err := Status(ctx, Query{StateDir: dir, All: true}, probe)
				if err != nil || len(res) != 1 {
					t.Fatalf("Status: %v, %v", res, err)
				}
				want := decide(&r, facts{boot: boot, lockedByOther: held, maxAttempts: 3})
				got := struct{ Outcome Outcome }{res[0].Outcome}
				wantOutcome := want.outcome
				switch want.act {
				case actFinalize:
					wantOutcome = Succeeded
				case actRun:
					wantOutcome = failedOutcome(&r)
				case actKeep:
					wantOutcome = keptOutcome(want, &r)
				}
				if diff := cmp.Diff(struct{ Outcome Outcome }{wantOutcome}, got); diff != "" {
					t.Errorf("status outcome mismatch (-table +status):\n%s", diff)
				}
			})
		}
	}
}

// Whether or not status probes the lock, a lock file someone else could
// hold or replace is refused, for every state.
func TestStatusRefusesForgedLockFile(t *testing.T) {
	ctx, probe := context.Background(), detect.System()
	boot, err := probe.BootID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	forge := map[string]func(t *testing.T, lock string){
		"world-writable": func(t *testing.T, lock string) {
			if err := os.Chmod(lock, 0o666); err != nil {
				t.Fatal(err)
			}
		},
		"symbolic link": func(t *testing.T, lock string) {
			real := filepath.Join(t.TempDir(), "real.lock")
			if err := os.WriteFile(real, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(lock); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(real, lock); err != nil {
				t.Fatal(err)
			}
		},
	}
	for _, state := range []marker.State{marker.Running, marker.Rebooting, marker.Succeeded, marker.Failed, marker.RebootRequired} {
		for how, tamper := range forge {
			t.Run(string(state)+"/"+how, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "state")
				st, err := marker.Open(dir, true)
				if err != nil {
					t.Fatal(err)
				}
				r := &marker.Record{Schema: marker.Schema, Job: "job", State: state, Attempts: 1, BootStart: boot, BootEnd: boot}
				if err := st.Write("job", r); err != nil {
					t.Fatal(err)
				}
				l, err := st.TryLock("job")
				if err != nil {
					t.Fatal(err)
				}
				l.Unlock()
				tamper(t, filepath.Join(dir, "job.lock"))
				if _, err := Status(ctx, Query{StateDir: dir, Job: "job"}, probe); !errors.Is(err, marker.ErrUntrusted) {
					t.Errorf("status --job: got %v, want ErrUntrusted", err)
				}
				// status --all shows the job as a bad record, and goes on.
				res, err := Status(ctx, Query{StateDir: dir, All: true}, probe)
				if err != nil || len(res) != 1 || res[0].Outcome != BadRecord || !errors.Is(res[0].Err, marker.ErrUntrusted) {
					t.Errorf("status --all: got %+v, %v; want one bad-record row wrapping ErrUntrusted", res, err)
				}
			})
		}
	}
}
