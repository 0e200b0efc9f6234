package wrap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// status --all reads the jobs on several goroutines; what it reports must
// not show it: every job in order, and at the first bad job (in that order)
// the results before it and that job's error, as a sequential read gives.
func TestStatusAllInOrderAndStopsAtFirstError(t *testing.T) {
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
	}{
		"corrupt record at 300, another at 400": {func(t *testing.T, st *marker.Store) {
			for _, i := range []int{400, 300} {
				if err := os.WriteFile(st.RecordPath(marker.ID(fmt.Sprintf("job-%04d", i))), []byte("{"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}, marker.ErrCorrupt},
		"forged lock file at 300": {func(t *testing.T, st *marker.Store) {
			lock := filepath.Join(st.Dir(), "job-0300.lock")
			if err := os.WriteFile(lock, nil, 0o666); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(lock, 0o666); err != nil {
				t.Fatal(err)
			}
		}, marker.ErrUntrusted},
	} {
		t.Run(name, func(t *testing.T) {
			dir, st := mk(t)
			tc.spoil(t, st)
			res, err := Status(ctx, Query{StateDir: dir, All: true}, probe)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if len(res) != 300 || res[299].Job != "job-0299" {
				t.Errorf("got %d results before the error, want the 300 jobs before job-0300", len(res))
			}
		})
	}
}
