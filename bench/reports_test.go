package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"vigie/internal/clock"
	"vigie/internal/monitor"
	"vigie/internal/report"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store/storetest"
)

// reportComponents is how many components the one-year SLA report covers.
const reportComponents = 1000

// BenchmarkSLAReportYear makes the twelve monthly SLA reports of 2026 for a status page of
// 1,000 components, each backed by a monitor with an outage every ten days on average (about
// 74,000 stored state changes), the way the API and `vigie report sla` do: state changes read
// from SQLite, timelines per monitor and component, each component's and the page's figures,
// episodes and daily burn. The limit is the arithmetic alone: sla.Compute of each month on
// timelines already in memory (what bench/statuspage times).
func BenchmarkSLAReportYear(b *testing.B) {
	year := sla.Window{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	months := sla.Months(year.From, year.To, time.UTC)
	rng := rand.New(rand.NewPCG(3, 4))
	page := &status.Page{Slug: "bench", Title: "Bench", Location: time.UTC, Target: 0.999, Weights: sla.DefaultWeights()}
	var snaps []monitor.Snapshot
	var events []monitor.Event
	timelines := make([][]sla.Span, reportComponents)
	for g := range reportComponents / 25 {
		group := status.Group{ID: fmt.Sprintf("g%d", g), Name: fmt.Sprintf("Region %d", g)}
		for c := g * 25; c < (g+1)*25; c++ {
			name := fmt.Sprintf("svc-%04d", c)
			group.Components = append(group.Components, status.Component{ID: name, Name: name, Monitors: []string{name}})
			snaps = append(snaps, monitor.Snapshot{Definition: &monitor.Definition{Name: name}, State: monitor.StateUp})
			var evs []sla.Event
			events = append(events, monitor.Event{Monitor: name, At: year.From.Add(-time.Hour), State: monitor.StateUp})
			for t := year.From; ; {
				t = t.Add(time.Duration(rng.ExpFloat64() * float64(10*24*time.Hour)))
				if !t.Before(year.To.Add(-time.Hour)) {
					break
				}
				end := t.Add(time.Duration(1+rng.IntN(60)) * time.Minute)
				events = append(events, monitor.Event{Monitor: name, At: t, State: monitor.StateDown},
					monitor.Event{Monitor: name, At: end, State: monitor.StateUp})
				evs = append(evs, sla.Event{At: t, Level: sla.MajorOutage}, sla.Event{At: end, Level: sla.Operational})
			}
			timelines[c] = sla.Timeline(year, sla.Operational, evs)
		}
		page.Groups = append(page.Groups, group)
	}

	b.Run("limit=sla-compute", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, tl := range timelines {
				for _, m := range months {
					sla.Compute(m, tl, nil, sla.DefaultWeights(), 0.999)
				}
			}
		}
	})

	db := storetest.OpenSQLite(b)
	tx, err := db.Raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range events {
		if _, err := tx.Exec(`INSERT INTO monitor_events (monitor, at, state, previous, reason) VALUES (?, ?, ?, '', '')`,
			e.Monitor, e.At.UnixMicro(), string(e.State)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	clk := clock.NewFake(year.To.Add(time.Hour))
	records := status.NewService(status.Options{History: db.Store, Clock: clk, Monitors: func() []monitor.Snapshot { return snaps }})
	svc := report.NewService(report.Options{Records: records, Clock: clk})
	b.Run("vigie", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, m := range months {
				r, err := svc.SLA(context.Background(), page, report.MonthOf(m.From, time.UTC))
				if err != nil {
					b.Fatal(err)
				}
				if len(r.Components) != reportComponents || !r.Complete {
					b.Fatalf("report of %s: %d components, complete %v", r.Month, len(r.Components), r.Complete)
				}
			}
		}
	})
}
