//go:build linux

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/upwrap/upwrap/marker"
)

// shellOnPTY is an interactive bash on a pseudo-terminal, as a user at a
// terminal has it: it runs jobs in process groups of their own and takes
// the terminal back when they stop.
type shellOnPTY struct {
	ptmx   *os.File
	cmd    *exec.Cmd
	mu     sync.Mutex
	screen bytes.Buffer
}

func startShell(t *testing.T, env []string) *shellOnPTY {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	s := &shellOnPTY{ptmx: ptmx, cmd: exec.Command(bash, "--norc", "--noprofile", "-i")}
	s.cmd.Env = append(env, "PS1=PROMPT> ", "TERM=dumb")
	s.cmd.Stdin, s.cmd.Stdout, s.cmd.Stderr = tty, tty, tty
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			s.mu.Lock()
			s.screen.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		ptmx.Close()
	})
	return s
}

func (s *shellOnPTY) send(t *testing.T, text string) {
	t.Helper()
	if _, err := io.WriteString(s.ptmx, text); err != nil {
		t.Fatal(err)
	}
}

// await waits (at most 20 s) until cond holds for what the terminal has
// received after offset from.
func (s *shellOnPTY) await(t *testing.T, what string, from int, cond func(string) bool) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		out := s.screen.String()
		s.mu.Unlock()
		if cond(out[min(from, len(out)):]) {
			return len(out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Fatalf("the terminal never showed %s; it shows:\n%s", what, s.screen.String())
	return 0
}

// runningInGroup lists the processes of process group pgid that can still
// run: not stopped ("T" in /proc/PID/stat) and without a stop signal
// pending. A shell blocked in vfork while its new process is stopped has
// SIGTSTP pending and stops as soon as it returns: it cannot run on.
func runningInGroup(pgid int) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) < 3 || f[2] != strconv.Itoa(pgid) || f[0] == "T" || f[0] == "Z" || stopSignalPending(pid) {
			continue
		}
		out = append(out, e.Name()+":"+f[0])
	}
	return out
}

// stopSignalPending reports whether pid has SIGSTOP or SIGTSTP pending.
func stopSignalPending(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		if k != "SigPnd" && k != "ShdPnd" {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64); err == nil && n&(1<<(19-1)|1<<(20-1)) != 0 {
			return true
		}
	}
	return false
}

// TestCtrlZAndFg: at a terminal, Ctrl-Z stops the upgrade and gives the
// shell its prompt back; fg continues both, and the job completes.
func TestCtrlZAndFg(t *testing.T) {
	exe := upwrapBinary(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	flag := filepath.Join(dir, "done.flag")
	s := startShell(t, cleanEnv())
	at := s.await(t, "the prompt", 0, func(o string) bool { return strings.Contains(o, "PROMPT> ") })
	s.send(t, exe+" run --quiet --state-dir "+state+" --job z -- sh -c 'i=0; while [ $i -lt 20 ]; do echo tick$i; i=$((i+1)); sleep 0.05; done; touch "+flag+"'\n")
	at = s.await(t, "the command's output", at, func(o string) bool { return strings.Contains(o, "tick2") })
	rec := readRecordFile(t, state, "z")
	if rec.Child == nil {
		t.Fatal("the running record names no child")
	}

	s.send(t, "\x1a")
	at = s.await(t, "the job stopped and the prompt", at, func(o string) bool {
		i := strings.Index(o, "Stopped")
		return i >= 0 && strings.Contains(o[i:], "PROMPT> ")
	})
	if run := runningInGroup(rec.Child.PID); len(run) > 0 {
		out, _ := exec.Command("ps", "-eo", "pid,ppid,pgid,sid,tpgid,stat,args").Output()
		s.mu.Lock()
		t.Logf("screen:\n%s\nps:\n%s", s.screen.String(), out)
		s.mu.Unlock()
		t.Fatalf("after Ctrl-Z these processes of the command can still run (pid:state): %v", run)
	}
	if _, err := os.Stat(flag); err == nil {
		t.Fatal("the command finished although it was stopped")
	}

	s.send(t, "fg\n")
	s.await(t, "the job completing and the prompt", at, func(o string) bool {
		i := strings.Index(o, "tick19")
		return i >= 0 && strings.Contains(o[i:], "PROMPT> ")
	})
	if got := readRecordFile(t, state, "z"); got.State != marker.Succeeded {
		t.Fatalf("after fg the job is %s, want succeeded (%s)", got.State, got.Reason)
	}
}

func readRecordFile(t *testing.T, state, job string) *marker.Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(state, job+".json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := marker.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
