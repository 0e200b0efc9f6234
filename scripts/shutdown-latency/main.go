//go:build linux

// Command shutdown-latency measures how long upwrap takes from a SIGTERM to
// a durable "rebooting" record, against the real binary, beside one bare
// fsync'd small-file replace measured in the same run on the same disk.
//
//	go run ./scripts/shutdown-latency -upwrap ./upwrap -n 100 -dir DIR
//
// Each trial starts `upwrap run --expect-reboot -- sleep 600`, waits until
// the "running" record is durable, sends upwrap SIGTERM and watches the state
// directory with inotify: the record's rename (IN_MOVED_TO) and then the
// first write to the job's log after it (IN_MODIFY), which upwrap makes only
// once the record and the directory are fsynced (state first, log second:
// docs/design.md §6), mark the end. The process group is then
// killed. The baseline writes a record-sized file to a temporary name,
// fsyncs it, renames it over the old one, and fsyncs the directory.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	n := flag.Int("n", 100, "trials")
	bin := flag.String("upwrap", "upwrap", "the upwrap binary")
	dir := flag.String("dir", "", "directory on the disk to measure, where a scratch directory is made and removed (default: the system's temporary directory)")
	flag.Parse()
	if err := run(*n, *bin, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "shutdown-latency:", err)
		os.Exit(1)
	}
}

func run(n int, bin, parent string) error {
	if parent != "" {
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp(parent, "upwrap-latency")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		return err
	}
	w, err := newWatcher(state)
	if err != nil {
		return err
	}
	defer w.close()
	var renamed, durable, bare []time.Duration
	for i := range n {
		r, d, err := trial(w, bin, state, fmt.Sprintf("lat%04d", i))
		if err != nil {
			return fmt.Errorf("trial %d: %w", i, err)
		}
		renamed, durable = append(renamed, r), append(durable, d)
		b, err := bareReplace(dir)
		if err != nil {
			return fmt.Errorf("bare replace: %w", err)
		}
		bare = append(bare, b)
	}
	fmt.Printf("upwrap: SIGTERM -> durable rebooting record: p50 %v  p99 %v  max %v  (n=%d)\n", pct(durable, 50), pct(durable, 99), pct(durable, 100), n)
	fmt.Printf("upwrap: SIGTERM -> record renamed in place: p50 %v  p99 %v\n", pct(renamed, 50), pct(renamed, 99))
	fmt.Printf("upwrap: bare fsync'd small-file replace:    p50 %v  p99 %v  max %v  (n=%d)\n", pct(bare, 50), pct(bare, 99), pct(bare, 100), n)
	return nil
}

// trial runs one upwrap, signals it once its "running" record is durable, and
// returns the times to the "rebooting" record's rename and to its durability.
func trial(w *watcher, bin, state, job string) (renamed, durable time.Duration, err error) {
	cmd := exec.Command(bin, "run", "--job", job, "--expect-reboot", "--state-dir", state, "--", "sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	record := filepath.Join(state, job+".json")
	// The "running" record, durable.
	if _, _, err := w.until(record, "running", 10*time.Second); err != nil {
		return 0, 0, err
	}
	time.Sleep(20 * time.Millisecond) // let the child start
	w.drain()
	t0 := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, 0, err
	}
	r, d, err := w.until(record, "rebooting", 10*time.Second)
	if err != nil {
		return 0, 0, err
	}
	return r.Sub(t0), d.Sub(t0), nil
}

// bareReplace is the floor: one small file written, fsynced, renamed over,
// and its directory fsynced.
func bareReplace(dir string) (time.Duration, error) {
	b := bytes.Repeat([]byte("x"), 640)
	tmp, dst := filepath.Join(dir, ".bare.tmp"), filepath.Join(dir, "bare.json")
	t0 := time.Now()
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return 0, err
	}
	d, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	err = d.Sync()
	d.Close()
	return time.Since(t0), err
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p+99)/100 - 1
	i = max(0, min(i, len(s)-1))
	return s[i].Round(time.Microsecond)
}

// watcher reports, with the time each was read, the inotify events of one
// directory.
type watcher struct {
	fd     int
	events chan event
}

type event struct {
	at   time.Time
	mask uint32
	name string
}

func newWatcher(dir string) (*watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_MOVED_TO|unix.IN_MODIFY|unix.IN_ONLYDIR); err != nil {
		unix.Close(fd)
		return nil, err
	}
	w := &watcher{fd: fd, events: make(chan event, 4096)}
	go w.read()
	return w, nil
}

func (w *watcher) read() {
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(w.fd, buf)
		at := time.Now()
		if err != nil || n <= 0 {
			close(w.events)
			return
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			l := int(binary.NativeEndian.Uint32(buf[off+12:]))
			name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+l]), "\x00")
			w.events <- event{at: at, mask: mask, name: name}
			off += unix.SizeofInotifyEvent + l
		}
	}
}

func (w *watcher) close() { unix.Close(w.fd) }

// drain drops the events read so far.
func (w *watcher) drain() {
	for {
		select {
		case <-w.events:
		default:
			return
		}
	}
}

// until waits for record to be renamed into place holding state, then for
// the next write to the job's log (after the directory's fsync), and
// returns both times.
func (w *watcher) until(record, state string, limit time.Duration) (renamed, durable time.Time, err error) {
	deadline := time.After(limit)
	want := `"state": "` + state + `"`
	for {
		select {
		case e, ok := <-w.events:
			if !ok {
				return renamed, durable, fmt.Errorf("inotify closed")
			}
			switch {
			case renamed.IsZero() && e.mask&unix.IN_MOVED_TO != 0 && e.name == filepath.Base(record):
				if b, err := os.ReadFile(record); err == nil && bytes.Contains(b, []byte(want)) {
					renamed = e.at
				}
			case !renamed.IsZero() && e.mask&unix.IN_MODIFY != 0 && e.name == strings.TrimSuffix(filepath.Base(record), ".json")+".log":
				return renamed, e.at, nil
			}
		case <-deadline:
			return renamed, durable, fmt.Errorf("no durable %q record within %v", state, limit)
		}
	}
}
