package status_test

import (
	"context"
	"testing"
	"time"

	"vigie/internal/monitor"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

// TestStatedLevelsAndComponentReports: a component shows the worse of its monitors and
// what an open incident states; ComponentReports measures any window, months back, with a
// dependency's outage and maintenance counted as the page counts them.
func TestStatedLevelsAndComponentReports(t *testing.T) {
	loc := paris(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, loc)
	f := newFixture(t, now)
	stated := map[string]sla.Level{}
	f.svc = status.NewService(status.Options{History: f.store, Clock: f.clock, Monitors: func() []monitor.Snapshot { return f.snaps },
		Maintenances: f.store, Stated: func(_ context.Context, page string) (map[string]sla.Level, error) { return stated, nil }})
	f.monitor("gateway", "", monitor.StateUp)
	f.monitor("api", "gateway", monitor.StateUp)
	f.monitor("web", "", monitor.StateDegraded)
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, loc)
	for _, m := range []string{"gateway", "api", "web"} {
		f.event(m, start, monitor.StateUp)
	}
	// In July (long before the 90 days of bars): api down 10 minutes, and the gateway down
	// 5 more minutes right after, while api says unknown.
	july := time.Date(2026, 7, 14, 9, 0, 0, 0, loc)
	f.event("api", july, monitor.StateDown)
	f.event("api", july.Add(10*time.Minute), monitor.StateUnknown)
	f.event("gateway", july.Add(10*time.Minute), monitor.StateDown)
	f.event("gateway", july.Add(15*time.Minute), monitor.StateUp)
	f.event("api", july.Add(15*time.Minute), monitor.StateUp)
	f.event("web", now.Add(-time.Hour), monitor.StateDegraded)
	// An hour of maintenance on api covering the first 4 minutes of the outage.
	if err := f.store.CreateMaintenance(context.Background(), &status.Maintenance{Page: "acme", Components: []string{"api"}, Title: "Upgrade",
		StartsAt: july.Add(-56 * time.Minute), EndsAt: july.Add(4 * time.Minute), CreatedBy: "alice", CreatedAt: start}); err != nil {
		t.Fatal(err)
	}
	page := &status.Page{Slug: "acme", Title: "Acme", Location: loc, Target: 0.999, Weights: sla.DefaultWeights(),
		Groups: []status.Group{{ID: "main", Name: "Main", Components: []status.Component{
			{ID: "api", Name: "API", Monitors: []string{"api"}},
			{ID: "web", Name: "Web", Monitors: []string{"web"}},
		}}}}

	reports, err := f.svc.ComponentReports(context.Background(), page, []string{"api", "web"}, sla.Window{From: july.Add(-time.Hour), To: july.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if api := reports["api"]; api.Used != 11*time.Minute || api.Maintenance != time.Hour {
		t.Fatalf("api over the incident's window: used %v, maintenance %v; want 11m (15m down, 4 of them in maintenance) and 1h", api.Used, api.Maintenance)
	}
	if web := reports["web"]; web.Used != 0 || len(reports) != 2 {
		t.Fatalf("web: %+v", reports)
	}
	month, _ := f.svc.ComponentReports(context.Background(), page, []string{"api"}, sla.Month(july, loc))
	// 31 days less the hour of maintenance, at 99.9%.
	if want := time.Duration(float64(31*24*time.Hour-time.Hour) * 0.001); month["api"].Budget != want {
		t.Fatalf("July's budget %v, want %v", month["api"].Budget, want)
	}

	levels := func() (sla.Level, sla.Level, sla.Level) {
		f.svc.Invalidate()
		v, err := f.svc.View(context.Background(), page)
		if err != nil {
			t.Fatal(err)
		}
		return v.Groups[0].Components[0].Level, v.Groups[0].Components[1].Level, v.Overall
	}
	if api, web, overall := levels(); api != sla.Operational || web != sla.Degraded || overall != sla.Degraded {
		t.Fatalf("from monitors alone: api %v, web %v, overall %v", api, web, overall)
	}
	stated["api"], stated["web"] = sla.PartialOutage, sla.Operational
	if api, web, overall := levels(); api != sla.PartialOutage || web != sla.Degraded || overall != sla.PartialOutage {
		t.Fatalf("with an incident: api %v, web %v (the worse of monitors and incident), overall %v", api, web, overall)
	}
}
