package status_test

import (
	"context"
	"testing"
	"time"

	"vigie/internal/clock"
	"vigie/internal/monitor"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store/storetest"
)

// A component's response time is its monitors' hourly results rolled up by the store: the
// mean weighted by checks, the slowest p95, heartbeats left out, hours without checks absent.
func TestComponentLatencyFromRollups(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	// A clock in a zone of its own: the hours still line up with the store's.
	now := time.Date(2026, 11, 23, 15, 20, 0, 0, time.UTC).In(time.FixedZone("UTC+5:30", 5*3600+1800))
	var rs []monitor.Result
	add := func(m string, at time.Time, d time.Duration) {
		rs = append(rs, monitor.Result{Monitor: m, At: at, Duration: d, Status: monitor.StatusUp})
	}
	h := func(back int) time.Time { return now.Truncate(time.Hour).Add(-time.Duration(back) * time.Hour) }
	// Two hours ago: web answered in 100 ms four times, api in 400 ms twice.
	for i := range 4 {
		add("web", h(2).Add(time.Duration(i)*10*time.Minute), 100*time.Millisecond)
	}
	add("api", h(2).Add(5*time.Minute), 400*time.Millisecond)
	add("api", h(2).Add(35*time.Minute), 400*time.Millisecond)
	// An hour ago only the heartbeat ran; in the current hour web ran (not rolled up yet).
	add("nightly", h(1).Add(time.Minute), 0)
	add("web", now.Add(-time.Minute), 900*time.Millisecond)
	// Eight days ago: outside the week.
	add("web", h(24*8), time.Second)
	if err := db.Store.InsertResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.RollupHours(ctx, h(24*9), now); err != nil {
		t.Fatal(err)
	}
	snaps := []monitor.Snapshot{
		{Definition: &monitor.Definition{Name: "web", Kind: "http"}, State: monitor.StateUp},
		{Definition: &monitor.Definition{Name: "api", Kind: "http"}, State: monitor.StateUp},
		{Definition: &monitor.Definition{Name: "nightly", Kind: "heartbeat"}, State: monitor.StateUp},
	}
	svc := status.NewService(status.Options{History: db.Store, Rollups: db.Store, Clock: clock.NewFake(now),
		Monitors: func() []monitor.Snapshot { return snaps }})
	page := &status.Page{Slug: "acme", Location: time.UTC, Target: 0.999, Weights: sla.DefaultWeights(), Groups: []status.Group{{ID: "g", Name: "G",
		Components: []status.Component{{ID: "app", Name: "App", Monitors: []string{"web", "api", "nightly"}}, {ID: "jobs", Name: "Jobs", Monitors: []string{"nightly"}}}}}}
	v, err := svc.View(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	app, jobs := v.Groups[0].Components[0], v.Groups[0].Components[1]
	if len(app.Latency) != 1 {
		t.Fatalf("app latency = %+v, want the one hour with checks", app.Latency)
	}
	p := app.Latency[0]
	if !p.Hour.Equal(now.Truncate(time.Hour).Add(-2*time.Hour)) || p.Checks != 6 || p.Mean != 200*time.Millisecond || p.P95 != 400*time.Millisecond {
		t.Errorf("point = %+v, want 6 checks, mean (4×100+2×400)/6 = 200ms, p95 400ms", p)
	}
	if len(jobs.Latency) != 0 {
		t.Errorf("a heartbeat-only component has response times: %+v", jobs.Latency)
	}
}

// A manual component has no monitors: it is operational until an open incident says otherwise.
func TestManualComponentFollowsIncidents(t *testing.T) {
	db := storetest.OpenSQLite(t)
	now := time.Date(2026, 11, 23, 15, 20, 0, 0, time.UTC)
	stated := map[string]sla.Level{}
	svc := status.NewService(status.Options{History: db.Store, Clock: clock.NewFake(now), Monitors: func() []monitor.Snapshot { return nil },
		Stated: func(context.Context, string) (map[string]sla.Level, error) { return stated, nil }})
	page := &status.Page{Slug: "acme", Location: time.UTC, Target: 0.999, Weights: sla.DefaultWeights(), Groups: []status.Group{{ID: "g", Name: "G",
		Components: []status.Component{{ID: "support", Name: "Support desk", Manual: true}}}}}
	v, err := svc.View(context.Background(), page)
	if err != nil || v.Overall != sla.Operational || v.Groups[0].Components[0].Level != sla.Operational {
		t.Fatalf("without incidents: %v %+v", err, v)
	}
	stated["support"] = sla.PartialOutage
	svc.Invalidate()
	if v, err := svc.View(context.Background(), page); err != nil || v.Overall != sla.PartialOutage {
		t.Fatalf("with an incident stating a partial outage: %v %+v", err, v)
	}
}
