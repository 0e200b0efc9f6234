package wrap

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// statesIn returns job -> state of every upwrap_job_state sample at 1.
func statesIn(text string) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^upwrap_job_state\{job="([^"]+)",state="([^"]+)"\} 1$`).FindAllStringSubmatch(text, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestMetricsEveryRecord: every job of the state directory is in the
// metrics, in its recorded state; records that cannot be read are jobs in
// state corrupt, untrusted or newer-schema and do not hide the others; the
// pending sources that were checked follow.
func TestMetricsEveryRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	st, err := marker.Open(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, s := range []marker.State{marker.Running, marker.Succeeded, marker.RebootRequired, marker.Rebooting, marker.Failed} {
		id := marker.ID("job-" + string(s))
		if err := st.Write(id, &marker.Record{Job: id, State: s, Attempts: 1, StartedAt: &now, Failure: map[bool]string{true: failTimeout}[s == marker.Failed]}); err != nil {
			t.Fatal(err)
		}
	}
	bad := map[string]struct {
		body string
		mode os.FileMode
	}{
		"a-corrupt":   {`{"schema":1,"job":"a-corrupt","state":"succ`, 0o600},
		"b-newer":     {`{"schema":2,"job":"b-newer","state":"teleported"}`, 0o600},
		"c-untrusted": {`{"schema":1,"job":"c-untrusted","state":"succeeded","attempts":1}`, 0o666},
	}
	for id, b := range bad {
		p := filepath.Join(dir, id+".json")
		if err := os.WriteFile(p, []byte(b.body), b.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, b.mode); err != nil {
			t.Fatal(err)
		}
	}
	probe := &fakeProbe{boot: "b1", pending: []detect.PendingSource{
		{Name: "reboot-required", Checked: true, Pending: true},
		{Name: "needs-restarting", Checked: false},
	}}
	b, err := Metrics(context.Background(), dir, probe)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	want := map[string]string{
		"a-corrupt": "corrupt", "b-newer": "newer-schema", "c-untrusted": "untrusted",
		"job-running": "running", "job-succeeded": "succeeded", "job-reboot-required": "reboot-required",
		"job-rebooting": "rebooting", "job-failed": "failed",
	}
	if diff := cmp.Diff(want, statesIn(text)); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	for _, line := range []string{
		`upwrap_job_failure{job="job-failed",failure="timeout"} 1`,
		`upwrap_reboot_pending{source="reboot-required"} 1`,
	} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + `$`).MatchString(text) {
			t.Errorf("no line %s in\n%s", line, text)
		}
	}
	if regexp.MustCompile(`needs-restarting|attempts\{job="a-corrupt"`).MatchString(text) {
		t.Errorf("an unchecked source or an unread record's attempts is in\n%s", text)
	}

	// A state directory that does not exist yet: no jobs, still a file.
	if b, err := Metrics(context.Background(), filepath.Join(dir, "missing"), probe); err != nil || len(statesIn(string(b))) != 0 {
		t.Errorf("missing state directory: %v\n%s", err, b)
	}
}

// TestRunTextfileWhileRunning: with --textfile the file says "running"
// while the command runs (the alert on a job running too long depends on
// it), and the outcome once it has ended.
func TestRunTextfileWhileRunning(t *testing.T) {
	work := t.TempDir()
	tf := filepath.Join(work, "textfile")
	if err := os.Mkdir(tf, 0o755); err != nil {
		t.Fatal(err)
	}
	release := filepath.Join(work, "release")
	opts := Options{
		Job: "long", StateDir: filepath.Join(work, "state"), Textfile: tf, WaitTree: true,
		Argv:         []string{"sh", "-c", `while [ ! -e "$0" ]; do sleep 0.01; done`, release},
		SuccessCodes: []int64{0},
	}
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), opts, &fakeProbe{boot: "b1"})
		done <- err
	}()
	prom := filepath.Join(tf, "upwrap.prom")
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(prom)
		if statesIn(string(b))["long"] == "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the textfile never said running:\n%s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := os.WriteFile(release, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	if got := statesIn(string(b))["long"]; got != "succeeded" {
		t.Errorf("after the run the textfile says %q, want succeeded:\n%s", got, b)
	}
	left, _ := filepath.Glob(filepath.Join(tf, "*.tmp"))
	left2, _ := filepath.Glob(filepath.Join(tf, ".*.tmp"))
	if len(left)+len(left2) > 0 {
		t.Errorf("temporary files left: %v %v", left, left2)
	}
}
