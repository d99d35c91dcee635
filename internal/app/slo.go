package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vigie/internal/config"
	"vigie/internal/slo"
)

// buildObjectives turns the configured SLOs into what the SLO engine reads. An SLO about a
// status page's component counts that component's monitors.
func buildObjectives(cfg *config.Config) []slo.Objective {
	var out []slo.Objective
	for _, s := range cfg.SLOs {
		o := slo.Objective{Name: s.Name, Description: s.Description, Target: s.Objective / 100, Window: s.Window.Std(),
			Monitors: s.Monitors, Labels: s.Labels, About: "monitors " + strings.Join(s.Monitors, ", ")}
		for _, p := range cfg.StatusPages {
			if c, ok := p.FindComponent(s.Component); ok && p.Slug == s.Page {
				o.Monitors, o.About = c.Monitors, fmt.Sprintf("%s on status page %s", c.Name, p.Slug)
			}
		}
		out = append(out, o)
	}
	return out
}

// sloCollector exports every SLO at scrape time.
type sloCollector struct {
	engine                                    *slo.Engine
	objective, sli, budget, burnRate, burning *prometheus.Desc
}

func newSLOCollector(e *slo.Engine) *sloCollector {
	return &sloCollector{engine: e,
		objective: prometheus.NewDesc("vigie_slo_objective_ratio", "The SLO's objective: the share of good check results to keep over its window.", []string{"slo"}, nil),
		sli:       prometheus.NewDesc("vigie_slo_sli_ratio", "The share of good check results over the SLO's window; absent without results.", []string{"slo"}, nil),
		budget:    prometheus.NewDesc("vigie_slo_error_budget_remaining_ratio", "Share of the error budget left over the SLO's window: 1 untouched, 0 spent, negative overspent.", []string{"slo"}, nil),
		burnRate:  prometheus.NewDesc("vigie_slo_burn_rate", "How many times faster than sustainable the error budget burns over a window; absent without results.", []string{"slo", "window"}, nil),
		burning:   prometheus.NewDesc("vigie_slo_alert_firing", "1 when the SLO's burn-rate alert fires at this severity (page or ticket).", []string{"slo", "severity"}, nil),
	}
}

func (c *sloCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.objective, c.sli, c.budget, c.burnRate, c.burning} {
		ch <- d
	}
}

func (c *sloCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sts, err := c.engine.Current(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.budget, err)
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, st := range sts {
		gauge(c.objective, st.Target, st.Name)
		gauge(c.budget, st.BudgetLeft, st.Name)
		if st.HasData {
			gauge(c.sli, st.SLI, st.Name)
		}
		windows := map[string]float64{}
		for _, r := range st.Rules {
			if r.HasData {
				windows[promDuration(r.Long)], windows[promDuration(r.Short)] = r.LongRate, r.ShortRate
			}
		}
		for w, rate := range windows {
			gauge(c.burnRate, rate, st.Name, w)
		}
		for _, sev := range []string{"page", "ticket"} {
			v := 0.0
			if st.Firing == "slo_"+sev {
				v = 1
			}
			gauge(c.burning, v, st.Name, sev)
		}
	}
}

// promDuration writes a window as Prometheus does: 5m, 1h, 1d, 3d.
func promDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}
