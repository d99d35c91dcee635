package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"vigie/internal/clock"
	"vigie/internal/config"
	"vigie/internal/incident"
	"vigie/internal/monitor"
	"vigie/internal/report"
	"vigie/internal/schedule"
	"vigie/internal/status"
	"vigie/internal/store"
)

// OfflineReports gives a one-shot command (`vigie report`) the report service a server has:
// the configured pages and monitors over the store, without running anything.
func OfflineReports(cfg *config.Config, st *store.Store, clk clock.Clock) (*report.Service, []*status.Page, error) {
	pages, err := StatusPages(cfg)
	if err != nil {
		return nil, nil, err
	}
	defs, err := BuildMonitors(cfg.Monitors)
	if err != nil {
		return nil, nil, err
	}
	// Only the definitions matter to reports: dependencies make a parent's outage count for
	// what sits behind it.
	snaps := make([]monitor.Snapshot, len(defs))
	for i := range defs {
		snaps[i] = monitor.Snapshot{Definition: &defs[i]}
	}
	svc := status.NewService(status.Options{History: st, Maintenances: st, Clock: clk,
		Monitors: func() []monitor.Snapshot { return snaps }, Pages: func() []*status.Page { return pages }})
	return report.NewService(report.Options{Records: svc, Rollups: st, Alerts: st, Clock: clk}), pages, nil
}

// weeklyPlan is what the configuration says of weekly e-mails; nil when they are off.
func weeklyPlan(cfg *config.Config, pages []*status.Page) (*report.WeeklyPlan, error) {
	w := cfg.Reports.Weekly
	if !w.Enabled() {
		return nil, nil
	}
	loc, err := time.LoadLocation(w.Zone)
	if err != nil {
		return nil, fmt.Errorf("reports.weekly.zone: %w", err)
	}
	sched, err := schedule.Parse(w.Schedule, loc, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("reports.weekly.schedule: %w", err)
	}
	plan := &report.WeeklyPlan{Schedule: sched, Location: loc, Receivers: w.Receivers, BaseURL: cfg.Server.BaseURL.String()}
	for _, p := range pages {
		if len(w.Pages) == 0 || slices.Contains(w.Pages, p.Slug) {
			plan.Pages = append(plan.Pages, p)
		}
	}
	return plan, nil
}

// reportIncidents gives the reports the logbook's incidents.
type reportIncidents struct{ logbook *incident.Service }

// IncidentsBetween lists the page's incidents that overlap [from, to), oldest first.
func (ri reportIncidents) IncidentsBetween(ctx context.Context, page string, from, to time.Time) ([]report.Incident, error) {
	all, err := ri.logbook.List(ctx, incident.Filter{Page: page, Limit: 500})
	if err != nil {
		return nil, err
	}
	p, _ := ri.logbook.Page(page)
	var out []report.Incident
	for i := len(all) - 1; i >= 0; i-- {
		inc := &all[i]
		if !inc.StartedAt.Before(to) || !inc.ResolvedAt.IsZero() && inc.ResolvedAt.Before(from) {
			continue
		}
		ri := report.Incident{Title: inc.Title, Severity: string(inc.Severity), Status: string(inc.Status), StartedAt: inc.StartedAt,
			ResolvedAt: inc.ResolvedAt, URL: fmt.Sprintf("/incidents/%d", inc.ID)}
		if p != nil {
			ri.Components = p.ComponentNames(inc.ComponentIDs())
		}
		out = append(out, ri)
	}
	return out, nil
}
