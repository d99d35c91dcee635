package slo_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"vigie/internal/alert"
	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/monitor"
	"vigie/internal/slo"
	"vigie/internal/store"
	"vigie/internal/store/storetest"
)

// world is a real SQLite store, the real alert engine, and an SLO engine on a clock the test
// moves; a monitor "api" is checked every `every` at a steady error rate.
type world struct {
	t      *testing.T
	ctx    context.Context
	store  *store.Store
	clock  *clock.Fake
	alerts *alert.Engine
	slos   *slo.Engine
	checks int           // results written so far
	rate   float64       // share of bad results
	every  time.Duration // between checks
}

func newWorld(t *testing.T, rate float64, every time.Duration) *world {
	w := &world{t: t, ctx: context.Background(), store: storetest.OpenSQLite(t).Store,
		clock: clock.NewFake(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)), rate: rate, every: every}
	w.alerts = alert.NewEngine(alert.Options{Store: w.store, Clock: w.clock})
	objectives := []slo.Objective{{Name: "api-availability", Target: 0.999, Window: 30 * 24 * time.Hour, Monitors: []string{"api"},
		Labels: map[string]string{"team": "platform"}}}
	w.slos = slo.NewEngine(slo.Options{Counts: w.store, Alerts: w.alerts, Clock: w.clock,
		Objectives: func() []slo.Objective { return objectives }})
	return w
}

// run moves the clock by d in steps of step: each step writes the check results of the time
// that passed (bad ones spread evenly at the world's rate), rolls up an hour once it is over as
// the monitor engine does, and lets the SLO engine evaluate. It returns the first time an SLO
// alert of kind watch was open, or the zero time.
func (w *world) run(d, step time.Duration, watch string) time.Time {
	w.t.Helper()
	var seen time.Time
	for end := w.clock.Now().Add(d); w.clock.Now().Before(end); {
		from := w.clock.Now()
		w.clock.Advance(step)
		var rs []monitor.Result
		for at := from; at.Before(w.clock.Now()); at = at.Add(w.every) {
			// Bresenham: result i is bad when the running count of bad results steps up.
			st := monitor.StatusUp
			if math.Floor(float64(w.checks+1)*w.rate) > math.Floor(float64(w.checks)*w.rate) {
				st = monitor.StatusDown
			}
			rs = append(rs, monitor.Result{Monitor: "api", At: at, Duration: 40 * time.Millisecond, Status: st})
			w.checks++
		}
		if err := w.store.InsertResults(w.ctx, rs); err != nil {
			w.t.Fatal(err)
		}
		now := w.clock.Now()
		if hour := now.Truncate(time.Hour); from.Before(hour) {
			if _, err := w.store.RollupHours(w.ctx, hour.Add(-time.Hour), hour); err != nil {
				w.t.Fatal(err)
			}
		}
		if err := w.slos.Tick(w.ctx); err != nil {
			w.t.Fatal(err)
		}
		if a := w.open(); a != nil && a.Kind == watch && seen.IsZero() {
			seen = now
		}
		if a := w.open(); a != nil && a.Kind == alert.KindSLOPage && watch != alert.KindSLOPage {
			w.t.Fatalf("at %v a page opened: %s", now.Sub(w.start()), a.Reason)
		}
	}
	return seen
}

func (w *world) start() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }

func (w *world) open() *alert.Alert {
	w.t.Helper()
	a, err := w.store.OpenAlertFor(w.ctx, "slo:api-availability", false)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// TestBurnAt15xPages: errors at 15 times the sustainable rate (1.5 % against a 99.9 % objective)
// open a page within the short window of 5 minutes.
func TestBurnAt15xPages(t *testing.T) {
	w := newWorld(t, 0.015, time.Second)
	paged := w.run(10*time.Minute, 30*time.Second, alert.KindSLOPage)
	if paged.IsZero() || paged.Sub(w.start()) > 5*time.Minute {
		t.Fatalf("page alert at %v after the errors began, want within 5 min", paged.Sub(w.start()))
	}
	a := w.open()
	if a.Severity != "critical" || a.Labels["slo"] != "api-availability" || a.Labels["team"] != "platform" || !strings.HasPrefix(a.Reason, "error budget burning ") {
		t.Errorf("alert: %+v", a)
	}
	sts, err := w.slos.Current(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := sts[0]
	fast := st.Rules[0]                                                                                                        // page, 14.4× over 1 h and 5 min
	if st.Firing != alert.KindSLOPage || !fast.Firing || math.Abs(fast.LongRate-15) > 0.6 || math.Abs(fast.ShortRate-15) > 2 { // 4 or 5 bad of 300 in 5 min
		t.Errorf("status: firing %q, fast rule %+v", st.Firing, fast)
	}
	if st.Total != 600 || st.Bad != 9 || math.Abs(st.BudgetLeft-(1-15)) > 0.01 {
		t.Errorf("window: %d results, %d bad, budget left %v; want 600, 9, -14", st.Total, st.Bad, st.BudgetLeft)
	}
}

// TestBurnAt2xOnlyTickets: errors at twice the sustainable rate never page, but the slow
// ticket rule (1× over 3 days and 6 hours) opens a ticket.
func TestBurnAt2xOnlyTickets(t *testing.T) {
	w := newWorld(t, 0.002, 5*time.Second)
	ticket := w.run(7*time.Hour, 5*time.Minute, alert.KindSLOTicket)
	if ticket.IsZero() {
		t.Fatal("no ticket in seven hours at 2×")
	}
	a := w.open()
	if a == nil || a.Kind != alert.KindSLOTicket || a.Severity != "warning" {
		t.Fatalf("alert: %+v", a)
	}
	sts, _ := w.slos.Current(w.ctx)
	for _, r := range sts[0].Rules {
		if r.Firing != (r.Name == "ticket" && r.Factor == 1) {
			t.Errorf("rule %s %v×: firing %v at rates %.2f and %.2f", r.Name, r.Factor, r.Firing, r.LongRate, r.ShortRate)
		}
	}
	// The results older than two hours come from hourly rollups by now: the counts still add up.
	if st := sts[0]; st.Total != 7*720 || st.Bad != 10 {
		t.Errorf("window: %d results, %d bad; want %d and 10", st.Total, st.Bad, 7*720)
	}

	// The errors stop: once the ticket rule's short window (6 h) is clean enough, it resolves.
	w.rate = 0
	w.run(6*time.Hour, 15*time.Minute, "")
	if a := w.open(); a != nil {
		t.Fatalf("still open after six clean hours: %+v", a)
	}
}

func TestNoResultsNoAlert(t *testing.T) {
	w := newWorld(t, 0, time.Second)
	w.clock.Advance(time.Hour)
	if err := w.slos.Tick(w.ctx); err != nil {
		t.Fatal(err)
	}
	sts, _ := w.slos.Current(w.ctx)
	if w.open() != nil || sts[0].HasData || sts[0].BudgetLeft != 1 || sts[0].Firing != "" {
		t.Fatalf("without results: %+v", sts[0])
	}
}
