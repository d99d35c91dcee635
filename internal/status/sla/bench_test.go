package sla_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"vigie/internal/status/sla"
)

// BenchmarkComputeYear is the monthly SLA page of one component: a year of history with about two
// state changes a day (about 1,460 spans) and a maintenance window a week, reported as 12 calendar months.
func BenchmarkComputeYear(b *testing.B) {
	paris := mustLoad(b, "Europe/Paris")
	year := sla.Window{From: time.Date(2025, 1, 1, 0, 0, 0, 0, paris), To: time.Date(2026, 1, 1, 0, 0, 0, 0, paris)}
	rng := rand.New(rand.NewPCG(7, 8))
	var events []sla.Event
	var maintenance []sla.Window
	for d := year.From; d.Before(year.To); d = d.AddDate(0, 0, 1) {
		down := d.Add(time.Duration(rng.Int64N(int64(20 * time.Hour))))
		events = append(events,
			sla.Event{At: down, Level: sla.Level(1 + rng.IntN(3))},
			sla.Event{At: down.Add(time.Duration(1+rng.IntN(90)) * time.Minute), Level: sla.Operational})
		if d.Weekday() == time.Sunday {
			maintenance = append(maintenance, sla.Window{From: d.Add(2 * time.Hour), To: d.Add(4 * time.Hour)})
		}
	}
	spans := sla.Timeline(year, sla.Operational, events)
	months := sla.Months(year.From, year.To, paris)
	for b.Loop() {
		for _, m := range months {
			sla.Compute(m, spans, maintenance, sla.DefaultWeights(), 0.999)
		}
	}
}
