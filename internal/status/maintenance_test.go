package status_test

import (
	"context"
	"testing"
	"time"

	"vigie/internal/monitor"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

func TestMaintenanceIsLeftOutAndHoldsAlerts(t *testing.T) {
	loc := paris(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, loc)
	f := newFixture(t, now)
	f.monitor("db", "", monitor.StateUp)
	f.monitor("web", "", monitor.StateUp)
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	f.event("db", start, monitor.StateUp)
	f.event("web", start, monitor.StateUp)
	// Every Sunday 02:00-03:00 Paris time, the database is patched and goes down 20 minutes.
	sunday := time.Date(2026, 11, 22, 2, 0, 0, 0, loc)
	f.event("db", sunday.Add(10*time.Minute), monitor.StateDown)
	f.event("db", sunday.Add(30*time.Minute), monitor.StateUp)
	// ... and on Friday the web app was down 15 minutes outside any window.
	friday := time.Date(2026, 11, 20, 15, 0, 0, 0, loc)
	f.event("web", friday, monitor.StateDown)
	f.event("web", friday.Add(15*time.Minute), monitor.StateUp)

	page := &status.Page{Slug: "acme", Location: loc, Target: 0.999, Weights: sla.DefaultWeights(),
		Groups: []status.Group{{Name: "All", Components: []status.Component{
			{ID: "db", Name: "Database", Monitors: []string{"db"}},
			{ID: "web", Name: "Web", Monitors: []string{"web"}},
		}}}}
	ctx := context.Background()
	weekly := &status.Maintenance{Page: "acme", Components: []string{"db"}, Title: "Weekly patching",
		StartsAt: time.Date(2026, 11, 1, 2, 0, 0, 0, loc), EndsAt: time.Date(2026, 11, 1, 3, 0, 0, 0, loc),
		Recurrence: "FREQ=WEEKLY;BYDAY=SU", CreatedBy: "alice", CreatedAt: start}
	upcoming := &status.Maintenance{Page: "acme", Components: []string{"web"}, Title: "Load balancer swap",
		StartsAt: now.Add(50 * time.Hour), EndsAt: now.Add(52 * time.Hour), CreatedBy: "bob", CreatedAt: now}
	cancelled := &status.Maintenance{Page: "acme", Components: []string{"web"}, Title: "Never mind",
		StartsAt: now.Add(time.Hour), EndsAt: now.Add(2 * time.Hour), CreatedBy: "bob", CreatedAt: now}
	for _, m := range []*status.Maintenance{weekly, upcoming, cancelled} {
		if err := f.store.CreateMaintenance(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.CancelMaintenance(ctx, cancelled.ID, now); err != nil {
		t.Fatal(err)
	}
	f.svc = status.NewService(status.Options{History: f.store, Clock: f.clock, Monitors: func() []monitor.Snapshot { return f.snaps },
		Maintenances: f.store, Pages: func() []*status.Page { return []*status.Page{page} }})
	v, err := f.svc.View(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	db, web := v.Groups[0].Components[0], v.Groups[0].Components[1]
	if db.Month.Downtime != 0 || db.Month.Maintenance != 4*time.Hour {
		t.Fatalf("database: downtime %s, maintenance %s; want 0 and four Sunday hours (1, 8, 15, 22 November)", db.Month.Downtime, db.Month.Maintenance)
	}
	if web.Month.Downtime != 15*time.Minute || web.Month.Maintenance != 0 {
		t.Fatalf("web: downtime %s, maintenance %s", web.Month.Downtime, web.Month.Maintenance)
	}
	if d := db.Days[status.Days-2]; d.Date.From.Day() != 22 || d.Downtime != 0 || d.Worst != sla.Operational {
		t.Fatalf("Sunday's bar: %+v", d)
	}
	// Announced: the weekly window's next occurrence and the swap; not the cancelled one.
	if len(v.Maintenance) != 2 || v.Maintenance[0].Title != "Load balancer swap" || v.Maintenance[1].Title != "Weekly patching" ||
		!v.Maintenance[1].Window.From.Equal(time.Date(2026, 11, 29, 2, 0, 0, 0, loc)) || v.Maintenance[0].ComponentNames[0] != "Web" {
		t.Fatalf("announced maintenance: %+v", v.Maintenance)
	}
	// Alerts are held for the database during a Sunday window, not outside it, and never for web.
	for _, c := range []struct {
		monitor string
		at      time.Time
		want    bool
	}{{"db", sunday.Add(10 * time.Minute), true}, {"db", sunday.Add(61 * time.Minute), false}, {"web", sunday.Add(10 * time.Minute), false},
		{"db", time.Date(2026, 11, 29, 2, 30, 0, 0, loc), true}} {
		if got := f.svc.InMaintenance(ctx, c.monitor, c.at); got != c.want {
			t.Errorf("InMaintenance(%s, %s) = %v", c.monitor, c.at, got)
		}
	}
}
