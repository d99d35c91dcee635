// Package slo watches service-level objectives: the share of good check results a service
// keeps over a rolling window, the error budget that leaves, and the multi-window,
// multi-burn-rate rules of package sla that raise an alert when the budget burns too fast
// (page: 14.4× over 1 h and 5 min, 6× over 6 h and 30 min; ticket: 3× over 1 day and 2 h, 1×
// over 3 days and 6 h). The alert engine turns its verdicts into alerts of kinds slo_page and
// slo_ticket, which route, escalate, fall silent and resolve like a monitor's.
//
// A check result is an event: good when the monitor answered up or degraded, bad when down.
// Counts come from raw results for recent time and hourly rollups for older time, the way the
// monitors' uptime does.
package slo

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"vigie/internal/alert"
	"vigie/internal/clock"
	"vigie/internal/human"
	"vigie/internal/monitor"
	"vigie/internal/status/sla"
)

// Objective is one SLO as configured.
type Objective struct {
	Name, Description string
	Target            float64 // 0.999
	Window            time.Duration
	Monitors          []string // whose results count
	About             string   // what it counts, for people: "monitors api, web" or "Web app on acme"
	Labels            map[string]string
}

// Counts gives every monitor's check results in [from, to): rollups before split, raw after.
type Counts interface {
	RunCounts(ctx context.Context, from, split, to time.Time) (map[string]monitor.RunCount, error)
}

// Alerts receives each SLO's verdict.
type Alerts interface {
	ObserveBurn(ctx context.Context, b alert.Burn) error
}

// Options configure an Engine.
type Options struct {
	Counts Counts
	Alerts Alerts // nil evaluates without alerting
	// Objectives is read on every round, so a reload applies.
	Objectives func() []Objective
	Rules      []sla.BurnRule // default sla.DefaultBurnRules()
	Clock      clock.Clock
	Logger     *slog.Logger
}

// RuleState is one burn-rate rule of one SLO at one evaluation.
type RuleState struct {
	sla.BurnRule
	Kind                string  // alert.KindSLOPage or alert.KindSLOTicket
	LongRate, ShortRate float64 // burn rates over its windows; 0 without data
	HasData             bool
	Firing              bool
}

// Status is an SLO at one evaluation.
type Status struct {
	Objective
	At         time.Time
	Total, Bad int     // check results over the window, and how many were bad
	SLI        float64 // good share over the window; 1 without data
	HasData    bool
	BudgetLeft float64 // share of the error budget left: 1 untouched, 0 spent, below 0 overspent
	Firing     string  // alert.KindSLOPage, alert.KindSLOTicket, or empty
	Reason     string  // why it fires
	Rules      []RuleState
}

// Engine evaluates SLOs and tells the alert engine.
type Engine struct {
	opts Options
	mu   sync.Mutex
	last []Status
}

// NewEngine returns an engine; Run evaluates on a ticker, Tick once.
func NewEngine(o Options) *Engine {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Rules == nil {
		o.Rules = sla.DefaultBurnRules()
	}
	return &Engine{opts: o}
}

// kindOf maps a rule's name to its alert kind.
func kindOf(r sla.BurnRule) string {
	if r.Name == "page" {
		return alert.KindSLOPage
	}
	return alert.KindSLOTicket
}

// Evaluate computes every SLO now. Windows shared by several SLOs and rules are counted once.
func (e *Engine) Evaluate(ctx context.Context) ([]Status, error) {
	now := e.opts.Clock.Now()
	objectives := e.opts.Objectives()
	if len(objectives) == 0 {
		return nil, nil
	}
	windows := map[time.Duration]map[string]monitor.RunCount{}
	for _, r := range e.opts.Rules {
		windows[r.Long], windows[r.Short] = nil, nil
	}
	for _, o := range objectives {
		windows[o.Window] = nil
	}
	split, to := monitor.RollupSplit(now), now.Add(time.Second)
	for _, d := range slices.Sorted(maps.Keys(windows)) {
		c, err := e.opts.Counts.RunCounts(ctx, now.Add(-d), split, to)
		if err != nil {
			return nil, err
		}
		windows[d] = c
	}
	out := make([]Status, 0, len(objectives))
	for _, o := range objectives {
		sum := func(d time.Duration) (total, bad int) {
			for _, m := range o.Monitors {
				c := windows[d][m]
				total, bad = total+c.Total, bad+c.Total-c.Good
			}
			return total, bad
		}
		ratio := func(from, to time.Time) (float64, bool) {
			total, bad := sum(to.Sub(from))
			if total == 0 {
				return 0, false
			}
			return float64(bad) / float64(total), true
		}
		st := Status{Objective: o, At: now, SLI: 1, BudgetLeft: 1}
		st.Total, st.Bad = sum(o.Window)
		if st.Total > 0 {
			st.HasData = true
			st.SLI = 1 - float64(st.Bad)/float64(st.Total)
			st.BudgetLeft = 1 - sla.BurnRate(float64(st.Bad)/float64(st.Total), o.Target)
		}
		burns := sla.Burning(now, o.Target, e.opts.Rules, ratio)
		for _, r := range e.opts.Rules {
			rs := RuleState{BurnRule: r, Kind: kindOf(r)}
			long, okLong := ratio(now.Add(-r.Long), now)
			short, okShort := ratio(now.Add(-r.Short), now)
			if rs.HasData = okLong && okShort; rs.HasData {
				rs.LongRate, rs.ShortRate = sla.BurnRate(long, o.Target), sla.BurnRate(short, o.Target)
			}
			rs.Firing = slices.ContainsFunc(burns, func(b sla.Burn) bool { return b.Rule == r })
			st.Rules = append(st.Rules, rs)
		}
		// The worst kind wins; its first rule (the fastest) says why.
		for _, kind := range []string{alert.KindSLOPage, alert.KindSLOTicket} {
			if i := slices.IndexFunc(st.Rules, func(rs RuleState) bool { return rs.Firing && rs.Kind == kind }); i >= 0 {
				rs := st.Rules[i]
				st.Firing = kind
				st.Reason = fmt.Sprintf("error budget burning %.1f× over %s and %.1f× over %s (objective %s over %s, %s of the budget left)",
					rs.LongRate, WindowText(rs.Long), rs.ShortRate, WindowText(rs.Short), human.Percent(o.Target), WindowText(o.Window), BudgetText(st.BudgetLeft))
				break
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// Tick evaluates every SLO, tells the alert engine each verdict, and keeps the statuses for
// Current. An SLO gone from the configuration resolves its alert.
func (e *Engine) Tick(ctx context.Context) error {
	sts, err := e.Evaluate(ctx)
	if err != nil {
		return err
	}
	e.mu.Lock()
	gone := map[string]bool{}
	for _, st := range e.last {
		gone[st.Name] = true
	}
	e.last = sts
	e.mu.Unlock()
	if e.opts.Alerts == nil {
		return nil
	}
	now := e.opts.Clock.Now()
	var errs []error
	for _, st := range sts {
		delete(gone, st.Name)
		if err := e.opts.Alerts.ObserveBurn(ctx, alert.Burn{SLO: st.Name, Kind: st.Firing, Reason: st.Reason, Labels: st.Labels, At: now}); err != nil {
			errs = append(errs, fmt.Errorf("slo %s: %w", st.Name, err))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(gone)) {
		if err := e.opts.Alerts.ObserveBurn(ctx, alert.Burn{SLO: name, At: now}); err != nil {
			errs = append(errs, fmt.Errorf("slo %s: %w", name, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d SLOs not recorded: %w", len(errs), errs[0])
	}
	return nil
}

// Interval is how often Run evaluates: well under the shortest window (5 min).
const Interval = 30 * time.Second

// Run evaluates every Interval until ctx ends.
func (e *Engine) Run(ctx context.Context) {
	t := time.NewTicker(Interval)
	defer t.Stop()
	for {
		if err := e.Tick(ctx); err != nil && ctx.Err() == nil {
			e.opts.Logger.Warn("evaluating SLOs failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Current is the last round's statuses, or a fresh evaluation when that round is older than
// two intervals (or there was none), for pages and metrics.
func (e *Engine) Current(ctx context.Context) ([]Status, error) {
	now := e.opts.Clock.Now()
	e.mu.Lock()
	last := e.last
	e.mu.Unlock()
	if len(last) > 0 && now.Sub(last[0].At) < 2*Interval && !now.Before(last[0].At) && len(last) == len(e.opts.Objectives()) {
		return last, nil
	}
	return e.Evaluate(ctx)
}

// WindowText writes a rule's or SLO's window the way people say it: "5 min", "1 h", "3 days".
func WindowText(d time.Duration) string {
	if d >= 48*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	if d == 24*time.Hour {
		return "1 day"
	}
	return human.Duration(d)
}

// BudgetText writes a share of error budget to a tenth of a percent: "38.5 %", "-1566.7 %".
func BudgetText(share float64) string { return fmt.Sprintf("%.1f %%", share*100) }
