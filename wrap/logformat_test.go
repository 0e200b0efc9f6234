package wrap

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upwrap/upwrap/detect"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// logTestProbe is a machine with a fixed boot identity, nothing pending and
// no shutdown witness.
type logTestProbe struct{ boot string }

func (p logTestProbe) BootID(context.Context) (string, error) { return p.boot, nil }
func (p logTestProbe) ShutdownNotice(_ context.Context, sig os.Signal) detect.Notice {
	return detect.Notice{Signal: detect.SignalName(sig)}
}
func (p logTestProbe) PendingReboot(context.Context) []detect.PendingSource { return nil }

// cmtraceLine is the line grammar CMTrace and OneTrace parse (the shape of
// PSAppDeployToolkit's LogEntry.CMTraceLogLine), anchored and strict.
var cmtraceLine = regexp.MustCompile(`^<!\[LOG\[(.*)\]LOG\]!><time="(\d\d:\d\d:\d\d\.\d{3})([+-]\d+)" date="(\d\d-\d\d-\d{4})" component="([^"]*)" context="([^"]*)" type="([0-3])" thread="(\d+)" file="([^"]*)">$`)

// TestCMTraceGolden pins the CMTrace bytes: events with attributes and
// levels, the child's lines, text that needs escaping, time zones east and
// west of UTC with Configuration Manager's bias sign (India -330, New York
// in winter +300).
func TestCMTraceGolden(t *testing.T) {
	var buf bytes.Buffer
	w := &cmtraceWriter{w: &buf, context: `NT AUTHORITY\SYSTEM`, thread: 4242, file: "upwrap"}
	log := slog.New(&cmtraceHandler{out: w}).With("job", "win11-upgrade", "boot", "boottime:1700000000")
	west := time.FixedZone("EST", -5*3600)
	east := time.FixedZone("CET", 3600)
	t0 := time.Date(2025, 3, 7, 9, 4, 5, 123_000_000, west)
	emit := func(t time.Time, level slog.Level, msg string, args ...any) {
		r := slog.NewRecord(t, level, msg, 0)
		r.Add(args...)
		if err := log.Handler().Handle(context.Background(), r); err != nil {
			panic(err)
		}
	}
	emit(t0, slog.LevelInfo, "child started", "child_pid", 5150, "argv", []string{"setup.exe", "/auto", "upgrade"}, "attempt", 1)
	buf.Write(w.entry(t0.Add(time.Second), "stdout", 1, "Windows Setup: 10% complete\r"))
	buf.Write(w.entry(t0.Add(2*time.Second), "stderr", 1, "a ]LOG]!> marker, a \"quote\" and ünïcödé \xff"))
	emit(t0.Add(3*time.Second), slog.LevelWarn, "termination notice", "signal", "SIGTERM", "confirmed", false, "witness", "")
	emit(time.Date(2025, 12, 24, 23, 59, 59, 999_000_000, east), slog.LevelError, "state recorded", "state", "failed", "reason", "child exited with 1603", "source", "exit-code")
	emit(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), slog.LevelInfo, "state recorded", "state", "succeeded", "reason", "completed after restart; verify passed")
	// The zones of the README's example, from the tz database: Configuration
	// Manager's bias, UTC = local + bias (docs/design.md §11).
	for _, z := range []struct {
		name string
		at   time.Time
	}{
		{"Asia/Kolkata", time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)},     // -330
		{"America/New_York", time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)}, // +300 (EST, January)
		{"America/New_York", time.Date(2025, 7, 15, 12, 0, 0, 0, time.UTC)}, // +240 (EDT)
	} {
		loc, err := time.LoadLocation(z.name)
		if err != nil {
			t.Fatalf("time zone %s: %v", z.name, err)
		}
		emit(z.at.In(loc), slog.LevelInfo, "time zone", "tz", z.name)
	}

	golden := filepath.Join("testdata", "cmtrace.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./wrap -run TestCMTraceGolden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("CMTrace bytes differ from %s (-want +got):\n%s", golden, diff)
	}
	for i, line := range strings.SplitAfter(buf.String(), "\r\n") {
		if line == "" {
			continue
		}
		if !strings.HasSuffix(line, "\r\n") || !cmtraceLine.MatchString(strings.TrimSuffix(line, "\r\n")) {
			t.Errorf("line %d is not a CMTrace line: %q", i+1, line)
		}
	}
}

// TestCMTraceLogOfARun runs a real child with --log-format cmtrace and
// reads the log as CMTrace would: a BOM, then only well-formed CRLF lines,
// the child's lines under their stream, the failure in red (type 3).
func TestCMTraceLogOfARun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the child is a POSIX shell script")
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	opts := Options{
		Job: "cm1", StateDir: state, Argv: []string{"/bin/sh", "-c", "echo hello; echo oops >&2; exit 3"},
		SuccessCodes: []int64{0}, MaxAttempts: 3, LogFormat: "cmtrace", WaitTree: true,
	}
	if _, err := Run(context.Background(), opts, logTestProbe{boot: "boot-1"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(state, "cm1.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(cmtraceBOM)) {
		t.Fatalf("a new CMTrace log must start with a UTF-8 BOM; starts %q", b[:min(len(b), 8)])
	}
	type entry struct{ Msg, Component, Type string }
	var got []entry
	for _, line := range strings.SplitAfter(strings.TrimPrefix(string(b), cmtraceBOM), "\r\n") {
		if line == "" {
			continue
		}
		m := cmtraceLine.FindStringSubmatch(strings.TrimSuffix(line, "\r\n"))
		if m == nil || !strings.HasSuffix(line, "\r\n") {
			t.Fatalf("not a CMTrace line: %q", line)
		}
		msg := m[1]
		if m[5] == "upwrap" {
			msg, _, _ = strings.Cut(msg, " ")
			if !strings.Contains(m[1], " job=cm1 boot=boot-1 ") {
				t.Errorf("event not stamped with job and boot: %q", m[1])
			}
		}
		got = append(got, entry{msg, m[5], m[7]})
	}
	// Events are cut at their first space: "child started ..." -> "child".
	want := []entry{
		{"room", "upwrap", "1"}, // room reserved for the record
		{"starting", "upwrap", "1"},
		{"child", "upwrap", "1"},
		{"hello", "stdout", "1"},
		{"oops", "stderr", "1"},
		{"child", "upwrap", "1"},
		{"state", "upwrap", "3"},
	}
	sortStreams := func(es []entry) {
		// stdout and stderr are copied concurrently, and may come before
		// "child started" is logged: their order is free.
		if len(es) > 5 {
			sort.SliceStable(es[2:5], func(i, j int) bool {
				rank := map[string]int{"upwrap": 0, "stdout": 1, "stderr": 2}
				return rank[es[2+i].Component] < rank[es[2+j].Component]
			})
		}
	}
	sortStreams(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CMTrace entries (-want +got):\n%s", diff)
	}

	// A later invocation without --log-format keeps the log in CMTrace.
	if _, err := Mark(context.Background(), MarkOptions{StateDir: state, Job: "cm1", State: "succeeded"}, logTestProbe{boot: "boot-2"}); err != nil {
		t.Fatal(err)
	}
	b2, _ := os.ReadFile(filepath.Join(state, "cm1.log"))
	tail := strings.TrimSuffix(string(b2[len(b):]), "\r\n")
	if bytes.Count(b2, []byte(cmtraceBOM)) != 1 || !cmtraceLine.MatchString(tail) || !strings.Contains(tail, "state recorded state=succeeded") {
		t.Errorf("upwrap mark appended %q; want one CMTrace line recording succeeded", tail)
	}
}

// TestJSONLogStamped: every line of a JSON log is one JSON object carrying
// the job id and the boot identity, the child's lines included.
func TestJSONLogStamped(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the child is a POSIX shell script")
	}
	state := filepath.Join(t.TempDir(), "state")
	opts := Options{
		Job: "js1", StateDir: state, Argv: []string{"/bin/sh", "-c", "echo one; echo two >&2; printf 'no newline'"},
		SuccessCodes: []int64{0}, MaxAttempts: 3, LogFormat: "json", WaitTree: true,
	}
	if _, err := Run(context.Background(), opts, logTestProbe{boot: "boot-json"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(state, "js1.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", n, err, sc.Text())
		}
		if m["job"] != "js1" || m["boot"] != "boot-json" {
			t.Errorf("line %d lacks job/boot: %s", n, sc.Text())
		}
		if l, ok := m["line"].(string); ok {
			lines = append(lines, m["stream"].(string)+":"+l)
		}
	}
	got := map[string]bool{}
	for _, l := range lines {
		got[l] = true
	}
	want := map[string]bool{"stdout:one": true, "stderr:two": true, "stdout:no newline": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("child lines in the JSON log (-want +got):\n%s", diff)
	}
}

func TestSniffLogFormat(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, content, want string }{
		{"missing", "", "text"},
		{"empty", "", "text"},
		{"cmtrace-bom", cmtraceBOM + `<![LOG[x]LOG]!><time="...`, "cmtrace"},
		{"cmtrace", `<![LOG[x]LOG]!><time="...`, "cmtrace"},
		{"json", `{"time":"2025-01-01T00:00:00Z","level":"INFO"}`, "json"},
		{"text", `time=2025-01-01T00:00:00Z level=INFO msg="child started"`, "text"},
	} {
		p := filepath.Join(dir, tc.name)
		if tc.name != "missing" {
			os.WriteFile(p, []byte(tc.content), 0o600)
		}
		if got := sniffLogFormat(p); got != tc.want {
			t.Errorf("%s: sniffLogFormat = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// recordingSystemLog is a system log that keeps what it is given.
type recordingSystemLog struct {
	mu     sync.Mutex
	events []SystemEvent
}

func (r *recordingSystemLog) Report(ev SystemEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}
func (r *recordingSystemLog) Close() {}

func (r *recordingSystemLog) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		lvl := e.Level.String()
		out = append(out, lvl+" "+strconv.Itoa(int(e.ID)))
	}
	return out
}

// TestSystemLogEvents runs real jobs and checks the events the system log
// receives and their stable ids: start, outcome (by state), shutdown notice,
// and a mark from outside.
func TestSystemLogEvents(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the children are POSIX shell scripts")
	}
	sys := &recordingSystemLog{}
	old := openSystemLog
	openSystemLog = func() systemLog { return sys }
	t.Cleanup(func() { openSystemLog = old })

	state := filepath.Join(t.TempDir(), "state")
	run := func(job, script string, reboot []int64) {
		t.Helper()
		_, err := Run(context.Background(), Options{Job: job, StateDir: state, Argv: []string{"/bin/sh", "-c", script},
			SuccessCodes: []int64{0}, RebootCodes: reboot, MaxAttempts: 3, WaitTree: true}, logTestProbe{boot: "b1"})
		if err != nil {
			t.Fatal(err)
		}
	}
	run("ok", "exit 0", nil)
	run("fails", "exit 4", nil)
	run("reboot", "exit 7", []int64{7})
	if _, err := Mark(context.Background(), MarkOptions{StateDir: state, Job: "fails", State: "failed", Reason: "setuprollback.cmd: rolled back"}, logTestProbe{boot: "b2"}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"INFO 101", "INFO 102", // ok
		"INFO 101", "ERROR 105", // fails
		"INFO 101", "INFO 103", // reboot
		"ERROR 105", // mark
	}
	if diff := cmp.Diff(want, sys.ids()); diff != "" {
		t.Errorf("system log events (-want +got):\n%s", diff)
	}
	sys.mu.Lock()
	last := sys.events[len(sys.events)-1].Message
	sys.mu.Unlock()
	for _, s := range []string{"upwrap: job fails: failed (setuprollback.cmd: rolled back)", "source: mark", "job: fails", "boot: b2"} {
		if !strings.Contains(last, s) {
			t.Errorf("mark event %q lacks %q", last, s)
		}
	}
}

func TestSystemEventOfShutdownNotice(t *testing.T) {
	ev, ok := systemEventOf("j", "b", evTerminationNotice, []any{"signal", "SIGTERM", "confirmed", true, "witness", "systemd-state=stopping"})
	if !ok || ev.ID != EventShutdownNotice || ev.Level != slog.LevelWarn || !strings.Contains(ev.Message, "witness: systemd-state=stopping") {
		t.Errorf("systemEventOf(termination notice) = %+v, %v", ev, ok)
	}
	if _, ok := systemEventOf("j", "b", evVerifyPassed, nil); ok {
		t.Error("verify passed must stay in the job log only")
	}
}
