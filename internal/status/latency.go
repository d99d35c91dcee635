package status

import (
	"context"
	"time"

	"vigie/internal/monitor"
)

// Rollups are the monitors' hourly summaries of check results, for response-time charts.
type Rollups interface {
	Rollups(ctx context.Context, mon string, from, to time.Time) ([]monitor.Rollup, error)
}

// LatencyHours is how far back a page's response-time charts reach: a week of hours.
const LatencyHours = 7 * 24

// LatencyPoint is a component's response time over one hour: the mean over its monitors'
// checks and the slowest of their 95th percentiles.
type LatencyPoint struct {
	Hour   time.Time
	Mean   time.Duration
	P95    time.Duration
	Checks int
}

// latency merges the hourly rollups of a component's monitors over the last LatencyHours
// whole hours before now, oldest first; hours without checks are left out. Heartbeats have
// no response time and are skipped.
func (s *Service) latency(ctx context.Context, c Component, kinds map[string]string, now time.Time) ([]LatencyPoint, error) {
	// In UTC, like the rollups' hours: time.Time map keys compare their zones too.
	to := now.UTC().Truncate(time.Hour)
	from := to.Add(-LatencyHours * time.Hour)
	type acc struct {
		sum    time.Duration
		checks int
		p95    time.Duration
	}
	byHour := map[time.Time]*acc{}
	for _, m := range c.Monitors {
		if kinds[m] == "heartbeat" {
			continue
		}
		rs, err := s.opts.Rollups.Rollups(ctx, m, from, to)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if r.Count == 0 {
				continue
			}
			hour := r.Hour.UTC()
			a := byHour[hour]
			if a == nil {
				a = &acc{}
				byHour[hour] = a
			}
			a.sum += r.Avg * time.Duration(r.Count)
			a.checks += r.Count
			a.p95 = max(a.p95, r.P95)
		}
	}
	var out []LatencyPoint
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		if a := byHour[h]; a != nil {
			out = append(out, LatencyPoint{Hour: h, Mean: a.sum / time.Duration(a.checks), P95: a.p95, Checks: a.checks})
		}
	}
	return out, nil
}
