package sla

import (
	"math"
	"time"
)

// BurnRule is one multi-window burn-rate alert: it fires when the error budget burns at least
// Factor times faster than sustainable over both windows. The long window makes it significant,
// the short one makes it stop soon after the problem does.
type BurnRule struct {
	Name        string // "page" or "ticket"
	Long, Short time.Duration
	Factor      float64
}

// DefaultBurnRules are the SRE workbook's recommendation for a 30-day SLO: a page when 2% of the
// budget goes in an hour or 5% in six hours, a ticket when 10% goes in a day or in three days.
func DefaultBurnRules() []BurnRule {
	return []BurnRule{
		{Name: "page", Long: time.Hour, Short: 5 * time.Minute, Factor: 14.4},
		{Name: "page", Long: 6 * time.Hour, Short: 30 * time.Minute, Factor: 6},
		{Name: "ticket", Long: 24 * time.Hour, Short: 2 * time.Hour, Factor: 3},
		{Name: "ticket", Long: 72 * time.Hour, Short: 6 * time.Hour, Factor: 1},
	}
}

// ErrorRatio reports the share of bad events in [from, to), and false when there is no data.
type ErrorRatio func(from, to time.Time) (ratio float64, ok bool)

// Burn is a rule that fires, with the burn rates (error ratio / (1 - target)) that made it fire.
type Burn struct {
	Rule                BurnRule
	LongRate, ShortRate float64
}

// Burning returns the rules whose long and short windows, both ending at now, burn at Factor or
// more, in rule order. A window without data does not fire: silence is not an outage.
func Burning(now time.Time, target float64, rules []BurnRule, ratio ErrorRatio) []Burn {
	budget := errorBudget(target)
	var out []Burn
	for _, r := range rules {
		long, ok := ratio(now.Add(-r.Long), now)
		if !ok {
			continue
		}
		short, ok := ratio(now.Add(-r.Short), now)
		if !ok {
			continue
		}
		b := Burn{Rule: r, LongRate: burnRate(long, budget), ShortRate: burnRate(short, budget)}
		if reaches(b.LongRate, r.Factor) && reaches(b.ShortRate, r.Factor) {
			out = append(out, b)
		}
	}
	return out
}

// reaches reports rate >= factor, forgiving the last bits of float error: 0.0144 / 0.001 comes
// out a hair under 14.4, and a rule must fire at exactly its factor.
func reaches(rate, factor float64) bool {
	return rate >= factor*(1-1e-9)
}

// burnRate divides by the error budget; a 100% target has none, so any error burns infinitely fast.
func burnRate(ratio, budget float64) float64 {
	if budget > 0 {
		return ratio / budget
	}
	if ratio > 0 {
		return math.Inf(1)
	}
	return 0
}

// SpanErrorRatio builds an ErrorRatio from spans, for components without per-check data: the
// ratio is weighted downtime over the time the spans cover outside maintenance, so a window the
// spans do not reach, or that is all maintenance, has no data.
func SpanErrorRatio(spans []Span, maintenance []Window, w Weights) ErrorRatio {
	p := prepare(spans, maintenance)
	return func(from, to time.Time) (float64, bool) {
		t := p.measure(Window{from, to})
		var covered time.Duration
		for _, d := range t.at {
			covered += d
		}
		if covered <= 0 {
			return 0, false
		}
		return float64(w.downtime(t)) / float64(covered), true
	}
}

// BurnRate is how many times faster than sustainable an error ratio spends the budget of
// target: 1 spends it exactly over the SLO's window.
func BurnRate(ratio, target float64) float64 { return burnRate(ratio, errorBudget(target)) }
