// Command statuspage measures a public status page at scale beside the limit: a page of N
// components backed by N monitors with a year of state changes, served by vigie's whole HTTP
// stack, and the same bytes served by a bare net/http handler, both loaded with wrk (Debian's
// package) in the same run. It also times one year of monthly SLA reports for M components.
//
//	go run ./bench/statuspage -components 500 -sla 1000
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"

	"vigie/internal/auth"
	"vigie/internal/clock"
	"vigie/internal/monitor"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store"
	"vigie/internal/store/sqlite"
	"vigie/internal/web"
)

func main() {
	components := flag.Int("components", 500, "components (one monitor each) on the page")
	slaComponents := flag.Int("sla", 1000, "components in the one-year SLA computation")
	duration := flag.Duration("duration", 10*time.Second, "wrk run per side")
	conns := flag.Int("connections", 64, "wrk connections")
	flag.Parse()
	if _, err := exec.LookPath("wrk"); err != nil {
		fail("wrk is missing: apt-get install wrk")
	}
	dir, err := os.MkdirTemp("", "vigie-bench-status")
	check(err)
	defer os.RemoveAll(dir)

	now := time.Now()
	st, err := sqlite.Open(filepath.Join(dir, "vigie.db"), nil)
	check(err)
	ctx := context.Background()
	_, err = st.Migrate(ctx)
	check(err)
	page, snaps, events := buildPage(ctx, st, *components, now)
	fmt.Printf("page: %d components, %d state changes over 365 days\n", *components, events)

	svc := status.NewService(status.Options{History: st, Monitors: func() []monitor.Snapshot { return snaps }})
	authSvc, err := auth.NewService(auth.Options{Store: st, Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	check(err)
	srv, err := web.New(web.Options{Auth: authSvc, Health: st, Clock: clock.Real{}, Logger: slog.New(slog.DiscardHandler),
		Status: svc, StatusPages: func() []*status.Page { return []*status.Page{page} }})
	check(err)
	vigieURL := serve(srv.Handler()) + "/status/bench"

	// The first request builds the view from the store: the cold cost, paid every 30 s.
	start := time.Now()
	body := fetch(vigieURL)
	fmt.Printf("cold build and render: %s, page %d KB (%d KB gzipped)\n", time.Since(start).Round(time.Millisecond), len(body)>>10, len(gzipped(vigieURL))>>10)

	// The limit: the same compressed bytes from a bare handler, no routing, headers or logs.
	zipped := gzipped(vigieURL)
	bare := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(zipped)
	}))
	vRPS, vP99 := wrk(vigieURL, *duration, *conns)
	bRPS, bP99 := wrk(bare, *duration, *conns)
	fmt.Printf("%-28s %12s %10s\n", "", "req/s", "p99")
	fmt.Printf("%-28s %12.0f %10s\n", "vigie /status/bench", vRPS, vP99)
	fmt.Printf("%-28s %12.0f %10s\n", "bare net/http, same bytes", bRPS, bP99)
	fmt.Printf("vigie serves %.2f of the limit's requests per second\n", vRPS/bRPS)

	fmt.Printf("one year of monthly SLA reports, %d components: %s (median of 5)\n", *slaComponents, slaYear(*slaComponents, now))
}

// buildPage stores a year of outages for n monitors: one every 10 days on average, 1 to 60
// minutes long, with the odd degraded afternoon.
func buildPage(ctx context.Context, st *store.Store, n int, now time.Time) (*status.Page, []monitor.Snapshot, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	var snaps []monitor.Snapshot
	page := &status.Page{Slug: "bench", Title: "Bench status", Location: time.UTC, Target: 0.999, Weights: sla.DefaultWeights()}
	var batch []monitor.Event
	total := 0
	for g := 0; g < (n+24)/25; g++ {
		group := status.Group{ID: fmt.Sprintf("g%d", g), Name: fmt.Sprintf("Region %d", g)}
		for c := g * 25; c < min(n, (g+1)*25); c++ {
			name := fmt.Sprintf("svc-%04d", c)
			group.Components = append(group.Components, status.Component{ID: name, Name: "Service " + strconv.Itoa(c), Monitors: []string{name}})
			snaps = append(snaps, monitor.Snapshot{Definition: &monitor.Definition{Name: name}, State: monitor.StateUp})
			t := now.AddDate(-1, 0, 0)
			batch = append(batch, monitor.Event{Monitor: name, At: t, State: monitor.StateUp})
			for {
				t = t.Add(time.Duration(rng.ExpFloat64() * float64(10*24*time.Hour)))
				if t.After(now.Add(-time.Hour)) {
					break
				}
				bad := monitor.StateDown
				if rng.IntN(4) == 0 {
					bad = monitor.StateDegraded
				}
				batch = append(batch, monitor.Event{Monitor: name, At: t, State: bad},
					monitor.Event{Monitor: name, At: t.Add(time.Duration(1+rng.IntN(60)) * time.Minute), State: monitor.StateUp})
			}
		}
		page.Groups = append(page.Groups, group)
	}
	for _, e := range batch {
		check(st.InsertEvent(ctx, e))
	}
	total = len(batch)
	return page, snaps, total
}

func serve(h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go http.Serve(ln, h)
	return "http://" + ln.Addr().String()
}

func fetch(url string) []byte {
	r, err := http.Get(url)
	check(err)
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	check(err)
	if r.StatusCode != 200 {
		fail(fmt.Sprintf("%s: %d", url, r.StatusCode))
	}
	return b
}

func gzipped(url string) []byte {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	r, err := http.DefaultTransport.RoundTrip(req)
	check(err)
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return b
}

var (
	rpsRE = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	p99RE = regexp.MustCompile(`\s99%\s+(\S+)`)
)

// wrk loads url as a browser would (gzip) and returns requests per second and p99 latency.
func wrk(url string, d time.Duration, conns int) (float64, string) {
	var out bytes.Buffer
	cmd := exec.Command("wrk", "-t2", "-c"+strconv.Itoa(conns), "-d"+d.String(), "--latency", "-H", "Accept-Encoding: gzip", url)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	check(cmd.Run())
	rps, p99 := rpsRE.FindStringSubmatch(out.String()), p99RE.FindStringSubmatch(out.String())
	if rps == nil || p99 == nil {
		fail("cannot read wrk's output:\n" + out.String())
	}
	v, _ := strconv.ParseFloat(rps[1], 64)
	return v, p99[1]
}

// slaYear computes 12 monthly reports for n components with a year of spans each.
func slaYear(n int, now time.Time) time.Duration {
	rng := rand.New(rand.NewPCG(3, 4))
	year := sla.Window{From: now.AddDate(-1, 0, 0), To: now}
	timelines := make([][]sla.Span, n)
	for i := range timelines {
		var evs []sla.Event
		for t := year.From; t.Before(now); t = t.Add(time.Duration(rng.ExpFloat64() * float64(10*24*time.Hour))) {
			evs = append(evs, sla.Event{At: t, Level: sla.MajorOutage}, sla.Event{At: t.Add(time.Duration(1+rng.IntN(60)) * time.Minute), Level: sla.Operational})
		}
		timelines[i] = sla.Timeline(year, sla.Operational, evs)
	}
	months := sla.Months(year.From, year.To, time.UTC)
	var runs []time.Duration
	for range 5 {
		start := time.Now()
		for _, tl := range timelines {
			for _, m := range months {
				sla.Compute(m, tl, nil, sla.DefaultWeights(), 0.999)
			}
		}
		runs = append(runs, time.Since(start))
	}
	slices.Sort(runs)
	return runs[2].Round(time.Millisecond)
}

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "statuspage:", msg)
	os.Exit(1)
}
