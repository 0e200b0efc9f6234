//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Markers of the generated part of the README's Performance section.
const (
	beginMark = "<!-- scripts/bench: begin (generated; edit scripts/bench, not these figures) -->"
	endMark   = "<!-- scripts/bench: end -->"
)

// cmdReport reads the results directory that scripts/bench filled, prints
// the Performance section and, with -readme, replaces the generated part of
// that section in README.md (adding the section at the end if it has none).
func cmdReport(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	dir := fs.String("results", "", "results directory of scripts/bench")
	readme := fs.String("readme", "", "README.md to update (empty: print only)")
	fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("-results is required")
	}
	r := &results{dir: *dir}
	md, err := r.markdown()
	if err != nil {
		return err
	}
	fmt.Print(md)
	if *readme == "" {
		return nil
	}
	return updateReadme(*readme, md)
}

type results struct {
	dir string
}

func (r *results) path(name string) string { return filepath.Join(r.dir, name) }

// env reads a key=value file.
func (r *results) env(name string) (map[string]string, error) {
	b, err := os.ReadFile(r.path(name))
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m, nil
}

// hfRun is one command of a hyperfine export.
type hfRun struct {
	Command string    `json:"command"`
	Median  float64   `json:"median"`
	Mean    float64   `json:"mean"`
	Times   []float64 `json:"times"`
}

// hyperfine reads the exports matching glob, one per round, and returns
// per command the medians of the rounds, in round order.
func (r *results) hyperfine(glob string) (map[string][]time.Duration, int, error) {
	files, err := filepath.Glob(r.path(glob))
	if err != nil || len(files) == 0 {
		return nil, 0, fmt.Errorf("no hyperfine results %s in %s", glob, r.dir)
	}
	slices.Sort(files)
	out := map[string][]time.Duration{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, 0, err
		}
		var doc struct {
			Results []hfRun `json:"results"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", f, err)
		}
		for _, res := range doc.Results {
			out[res.Command] = append(out[res.Command], secs(res.Median))
		}
	}
	return out, len(files), nil
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func median(ds []time.Duration) time.Duration { return summarize(ds).P50 }

// ratios returns a[i]/b[i] for each round.
func ratios(a, b []time.Duration) []float64 {
	var out []float64
	for i := range min(len(a), len(b)) {
		if b[i] > 0 {
			out = append(out, float64(a[i])/float64(b[i]))
		}
	}
	return out
}

// spread formats the median of xs and, with more than one round, the range.
func spread(xs []float64, format string) string {
	if len(xs) == 0 {
		return "n/a"
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	med := s[(len(s)-1)/2]
	if len(s) == 1 {
		return fmt.Sprintf(format, med)
	}
	return fmt.Sprintf(format+" ("+format+"–"+format+")", med, s[0], s[len(s)-1])
}

// ms formats a duration in milliseconds with sensible precision.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 0.1:
		return fmt.Sprintf("%.1f µs", v*1000)
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.2f ms", v)
	}
}

func mib(bytes float64) string { return fmt.Sprintf("%.1f MiB", bytes/(1<<20)) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// maxRSS reads "Maximum resident set size (kbytes)" from /usr/bin/time -v.
func (r *results) maxRSS(name string) (float64, error) {
	b, err := os.ReadFile(r.path(name))
	if err != nil {
		return 0, err
	}
	m := regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`).FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("%s: no maximum resident set size", name)
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	return kb * 1024, nil
}

func (r *results) durEnv(m map[string]string, key string) time.Duration {
	n, _ := strconv.ParseInt(m[key], 10, 64)
	return time.Duration(n)
}

func (r *results) markdown() (string, error) {
	mach, err := r.env("machine.env")
	if err != nil {
		return "", err
	}
	params, err := r.env("params.env")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Measured by `bash scripts/bench` on %s: %s × %s, Linux %s, state directory on %s; %s; load average %s at the start, %s at the end.\n",
		mach["date"], mach["nproc"], mach["cpu"], mach["kernel"], mach["fs"], mach["go"], mach["load_start"], mach["load_end"])
	fmt.Fprintf(&b, "Every upwrap figure is beside its anchor measured in the same run; ratios are taken within one round (%s rounds of hyperfine, %s runs per command, medians), and the table shows their median and, in brackets, their range over the rounds. The binary is built as scripts/release builds it (`-trimpath -tags urfave_cli_no_docs -ldflags=\"-s -w\"`).\n\n",
		params["rounds"], params["runs"])
	b.WriteString("| | what | upwrap | anchor, same run | ratio | target | |\n|---|---|---|---|---|---|---|\n")

	sizes, err := r.env("sizes.env")
	if err != nil {
		return "", err
	}
	// P1, P2, P6 (startup): the rounds of the startup group.
	st, _, err := r.hyperfine("startup-*.json")
	if err != nil {
		return "", err
	}
	p1 := ratios(st["skip"], st["timeout"])
	p1max := 1.5
	fmt.Fprintf(&b, "| P1 | `run` of a job that already succeeded (skip path) | %s | `timeout 60 true` %s | %s | ≤ %.1f× | %s |\n",
		ms(median(st["skip"])), ms(median(st["timeout"])), spread(p1, "%.2f×"), p1max, verdict(medianF(p1) <= p1max))
	if len(st["skip-plain"]) > 0 {
		p1p := ratios(st["skip-plain"], st["timeout"])
		fmt.Fprintf(&b, "| P1 | the same, plain `go build` (%s) | %s | `timeout 60 true` %s | %s | ≤ %.1f× | %s |\n",
			plainBuild(sizes), ms(median(st["skip-plain"])), ms(median(st["timeout"])), spread(p1p, "%.2f×"), p1max, verdict(medianF(p1p) <= p1max))
	}

	// P2: the overhead over true, against the floor minwrap measured in
	// the same hyperfine runs.
	w, err := r.replacePairs("minwrap-times.txt")
	if err != nil {
		return "", err
	}
	over := make([]time.Duration, 0, len(st["runtrue"]))
	for i := range min(len(st["runtrue"]), len(st["true"])) {
		over = append(over, st["runtrue"][i]-st["true"][i])
	}
	budget := median(w) + time.Millisecond
	fmt.Fprintf(&b, "| P2 | `run -- true`, over `true` itself (%s) | +%s | fsync floor: two bare fsync'd replaces %s, + 1 ms = %s; a minimal Go wrapper doing just that: +%s | %s | ≤ floor + 1 ms | %s |\n",
		ms(median(st["true"])), ms(median(over)), ms(median(w)), ms(budget),
		ms(median(st["minwrap"])-median(st["true"])), spread(ratiosTo(over, budget), "%.2f×")+" of budget", verdict(median(over) <= budget))

	// P3.
	p3, err := r.env("p3.env")
	if err != nil {
		return "", err
	}
	up50, up99 := r.durEnv(p3, "p3_upwrap_durable_p50_ns"), r.durEnv(p3, "p3_upwrap_durable_p99_ns")
	fl50, fl99 := r.durEnv(p3, "p3_floor_p50_ns"), r.durEnv(p3, "p3_floor_p99_ns")
	ct50, ct99 := r.durEnv(p3, "p3_control_durable_p50_ns"), r.durEnv(p3, "p3_control_durable_p99_ns")
	rn50 := r.durEnv(p3, "p3_upwrap_rename_p50_ns")
	r50, r99 := float64(up50)/float64(fl50), float64(up99)/float64(fl99)
	fmt.Fprintf(&b, "| P3 | SIGTERM → durable `rebooting` record, p50 / p99 of %s trials (renamed record visible: p50 %s) | %s / %s | bare fsync'd replace %s / %s; a program doing only that replace on SIGTERM, timed alike: %s / %s | %.2f× / %.2f× (of the program: %.2f× / %.2f×) | ≤ 2× | %s |\n",
		p3["p3_upwrap_durable_n"], ms(rn50), ms(up50), ms(up99), ms(fl50), ms(fl99), ms(ct50), ms(ct99), r50, r99,
		float64(up50)/float64(ct50), float64(up99)/float64(ct99), verdict(r50 <= 2 && r99 <= 2))

	// P4.
	bytesOut, _ := strconv.ParseFloat(params["bytes"], 64)
	p4, rounds4, err := r.hyperfine("p4-*.json")
	if err != nil {
		return "", err
	}
	for _, side := range []struct{ key, what string }{{"null", "/dev/null"}, {"pipe", "a pipe"}} {
		up, tee := p4["upwrap-"+side.key], p4["tee-"+side.key]
		if len(up) == 0 {
			continue
		}
		rs := ratios(tee, up) // throughput ratio = inverse time ratio
		fmt.Fprintf(&b, "| P4 | %s of output through `run`, terminal side %s, and the log | %s | `child \\| tee log` %s | %s | ≥ 0.9× | %s |\n",
			mib(bytesOut), side.what, rate(bytesOut, median(up)), rate(bytesOut, median(tee)), spread(rs, "%.2f×"), verdict(medianF(rs) >= 0.9))
	}
	_ = rounds4

	// P5.
	rss, err := r.maxRSS("p5-run-rss.txt")
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "| P5 | peak RSS of `run` at %s of output | %s | | | ≤ 20 MiB | %s |\n", mib(bytesOut), mib(rss), verdict(rss <= 20<<20))
	sa, _, err := r.hyperfine("status-*.json")
	if err != nil {
		return "", err
	}
	srss, err := r.maxRSS("p5-status-rss.txt")
	if err != nil {
		return "", err
	}
	sm := median(sa["status"])
	fmt.Fprintf(&b, "| P5 | `status --all` over %s jobs: time, peak RSS | %s, %s | | | ≤ 200 ms, ≤ 50 MiB | %s |\n",
		params["jobs"], ms(sm), mib(srss), verdict(sm <= 200*time.Millisecond && srss <= 50<<20))
	if sj := sa["status-json"]; len(sj) > 0 {
		fmt.Fprintf(&b, "| P5 | `status --all --json` over %s jobs: time | %s | | | ≤ 200 ms | %s |\n",
			params["jobs"], ms(median(sj)), verdict(median(sj) <= 200*time.Millisecond))
	}

	// P6.
	lin, _ := strconv.ParseFloat(sizes["linux_amd64"], 64)
	win, _ := strconv.ParseFloat(sizes["windows_amd64"], 64)
	fmt.Fprintf(&b, "| P6 | stripped binary, linux/amd64 / windows/amd64 | %s / %s | | | reported | |\n", mib(lin), mib(win))
	fmt.Fprintf(&b, "| P6 | `upwrap version` startup | %s | `true` %s; `timeout 60 true` %s | %s of `true` | reported | |\n",
		ms(median(st["version"])), ms(median(st["true"])), ms(median(st["timeout"])), spread(ratios(st["version"], st["true"]), "%.2f×"))
	if len(st["version-plain"]) > 0 {
		pl, _ := strconv.ParseFloat(sizes["linux_amd64_plain"], 64)
		fmt.Fprintf(&b, "| P6 | the same, plain `go build` (%s): startup, linux/amd64 size | %s, %s | `true` %s | %s of `true` | reported | |\n",
			plainBuild(sizes), ms(median(st["version-plain"])), mib(pl), ms(median(st["true"])), spread(ratios(st["version-plain"], st["true"]), "%.2f×"))
	}

	gb, err := r.goBench()
	if err != nil {
		return "", err
	}
	b.WriteString("\n")
	b.WriteString(gb)
	return b.String(), nil
}

func medianF(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func ratiosTo(ds []time.Duration, d time.Duration) []float64 {
	var out []float64
	for _, x := range ds {
		out = append(out, float64(x)/float64(d))
	}
	return out
}

func rate(bytes float64, d time.Duration) string {
	if d <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MiB/s", bytes/(1<<20)/d.Seconds())
}

// replacePairs reads minwrap's "w1 w2" lines and returns w1+w2 per run.
func (r *results) replacePairs(name string) ([]time.Duration, error) {
	f, err := os.Open(r.path(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []time.Duration
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var a, b int64
		if _, err := fmt.Sscanf(sc.Text(), "%d %d", &a, &b); err == nil {
			out = append(out, time.Duration(a+b))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no samples", name)
	}
	return out, sc.Err()
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+([\d.]+) ns/op(?:\s+([\d.]+) MB/s)?(?:\s+(\d+) B/op)?(?:\s+(\d+) allocs/op)?`)

// goBench turns gobench.txt into a table, with the durable write beside
// the bare replace measured in the same go test run.
func (r *results) goBench() (string, error) {
	raw, err := os.ReadFile(r.path("gobench.txt"))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("In-process paths (`go test -bench`, same run):\n\n| benchmark | time/op | throughput | allocs/op |\n|---|---|---|---|\n")
	ns := map[string]float64{}
	pkg := ""
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if p, ok := bytes.CutPrefix(line, []byte("pkg: ")); ok {
			pkg = strings.TrimPrefix(string(p), "github.com/upwrap/upwrap")
			pkg = strings.TrimPrefix(pkg, "/")
			if pkg == "" {
				pkg = "main"
			}
			continue
		}
		m := benchLine.FindSubmatch(line)
		if m == nil {
			continue
		}
		name := pkg + "." + strings.TrimPrefix(string(m[1]), "Benchmark")
		v, _ := strconv.ParseFloat(string(m[3]), 64)
		ns[name] = v
		tp := ""
		if len(m[4]) > 0 {
			tp = string(m[4]) + " MB/s"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, ms(time.Duration(v)), tp, string(m[6]))
	}
	if w, f := ns["marker.Write"], ns["marker.ReplaceFloor"]; w > 0 && f > 0 {
		fmt.Fprintf(&b, "\nA durable record write costs %.2f× the bare fsync'd replace of the same bytes in the same run.\n", w/f)
	}
	return b.String(), nil
}

// updateReadme replaces the generated part of the Performance section, or
// appends the section.
func updateReadme(path, md string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(old)
	block := beginMark + "\n" + md + endMark + "\n"
	i, j := strings.Index(s, beginMark), strings.Index(s, endMark)
	switch {
	case i >= 0 && j > i:
		s = s[:i] + block + strings.TrimPrefix(s[j+len(endMark):], "\n")
	default:
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		s += "\n## Performance\n\n" + perfIntro + "\n" + block
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

// perfIntro opens a new Performance section.
const perfIntro = `upwrap is on the path of every upgrade and of every agent restart, and on the shutdown path. ` +
	"`bash scripts/bench` measures it beside what users would run instead, on the same machine in the same run " +
	"(it installs hyperfine and GNU time from Debian's packages, and takes about ten minutes). " +
	"The figures are benchmarks, not tests: nothing fails when a target is missed.\n"

// plainBuild says what the plain go build of this run links.
func plainBuild(sizes map[string]string) string {
	if sizes["plain_cgo"] == "1" {
		return "cgo on: libc linked dynamically, for net and os/user; urfave/cli's docs generator linked in"
	}
	return "urfave/cli's docs generator linked in"
}
