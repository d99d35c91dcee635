package status_test

import (
	"context"
	"testing"
	"time"

	"vigie/internal/clock"
	"vigie/internal/monitor"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store"
	"vigie/internal/store/storetest"
)

type fixture struct {
	t     *testing.T
	store *store.Store
	clock *clock.Fake
	snaps []monitor.Snapshot
	svc   *status.Service
}

func newFixture(t *testing.T, now time.Time) *fixture {
	f := &fixture{t: t, store: storetest.OpenSQLite(t).Store, clock: clock.NewFake(now)}
	f.svc = status.NewService(status.Options{History: f.store, Clock: f.clock, Monitors: func() []monitor.Snapshot { return f.snaps }})
	return f
}

func (f *fixture) monitor(name, parent string, st monitor.State) {
	f.snaps = append(f.snaps, monitor.Snapshot{Definition: &monitor.Definition{Name: name, DependsOn: parent}, State: st})
}

func (f *fixture) event(name string, at time.Time, st monitor.State) {
	f.t.Helper()
	if err := f.store.InsertEvent(context.Background(), monitor.Event{Monitor: name, At: at, State: st}); err != nil {
		f.t.Fatal(err)
	}
}

func paris(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestViewFromEvents(t *testing.T) {
	loc := paris(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, loc)
	f := newFixture(t, now)
	// gateway <- web; api on its own. Monitoring began on 1 October.
	f.monitor("gateway", "", monitor.StateUp)
	f.monitor("web", "gateway", monitor.StateUp)
	f.monitor("api", "", monitor.StateDown)
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	for _, m := range []string{"gateway", "web", "api"} {
		f.event(m, start, monitor.StateUp)
	}
	// 20 November: the gateway is down 30 minutes; web is unknown meanwhile (its own monitor
	// cannot tell), and must still count as down on the page.
	out := time.Date(2026, 11, 20, 10, 0, 0, 0, loc)
	f.event("gateway", out, monitor.StateDown)
	f.event("web", out, monitor.StateUnknown)
	f.event("gateway", out.Add(30*time.Minute), monitor.StateUp)
	f.event("web", out.Add(30*time.Minute), monitor.StateUp)
	// api went down 2 hours ago and is still down.
	f.event("api", now.Add(-2*time.Hour), monitor.StateDown)

	page := &status.Page{Slug: "acme", Title: "Acme", Location: loc, Target: 0.999, Weights: sla.DefaultWeights(),
		Groups: []status.Group{{ID: "main", Name: "Main", Components: []status.Component{
			{ID: "website", Name: "Website", Monitors: []string{"web"}},
			{ID: "platform", Name: "Platform", Monitors: []string{"web", "api"}, Share: true},
		}}}}
	v, err := f.svc.View(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	website, platform := v.Groups[0].Components[0], v.Groups[0].Components[1]
	if website.Level != sla.Operational || platform.Level != sla.PartialOutage || v.Overall != sla.PartialOutage {
		t.Fatalf("levels: website %s, platform %s, overall %s", website.Level, platform.Level, v.Overall)
	}
	if len(website.Days) != status.Days {
		t.Fatalf("%d days, want %d", len(website.Days), status.Days)
	}
	// Days before 1 October have no data; 20 November shows the 30 minutes.
	noData := 0
	for _, d := range website.Days {
		if d.NoData {
			noData++
		}
	}
	// 90 days ending 23 November start on 26 August: 26 Aug .. 30 Sep is 36 days.
	if noData != 36 {
		t.Fatalf("%d days without data, want 36", noData)
	}
	day := website.Days[status.Days-4]
	if day.Date.From.Day() != 20 || day.Downtime != 30*time.Minute || day.Worst != sla.MajorOutage {
		t.Fatalf("20 November: %+v", day)
	}
	if got := website.Month.Downtime; got != 30*time.Minute {
		t.Fatalf("November downtime %s, want 30m", got)
	}
	// The platform: web's 30 min (one of two monitors down: partial, weight 1) + api's 2 h.
	if got := platform.Month.Downtime; got != 2*time.Hour+30*time.Minute {
		t.Fatalf("platform November downtime %s", got)
	}
	if !platform.Month.Breached || website.Month.Breached {
		t.Fatalf("breaches: platform %v website %v (budget %s)", platform.Month.Breached, website.Month.Breached, website.Month.Budget)
	}

	// Cached for 30 s: a new event is not seen at once, then is.
	f.event("api", now.Add(time.Second), monitor.StateUp)
	f.snaps[2].State = monitor.StateUp
	f.clock.Advance(10 * time.Second)
	if v2, _ := f.svc.View(context.Background(), page); v2 != v {
		t.Fatal("a view was rebuilt within the cache period")
	}
	f.clock.Advance(30 * time.Second)
	v3, _ := f.svc.View(context.Background(), page)
	if v3.Groups[0].Components[1].Level != sla.Operational {
		t.Fatalf("after the cache period: %s", v3.Groups[0].Components[1].Level)
	}
}

func TestNoHistoryIsAllNoData(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, now)
	f.monitor("new", "", monitor.StateUnknown)
	page := &status.Page{Slug: "x", Location: time.UTC, Target: 0.999, Weights: sla.DefaultWeights(),
		Groups: []status.Group{{Name: "G", Components: []status.Component{{ID: "c", Name: "C", Monitors: []string{"new"}}}}}}
	v, err := f.svc.View(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	c := v.Groups[0].Components[0]
	for _, d := range c.Days {
		if !d.NoData {
			t.Fatalf("a day with data before anything was recorded: %+v", d)
		}
	}
	if c.Uptime != 1 || c.Level != sla.Operational || status.Describe(v.Overall) != "All systems operational" {
		t.Fatalf("empty component: uptime %v level %s", c.Uptime, c.Level)
	}
}
