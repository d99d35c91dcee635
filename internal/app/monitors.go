package app

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"vigie/internal/check"
	"vigie/internal/check/cond"
	"vigie/internal/config"
	"vigie/internal/errs"
	"vigie/internal/monitor"
)

// BuildMonitors turns configured monitors into engine definitions. The configuration was
// validated, so errors here are unexpected; they are returned rather than hidden.
func BuildMonitors(ms []config.Monitor) ([]monitor.Definition, error) {
	defs := make([]monitor.Definition, 0, len(ms))
	for _, m := range ms {
		d := monitor.Definition{Name: m.Name, Kind: m.Type, Labels: m.Labels, Interval: m.Interval.Std(),
			Timeout: m.Timeout.Std(), FailureThreshold: m.FailureThreshold, SuccessThreshold: m.SuccessThreshold,
			DependsOn: m.DependsOn, CertWarning: m.CertExpiryWarning.Std()}
		if m.Type == "heartbeat" {
			d.Heartbeat = monitor.HeartbeatSpec{Period: m.Heartbeat.Period.Std(), Grace: m.Heartbeat.Grace.Std()}
			d.Interval = d.Heartbeat.Period
			defs = append(defs, d)
			continue
		}
		probe, err := check.New(m.Spec())
		if err != nil {
			return nil, fmt.Errorf("monitor %s: %w", m.Name, err)
		}
		d.Probe = probe
		schema := check.Schema(m.Type)
		conds := m.Conditions
		if len(conds) == 0 {
			conds = []string{check.DefaultCondition(m.Type)}
		}
		for _, src := range conds {
			e, err := cond.Compile(src, schema)
			if err != nil {
				return nil, fmt.Errorf("monitor %s: condition %q: %w", m.Name, src, err)
			}
			d.Conditions = append(d.Conditions, e)
		}
		for _, src := range m.DegradedIf {
			e, err := cond.Compile(src, schema)
			if err != nil {
				return nil, fmt.Errorf("monitor %s: degraded_if %q: %w", m.Name, src, err)
			}
			d.DegradedIf = append(d.DegradedIf, e)
		}
		defs = append(defs, d)
	}
	return defs, nil
}

// heartbeatTokens maps ping tokens to monitor names.
func heartbeatTokens(ms []config.Monitor) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		if m.Type == "heartbeat" {
			out[m.Heartbeat.Token.Reveal()] = m.Name
		}
	}
	return out
}

// PingToken finds the heartbeat monitor of token and records the ping.
func (a *App) PingToken(ctx context.Context, token string, kind monitor.PingKind, exitCode *int, message string) error {
	name := ""
	for tok, n := range *a.pingTokens.Load() {
		// Constant time, so response timing does not reveal how much of a token was right.
		if subtle.ConstantTimeCompare([]byte(tok), []byte(token)) == 1 {
			name = n
		}
	}
	if name == "" {
		return errs.E(errs.NotFound, "unknown heartbeat token")
	}
	return a.engine.Ping(ctx, name, kind, exitCode, message)
}

// monitorCollector exports every monitor's state at scrape time.
type monitorCollector struct {
	engine                      *monitor.Engine
	up, degraded, respTime, exp *prometheus.Desc
}

func newMonitorCollector(e *monitor.Engine) *monitorCollector {
	labels := []string{"monitor", "type"}
	return &monitorCollector{engine: e,
		up:       prometheus.NewDesc("vigie_monitor_up", "1 when the monitor is up or degraded, 0 when down; absent while unknown.", labels, nil),
		degraded: prometheus.NewDesc("vigie_monitor_degraded", "1 when the monitor is degraded.", labels, nil),
		respTime: prometheus.NewDesc("vigie_monitor_response_time_seconds", "Response time of the last check.", labels, nil),
		exp:      prometheus.NewDesc("vigie_monitor_cert_expiry_seconds", "Seconds until the certificate seen by the last check expires.", labels, nil),
	}
}

func (c *monitorCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.degraded
	ch <- c.respTime
	ch <- c.exp
}

func (c *monitorCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.engine.Snapshots() {
		lv := []string{s.Definition.Name, s.Definition.Kind}
		switch s.State {
		case monitor.StateUp, monitor.StateDegraded:
			ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1, lv...)
		case monitor.StateDown:
			ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0, lv...)
		}
		deg := 0.0
		if s.State == monitor.StateDegraded {
			deg = 1
		}
		ch <- prometheus.MustNewConstMetric(c.degraded, prometheus.GaugeValue, deg, lv...)
		if s.Last != nil {
			ch <- prometheus.MustNewConstMetric(c.respTime, prometheus.GaugeValue, s.Last.Duration.Seconds(), lv...)
		}
		if v, ok := s.LastFields["cert.expires_in"]; ok && v.Kind() == cond.KindDuration {
			ch <- prometheus.MustNewConstMetric(c.exp, prometheus.GaugeValue, v.Dur().Seconds(), lv...)
		}
	}
}
