package wrap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// status --all reads the jobs on several goroutines; what it reports must
// not show it: every job in order, a bad job (its record or lock file) as a
// row of its own with its error, and every job after it as well
// (docs/design.md §6: bad records never hide the good ones).
func TestStatusAllInOrderPastBadRecords(t *testing.T) {
	ctx, probe := context.Background(), detect.System()
	boot, err := probe.BootID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	mk := func(t *testing.T) (string, *marker.Store) {
		dir := filepath.Join(t.TempDir(), "state")
		st, err := marker.Open(dir, true)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			id := marker.ID(fmt.Sprintf("job-%04d", i))
			r := &marker.Record{Schema: marker.Schema, Job: id, State: marker.Succeeded, Attempts: 1, BootStart: boot, BootEnd: boot}
			if i%3 == 0 {
				r.State = marker.Running
			}
			b, err := r.Encode()
			if err != nil {
				t.Fatal(err)
			}
			// Written without fsync: only reading is under test.
			if err := os.WriteFile(st.RecordPath(id), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir, st
	}
	t.Run("all", func(t *testing.T) {
		dir, _ := mk(t)
		res, err := Status(ctx, Query{StateDir: dir, All: true}, probe)
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for i, r := range res {
			got = append(got, string(r.Job)+" "+r.Outcome.String())
			o := Succeeded
			if i%3 == 0 {
				o = Interrupted // running, lock free, same boot
			}
			want = append(want, fmt.Sprintf("job-%04d %s", i, o))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("status --all mismatch (-want +got):\n%s", diff)
		}
	})
	for name, tc := range map[string]struct {
		spoil func(t *testing.T, st *marker.Store)
		want  error
		bad   []int
	}{
		"corrupt record at 300, another at 400": {func(t *testing.T, st *marker.Store) {
			for _, i := range []int{400, 300} {
				if err := os.WriteFile(st.RecordPath(marker.ID(fmt.Sprintf("job-%04d", i))), []byte("{"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}, marker.ErrCorrupt, []int{300, 400}},
		"forged lock file at 300": {func(t *testing.T, st *marker.Store) {
			lock := filepath.Join(st.Dir(), "job-0300.lock")
			if err := os.WriteFile(lock, nil, 0o666); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(lock, 0o666); err != nil {
				t.Fatal(err)
			}
		}, marker.ErrUntrusted, []int{300}},
	} {
		t.Run(name, func(t *testing.T) {
			dir, st := mk(t)
			tc.spoil(t, st)
			res, err := Status(ctx, Query{StateDir: dir, All: true}, probe)
			if err != nil {
				t.Fatalf("status --all stopped at a bad record: %v", err)
			}
			var got, want []string
			for i, r := range res {
				got = append(got, string(r.Job)+" "+r.Outcome.String())
				o := Succeeded
				if i%3 == 0 {
					o = Interrupted
				}
				if slices.Contains(tc.bad, i) {
					o = BadRecord
					if !errors.Is(r.Err, tc.want) {
						t.Errorf("%s: error %v, want %v", r.Job, r.Err, tc.want)
					}
				}
				want = append(want, fmt.Sprintf("job-%04d %s", i, o))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("status --all mismatch (-want +got):\n%s", diff)
			}
			// A single job's bad record is still an error of its own.
			if _, err := Status(ctx, Query{StateDir: dir, Job: "job-0300"}, probe); !errors.Is(err, tc.want) {
				t.Errorf("status --job job-0300: got %v, want %v", err, tc.want)
			}
		})
	}
}
