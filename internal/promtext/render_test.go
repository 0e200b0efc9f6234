package promtext

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func code(c int64) *int64 { return &c }

// TestRenderGolden pins the metrics text of a job in each state (and of a
// machine without jobs): what dashboards and alert rules are written
// against. Run with -update to rewrite testdata/*.prom after a deliberate
// change, and review the diff.
func TestRenderGolden(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 30, 45, 250e6, time.UTC)
	pending := []Pending{{Source: "reboot-required", Pending: true}, {Source: "running-kernel"}}
	cases := []struct {
		name    string
		jobs    []Job
		pending []Pending
	}{
		{"running", []Job{{ID: "os-upgrade", State: "running", Attempts: 1, Changed: at}}, nil},
		{"succeeded", []Job{{ID: "os-upgrade", State: "succeeded", Attempts: 1, ExitCode: code(0), Changed: at}}, nil},
		{"reboot-required", []Job{{ID: "os-upgrade", State: "reboot-required", Attempts: 1, ExitCode: code(3010), Changed: at}}, pending},
		{"rebooting", []Job{{ID: "os-upgrade", State: "rebooting", Attempts: 1, Changed: at}}, nil},
		{"failed", []Job{{ID: "os-upgrade", State: "failed", Failure: "exit-code", Attempts: 2, ExitCode: code(-2147024891), Changed: at}}, nil},
		{"failed-marked", []Job{{ID: "win11-feature-update", State: "failed", Failure: "mark", Changed: at}}, nil},
		{"corrupt", []Job{{ID: "broken", State: "corrupt"}}, nil},
		{"untrusted", []Job{{ID: "planted", State: "untrusted"}}, nil},
		{"newer-schema", []Job{{ID: "from-v2", State: "newer-schema"}}, nil},
		{"no-jobs", nil, pending},
		{"escaped-source", nil, []Pending{{Source: `odd "name" \ here`, Pending: true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(Render(c.jobs, c.pending))
			path := filepath.Join("testdata", c.name+".prom")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("metrics text (-golden +got):\n%s", diff)
			}
		})
	}
}

// TestRenderOneStatePerJob checks the rule alert expressions rely on: for
// every job exactly one upwrap_job_state sample is 1.
func TestRenderOneStatePerJob(t *testing.T) {
	var jobs []Job
	for _, s := range States {
		jobs = append(jobs, Job{ID: "job-" + s, State: s})
	}
	text := string(Render(jobs, nil))
	for _, j := range jobs {
		ones := 0
		for _, s := range States {
			line := `upwrap_job_state{job="` + j.ID + `",state="` + s + `"} `
			switch {
			case strings.Contains(text, line+"1\n"):
				ones++
			case !strings.Contains(text, line+"0\n"):
				t.Errorf("no sample %s", line)
			}
		}
		if ones != 1 {
			t.Errorf("job %s has %d states at 1, want 1", j.ID, ones)
		}
	}
}
