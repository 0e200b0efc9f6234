//go:build linux

// Command tree-latency measures what following the process tree costs
// (docs/design.md §5, "The process tree"), against the real binary:
//
//		go run ./scripts/tree-latency -upwrap ./upwrap [-base ./upwrap-before] [-n 100] [-cpu 60s]
//
//	  - the time from the tree's end to run's exit, p50 / p99 of n trials, for
//	    three ends: the command exits; a re-parented grandchild exits; a
//	    daemon(3)-style grandchild calls setsid() after closing its output
//	    (no event reaches upwrap: it is found by polling /proc). The helper
//	    stamps the time (CLOCK_REALTIME) just before the end; the harness
//	    stamps it when its wait for upwrap returns.
//	  - the CPU time (user + system, from wait4) upwrap spends while a command
//	    runs for -cpu, beside `timeout` running the same command in the same
//	    run; and while only a grandchild runs (the tree phase).
//	  - with -base, the wall time of `run -- true`, medians of n alternating
//	    runs of each binary: the cost of the record write that adds the
//	    child's identity.
//
// This binary is also the helper command (-child MODE FILE).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) == 4 && os.Args[1] == "-child" {
		child(os.Args[2], os.Args[3])
		return
	}
	bin := flag.String("upwrap", "upwrap", "the upwrap binary")
	base := flag.String("base", "", "an upwrap binary built before the child's identity was recorded, for the record-write cost")
	n := flag.Int("n", 100, "trials per figure")
	cpu := flag.Duration("cpu", 60*time.Second, "how long the command of the CPU figure runs")
	flag.Parse()
	if err := run(*bin, *base, *n, *cpu); err != nil {
		fmt.Fprintln(os.Stderr, "tree-latency:", err)
		os.Exit(1)
	}
}

// child is the helper: it ends the tree in one of three ways, writing the
// time just before.
func child(mode, file string) {
	stamp := func() {
		os.WriteFile(file, []byte(strconv.FormatInt(time.Now().UnixNano(), 10)), 0o600)
	}
	self, _ := os.Executable()
	switch mode {
	case "exit":
		stamp()
		os.Exit(0)
	case "orphan", "daemon":
		// Start the grandchild, holding the output, and exit at once.
		next := map[string]string{"orphan": "late-exit", "daemon": "late-setsid"}[mode]
		c := exec.Command(self, "-child", next, file)
		c.Stdout, c.Stderr = os.Stdout, os.Stderr
		if err := c.Start(); err != nil {
			os.Exit(2)
		}
		os.Exit(0)
	case "late-exit":
		time.Sleep(50 * time.Millisecond)
		stamp()
		os.Exit(0)
	case "late-setsid":
		null, _ := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		for fd := range 3 {
			unix.Dup2(int(null.Fd()), fd)
		}
		time.Sleep(50 * time.Millisecond)
		stamp()
		unix.Setsid()
		time.Sleep(2 * time.Second)
		os.Exit(0)
	}
	os.Exit(3)
}

func run(bin, base string, n int, cpu time.Duration) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tree-latency-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	state := filepath.Join(dir, "state")
	fmt.Printf("tree-latency: %s, %d trials per figure, load average %s\n", bin, n, loadavg())
	for _, mode := range []string{"timeout", "exit", "orphan", "daemon"} {
		var ds []time.Duration
		for i := range n {
			stampFile := filepath.Join(dir, "stamp")
			os.Remove(stampFile)
			c := exec.Command(bin, "run", "--quiet", "--state-dir", state, "--job", fmt.Sprintf("%s-%d", mode, i), "--", self, "-child", mode, stampFile)
			if mode == "timeout" {
				// The anchor: timeout(1) around the same command.
				c = exec.Command("timeout", "60", self, "-child", "exit", stampFile)
			}
			if err := c.Run(); err != nil {
				return fmt.Errorf("%s trial %d: %v", mode, i, err)
			}
			end := time.Now()
			b, err := os.ReadFile(stampFile)
			if err != nil {
				return fmt.Errorf("%s trial %d: no stamp: %v", mode, i, err)
			}
			ns, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			ds = append(ds, end.Sub(time.Unix(0, ns)))
		}
		p50, p99 := pct(ds, 0.50), pct(ds, 0.99)
		fmt.Printf("tree end -> exit, %-40s p50 %s  p99 %s  max %s\n", what(mode)+":", ms(p50), ms(p99), ms(slices.Max(ds)))
	}

	// CPU: upwrap beside timeout(1), the same command, at the same time.
	secs := strconv.FormatFloat(cpu.Seconds(), 'f', -1, 64)
	up := exec.Command(bin, "run", "--quiet", "--state-dir", state, "--job", "cpu", "--", "sleep", secs)
	to := exec.Command("timeout", strconv.Itoa(int(cpu.Seconds())+60), "sleep", secs)
	tree := exec.Command(bin, "run", "--quiet", "--state-dir", state, "--job", "cpu-tree", "--", "sh", "-c", "sleep "+secs+" & exit 0")
	for _, c := range []*exec.Cmd{up, to, tree} {
		if err := c.Start(); err != nil {
			return err
		}
	}
	for _, c := range []*exec.Cmd{up, to, tree} {
		if err := c.Wait(); err != nil {
			return err
		}
	}
	fmt.Printf("CPU while a %s command runs: upwrap %s, timeout %s; upwrap while only a grandchild runs (the tree phase) %s\n",
		cpu, ms(cpuOf(up)), ms(cpuOf(to)), ms(cpuOf(tree)))

	if base != "" {
		var with, without []time.Duration
		for i := range n {
			for _, b := range []string{bin, base} {
				st := filepath.Join(dir, "wall-"+strconv.Itoa(i)+filepath.Base(b))
				t0 := time.Now()
				if err := exec.Command(b, "run", "--quiet", "--state-dir", st, "--job", "t", "--", "true").Run(); err != nil {
					return err
				}
				d := time.Since(t0)
				if b == bin {
					with = append(with, d)
				} else {
					without = append(without, d)
				}
				os.RemoveAll(st)
			}
		}
		fmt.Printf("run -- true, median of %d: %s, before the identity write %s: +%s\n", n, ms(pct(with, 0.5)), ms(pct(without, 0.5)), ms(pct(with, 0.5)-pct(without, 0.5)))
	}
	return nil
}

func what(mode string) string {
	return map[string]string{"timeout": "anchor: timeout(1), the command exits", "exit": "the command exits", "orphan": "a re-parented grandchild exits", "daemon": "a grandchild calls setsid()"}[mode]
}

func cpuOf(c *exec.Cmd) time.Duration {
	ru := c.ProcessState.SysUsage().(*syscall.Rusage)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1)*p + 0.5)
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
