package app

import (
	"vigie/internal/clock"
	"vigie/internal/config"
	"vigie/internal/monitor"
	"vigie/internal/report"
	"vigie/internal/status"
	"vigie/internal/store"
)

// OfflineReports gives a one-shot command (`vigie report`) the report service a server has:
// the configured pages and monitors over the store, without running anything.
func OfflineReports(cfg *config.Config, st *store.Store, clk clock.Clock) (*report.Service, []*status.Page, error) {
	pages, err := buildStatusPages(cfg)
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
