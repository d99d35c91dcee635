package monitor

import (
	"context"
	"sync"
	"time"
	"vigie/internal/clock"
)

// rolledLag is how far behind the current hour rollups may be: Maintain recomputes the last
// few completed hours, so anything older than this is in check_rollups.
const rolledLag = 2 * time.Hour

// Uptime is the share of check runs since `since` that were up or degraded, from hourly
// rollups for older hours and raw results for recent ones. ok is false when there were no runs.
func (e *Engine) Uptime(ctx context.Context, name string, since time.Time) (ratio float64, ok bool, err error) {
	now := e.opts.Clock.Now()
	split := RollupSplit(now)
	var total, good int
	if since.Before(split) {
		rs, err := e.opts.Store.Rollups(ctx, name, since.Truncate(time.Hour), split)
		if err != nil {
			return 0, false, err
		}
		for _, r := range rs {
			total += r.Count
			good += r.Up + r.Degraded
		}
	}
	raw, err := e.opts.Store.Results(ctx, name, clock.Later(since, split), now.Add(time.Second))
	if err != nil {
		return 0, false, err
	}
	for _, r := range raw {
		total++
		if r.Status != StatusDown {
			good++
		}
	}
	if total == 0 {
		return 0, false, nil
	}
	return float64(good) / float64(total), true, nil
}

// RollupSplit is where raw results take over from rollups: counts over a window read rollups
// before it and raw results after.
func RollupSplit(now time.Time) time.Time { return now.Truncate(time.Hour).Add(-rolledLag) }

// uptimeCacheFor is how long UptimeAll answers from memory: a list of thousands of monitors
// would otherwise scan a month of rollups on every page view.
const uptimeCacheFor = time.Minute

type uptimeCache struct {
	mu      sync.Mutex
	entries map[time.Duration]uptimeEntry
}

type uptimeEntry struct {
	at     time.Time
	ratios map[string]float64
}

// UptimeAll is Uptime over the last `window` for every monitor at once, in two queries, and
// remembered for a minute. Monitors without runs are absent.
func (e *Engine) UptimeAll(ctx context.Context, window time.Duration) (map[string]float64, error) {
	now := e.opts.Clock.Now()
	c := &e.uptime
	c.mu.Lock()
	defer c.mu.Unlock() // one computation at a time; the others wait and read the result
	if en, ok := c.entries[window]; ok && now.Sub(en.at) < uptimeCacheFor && !now.Before(en.at) {
		return en.ratios, nil
	}
	counts, err := e.opts.Store.RunCounts(ctx, now.Add(-window), RollupSplit(now), now.Add(time.Second))
	if err != nil {
		return nil, err
	}
	ratios := make(map[string]float64, len(counts))
	for name, n := range counts {
		if n.Total > 0 {
			ratios[name] = float64(n.Good) / float64(n.Total)
		}
	}
	if c.entries == nil {
		c.entries = map[time.Duration]uptimeEntry{}
	}
	c.entries[window] = uptimeEntry{at: now, ratios: ratios}
	return ratios, nil
}

// History returns a monitor's raw results in [from, to).
func (e *Engine) History(ctx context.Context, name string, from, to time.Time) ([]Result, error) {
	return e.opts.Store.Results(ctx, name, from, to)
}

// Events returns a monitor's state changes in [from, to).
func (e *Engine) Events(ctx context.Context, name string, from, to time.Time) ([]Event, error) {
	return e.opts.Store.Events(ctx, name, from, to)
}

// Maintain rolls up completed hours and prunes old data, at start and then every few
// minutes, until ctx ends. raw and rollups are the retention periods; they are read on every
// round so a configuration reload applies.
func (e *Engine) Maintain(ctx context.Context, retention func() (raw, rollups time.Duration)) {
	first := true
	for {
		raw, rollups := retention()
		now := e.opts.Clock.Now()
		hour := now.Truncate(time.Hour)
		from := hour.Add(-rolledLag - time.Hour)
		if first {
			// Hours that ended while vigie was stopped are rolled up now.
			from = now.Add(-raw)
			first = false
		}
		if _, err := e.opts.Store.RollupHours(ctx, from, hour); err != nil && ctx.Err() == nil {
			e.opts.Logger.Warn("rolling up check results failed", "err", err)
		}
		if _, err := e.opts.Store.DeleteResultsBefore(ctx, now.Add(-raw)); err != nil && ctx.Err() == nil {
			e.opts.Logger.Warn("pruning check results failed", "err", err)
		}
		if _, err := e.opts.Store.DeleteRollupsBefore(ctx, now.Add(-rollups)); err != nil && ctx.Err() == nil {
			e.opts.Logger.Warn("pruning rollups failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Minute):
		}
	}
}
