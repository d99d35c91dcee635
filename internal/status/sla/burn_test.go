package sla_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"vigie/internal/status/sla"
)

func steady(ratio float64) sla.ErrorRatio {
	return func(from, to time.Time) (float64, bool) { return ratio, true }
}

func ruleNames(burns []sla.Burn) []string {
	var out []string
	for _, b := range burns {
		out = append(out, b.Rule.Name+" "+b.Rule.Long.String())
	}
	return out
}

func TestDefaultBurnRules(t *testing.T) {
	// Each rule fires when a set share of a 30-day budget goes within its long window:
	// factor × long / 30 days is 2%, 5%, 10% and 10%.
	shares := []float64{0.02, 0.05, 0.10, 0.10}
	rules := sla.DefaultBurnRules()
	if len(rules) != len(shares) {
		t.Fatalf("got %d rules, want %d", len(rules), len(shares))
	}
	for i, r := range rules {
		share := r.Factor * r.Long.Hours() / (30 * 24)
		if math.Abs(share-shares[i]) > 1e-9 {
			t.Errorf("rule %d (%s %v): spends %.3f of the budget, want %.2f", i, r.Name, r.Long, share, shares[i])
		}
		if r.Short*12 != r.Long {
			t.Errorf("rule %d: short window %v is not 1/12 of %v", i, r.Short, r.Long)
		}
	}
}

func TestBurning(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		ratio sla.ErrorRatio
		want  []string
	}{
		{"15x the budget fires every rule", steady(0.015), []string{"page 1h0m0s", "page 6h0m0s", "ticket 24h0m0s", "ticket 72h0m0s"}},
		{"exactly 14.4x fires every rule", steady(0.0144), []string{"page 1h0m0s", "page 6h0m0s", "ticket 24h0m0s", "ticket 72h0m0s"}},
		{"just under 14.4x spares the fast page", steady(0.0143), []string{"page 6h0m0s", "ticket 24h0m0s", "ticket 72h0m0s"}},
		{"7x fires the slow page and the tickets", steady(0.007), []string{"page 6h0m0s", "ticket 24h0m0s", "ticket 72h0m0s"}},
		{"2x fires only the slowest ticket", steady(0.002), []string{"ticket 72h0m0s"}},
		{"half the budget fires nothing", steady(0.0005), nil},
		{"no errors fires nothing", steady(0), nil},
		{"no data fires nothing", func(time.Time, time.Time) (float64, bool) { return 1, false }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ruleNames(sla.Burning(now, 0.999, sla.DefaultBurnRules(), tt.ratio))
			if !slices.Equal(got, tt.want) {
				t.Errorf("fired %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBurningNeedsBothWindows(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	// only burns at 500x over windows of exactly the given length, and not at all otherwise.
	only := func(d time.Duration) sla.ErrorRatio {
		return func(from, to time.Time) (float64, bool) {
			if to.Sub(from) == d {
				return 0.5, true
			}
			return 0, true
		}
	}
	for _, r := range sla.DefaultBurnRules() {
		rules := []sla.BurnRule{r}
		if got := sla.Burning(now, 0.999, rules, only(r.Short)); len(got) != 0 {
			t.Errorf("%s %v: a spike only in the short window fired", r.Name, r.Long)
		}
		if got := sla.Burning(now, 0.999, rules, only(r.Long)); len(got) != 0 {
			t.Errorf("%s %v: a burn only in the long window fired", r.Name, r.Long)
		}
	}
}

func TestBurningReportsRatesAndWindows(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	var asked [][2]time.Time
	ratio := func(from, to time.Time) (float64, bool) {
		asked = append(asked, [2]time.Time{from, to})
		if to.Sub(from) == time.Hour {
			return 0.02, true
		}
		return 0.015, true
	}
	rule := sla.BurnRule{Name: "page", Long: time.Hour, Short: 5 * time.Minute, Factor: 14.4}
	burns := sla.Burning(now, 0.999, []sla.BurnRule{rule}, ratio)
	if len(burns) != 1 {
		t.Fatalf("got %d burns, want 1", len(burns))
	}
	if b := burns[0]; b.Rule != rule || math.Abs(b.LongRate-20) > 1e-9 || math.Abs(b.ShortRate-15) > 1e-9 {
		t.Errorf("burn = %+v, want rates 20 and 15", b)
	}
	want := [][2]time.Time{{now.Add(-time.Hour), now}, {now.Add(-5 * time.Minute), now}}
	if len(asked) != 2 || !asked[0][0].Equal(want[0][0]) || !asked[0][1].Equal(now) || !asked[1][0].Equal(want[1][0]) || !asked[1][1].Equal(now) {
		t.Errorf("asked for windows %v, want %v", asked, want)
	}
}

func TestBurningWithAFullTarget(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	rules := sla.DefaultBurnRules()
	if got := sla.Burning(now, 1, rules, steady(0.000001)); len(got) != len(rules) || !math.IsInf(got[0].LongRate, 1) {
		t.Errorf("any error against a 100%% target: got %+v, want every rule at an infinite rate", got)
	}
	if got := sla.Burning(now, 1, rules, steady(0)); len(got) != 0 {
		t.Errorf("no error against a 100%% target fired %q", ruleNames(got))
	}
}

func TestSpanErrorRatioDrivesBurning(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	history := sla.Window{From: now.Add(-7 * 24 * time.Hour), To: now}
	outage := func(from, to time.Duration) []sla.Span {
		return sla.Timeline(history, sla.Operational, []sla.Event{
			{At: now.Add(-from), Level: sla.MajorOutage}, {At: now.Add(-to), Level: sla.Operational},
		})
	}
	tests := []struct {
		name  string
		spans []sla.Span
		want  []string
	}{
		{
			// 30 s down: 10% of the last 5 minutes, but under 1% of the last hour.
			name:  "a 30-second blip only in the short window fires nothing",
			spans: outage(60*time.Second, 30*time.Second),
		},
		{
			// 10 min down, over 40 min ago: the pages' short windows (5 and 30 min) are clean, so
			// they have reset, while the tickets' (2 h and 6 h) still see it.
			name:  "an outage that ended 40 minutes ago only leaves tickets",
			spans: outage(50*time.Minute, 40*time.Minute),
			want:  []string{"ticket 24h0m0s", "ticket 72h0m0s"},
		},
		{
			name:  "an ongoing outage fires everything",
			spans: outage(20*time.Minute, 0),
			want:  []string{"page 1h0m0s", "page 6h0m0s", "ticket 24h0m0s", "ticket 72h0m0s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ruleNames(sla.Burning(now, 0.999, sla.DefaultBurnRules(), sla.SpanErrorRatio(tt.spans, nil, sla.DefaultWeights())))
			if !slices.Equal(got, tt.want) {
				t.Errorf("fired %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSpanErrorRatio(t *testing.T) {
	spans := []sla.Span{
		span(at(0, 0), at(1, 0), sla.Operational),
		span(at(1, 0), at(2, 0), sla.MajorOutage),
		span(at(2, 0), at(3, 0), sla.PartialOutage),
		span(at(3, 0), at(4, 0), sla.Degraded),
	}
	maintenance := []sla.Window{{From: at(1, 30), To: at(2, 0)}}
	ratio := sla.SpanErrorRatio(spans, maintenance, sla.Weights{Degraded: 0.5, PartialOutage: 1, MajorOutage: 1})
	tests := []struct {
		name     string
		from, to time.Time
		want     float64
		ok       bool
	}{
		{"all clean", at(0, 0), at(1, 0), 0, true},
		{"maintenance is left out", at(1, 0), at(2, 0), 1, true},
		{"weighted over covered time", at(0, 0), at(4, 0), (0.5 + 1 + 0.5) / 3.5, true},
		{"time no span covers is not data", at(3, 30), at(10, 0), 0.5, true},
		{"a window before any span has no data", at(-5, 0), at(0, 0), 0, false},
		{"a window wholly in maintenance has no data", at(1, 30), at(2, 0), 0, false},
		{"an empty window has no data", at(2, 0), at(2, 0), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ratio(tt.from, tt.to)
			if ok != tt.ok || math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("ratio = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
