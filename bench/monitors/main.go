// Command monitors measures vigie's monitor engine at scale beside the limit: N HTTP
// monitors on an interval against local servers, run once by vigie's engine (scheduling,
// probe, conditions, thresholds, result storage in SQLite) and once by a bare Go loop making
// the same requests. Each side runs in a process of its own, and the servers in a third, so
// CPU and memory figures are the client's alone.
//
//	go run ./bench/monitors -n 10000 -interval 30s -duration 95s
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"vigie/internal/check"
	"vigie/internal/check/cond"
	"vigie/internal/monitor"
	"vigie/internal/store/sqlite"
)

type report struct {
	Mode          string  `json:"mode"`
	Monitors      int     `json:"monitors"`
	Checks        int64   `json:"checks"`
	Failures      int64   `json:"failures"`
	CPUPerCheckUS float64 `json:"cpu_per_check_us"`
	RSSPerMonKiB  float64 `json:"rss_per_monitor_kib"`
	LatenessP50MS float64 `json:"lateness_p50_ms"`
	LatenessP99MS float64 `json:"lateness_p99_ms"`
}

func main() {
	mode := flag.String("mode", "", "internal: serve, vigie or loop")
	n := flag.Int("n", 10000, "monitors")
	interval := flag.Duration("interval", 30*time.Second, "check interval")
	duration := flag.Duration("duration", 95*time.Second, "measured run time, after one interval of warm-up")
	servers := flag.String("servers", "", "internal: comma-separated server URLs")
	flag.Parse()
	switch *mode {
	case "serve":
		serve()
	case "vigie", "loop":
		r := measure(*mode, *n, *interval, *duration, strings.Split(*servers, ","))
		json.NewEncoder(os.Stdout).Encode(r)
	default:
		drive(*n, *interval, *duration)
	}
}

// drive starts the servers and both sides, and prints the comparison.
func drive(n int, interval, duration time.Duration) {
	self, _ := os.Executable()
	srv := exec.Command(self, "-mode", "serve")
	out, _ := srv.StdoutPipe()
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		panic(err)
	}
	defer srv.Process.Kill()
	urls, _ := bufio.NewReader(out).ReadString('\n')
	urls = strings.TrimSpace(urls)

	var reports []report
	for _, mode := range []string{"loop", "vigie"} {
		cmd := exec.Command(self, "-mode", mode, "-n", strconv.Itoa(n), "-interval", interval.String(),
			"-duration", duration.String(), "-servers", urls)
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			panic(fmt.Sprintf("%s: %v", mode, err))
		}
		var r report
		if err := json.Unmarshal(b, &r); err != nil {
			panic(err)
		}
		reports = append(reports, r)
	}
	limit, v := reports[0], reports[1]
	fmt.Printf("%d HTTP monitors, every %s, measured over %s (after one interval of warm-up)\n\n", n, interval, duration)
	fmt.Printf("%-22s %14s %14s %8s\n", "", "bare Go loop", "vigie", "ratio")
	row := func(name string, a, b float64, unit string) {
		fmt.Printf("%-22s %11.1f %-2s %11.1f %-2s %8.2f\n", name, a, unit, b, unit, b/a)
	}
	row("CPU per check", limit.CPUPerCheckUS, v.CPUPerCheckUS, "µs")
	row("RSS per monitor", limit.RSSPerMonKiB, v.RSSPerMonKiB, "KiB")
	fmt.Printf("%-22s %11.1f ms %11.1f ms\n", "start lateness p50", limit.LatenessP50MS, v.LatenessP50MS)
	fmt.Printf("%-22s %11.1f ms %11.1f ms\n", "start lateness p99", limit.LatenessP99MS, v.LatenessP99MS)
	fmt.Printf("%-22s %14d %14d\n", "checks", limit.Checks, v.Checks)
	fmt.Printf("%-22s %14d %14d\n", "failed checks", limit.Failures, v.Failures)
}

// serve runs 8 HTTP servers on loopback (several, so client ports in TIME_WAIT do not run out)
// and prints their URLs.
func serve() {
	var urls []string
	for range 8 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"status": "ok"}`)
		})}
		go s.Serve(ln)
		urls = append(urls, "http://"+ln.Addr().String()+"/health")
	}
	fmt.Println(strings.Join(urls, ","))
	select {}
}

func rssKiB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[1], 64)
			return v
		}
	}
	return 0
}

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// lateness collects start delays.
type lateness struct {
	mu      sync.Mutex
	samples []time.Duration
	on      bool
}

func (l *lateness) add(d time.Duration) {
	l.mu.Lock()
	if l.on {
		l.samples = append(l.samples, d)
	}
	l.mu.Unlock()
}

func (l *lateness) quantile(q float64) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.samples) == 0 {
		return 0
	}
	s := slices.Clone(l.samples)
	slices.Sort(s)
	return float64(s[int(q*float64(len(s)-1))]) / float64(time.Millisecond)
}

func measure(mode string, n int, interval, duration time.Duration, urls []string) report {
	base := rssKiB()
	var late lateness
	var checks, failures counter
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	switch mode {
	case "loop":
		runLoop(ctx, n, interval, urls, &late, &checks, &failures)
	default:
		runVigie(ctx, n, interval, urls, &late, &checks, &failures)
	}
	time.Sleep(interval) // warm-up: every monitor has started
	late.mu.Lock()
	late.on = true
	late.mu.Unlock()
	c0, k0 := cpu(), checks.get()
	time.Sleep(duration)
	c1, k1 := cpu(), checks.get()
	rss := rssKiB()
	r := report{Mode: mode, Monitors: n, Checks: k1 - k0, Failures: failures.get(),
		CPUPerCheckUS: float64((c1 - c0).Microseconds()) / float64(max(k1-k0, 1)),
		RSSPerMonKiB:  (rss - base) / float64(n),
		LatenessP50MS: late.quantile(.5), LatenessP99MS: late.quantile(.99)}
	return r
}

type counter struct {
	mu sync.Mutex
	n  int64
}

func (c *counter) add() { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *counter) get() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// runLoop is the limit: one goroutine per monitor, a fresh connection per request (as vigie's
// probe does), start to start on the interval.
func runLoop(ctx context.Context, n int, interval time.Duration, urls []string, late *lateness, checks, failures *counter) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	for i := range n {
		url := urls[i%len(urls)]
		go func() {
			next := start.Add(interval * time.Duration(i) / time.Duration(n))
			for ctx.Err() == nil {
				time.Sleep(time.Until(next))
				late.add(time.Since(next))
				resp, err := client.Get(url)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != 200 {
					failures.add()
				}
				checks.add()
				next = next.Add(interval)
			}
		}()
	}
}

// runVigie is the engine as `vigie serve` runs it, with an SQLite store in a temp dir.
func runVigie(ctx context.Context, n int, interval time.Duration, urls []string, late *lateness, checks, failures *counter) {
	dir, _ := os.MkdirTemp("", "vigie-bench")
	st, err := sqlite.Open(filepath.Join(dir, "bench.db"), nil)
	if err != nil {
		panic(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		panic(err)
	}
	statusOK, err := cond.Compile("status == 200", check.Schema("http"))
	if err != nil {
		panic(err)
	}
	defs := make([]monitor.Definition, n)
	for i := range defs {
		p, err := check.New(check.Spec{Kind: "http", URL: urls[i%len(urls)], Timeout: 10 * time.Second})
		if err != nil {
			panic(err)
		}
		defs[i] = monitor.Definition{Name: fmt.Sprintf("m%05d", i), Kind: "http", Interval: interval,
			Timeout: 10 * time.Second, Probe: countingProbe{p, checks, failures}, Conditions: []*cond.Expr{statusOK},
			FailureThreshold: 2, SuccessThreshold: 2}
	}
	e := monitor.NewEngine(monitor.Options{Store: st, OnLateness: late.add})
	if err := e.Load(ctx, defs); err != nil {
		panic(err)
	}
	go e.Run(ctx, nil)
}

type countingProbe struct {
	p                check.Probe
	checks, failures *counter
}

func (c countingProbe) Run(ctx context.Context) check.Result {
	r := c.p.Run(ctx)
	c.checks.add()
	if r.Err != nil {
		c.failures.add()
	}
	return r
}
