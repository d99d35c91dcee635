package sla_test

import (
	"errors"
	"maps"
	"math"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the DST tests must not depend on the host's zoneinfo

	"vigie/internal/errs"
	"vigie/internal/status/sla"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestMonthBudget(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	newYork := mustLoad(t, "America/New_York")
	tests := []struct {
		name   string
		in     time.Time
		loc    *time.Location
		total  time.Duration
		budget time.Duration // at 99.9%
	}{
		{"28 days", time.Date(2026, 2, 14, 12, 0, 0, 0, time.UTC), time.UTC, 672 * time.Hour, 40*time.Minute + 19200*time.Millisecond},  // 40.32 min
		{"29 days", time.Date(2028, 2, 29, 23, 59, 0, 0, time.UTC), time.UTC, 696 * time.Hour, 41*time.Minute + 45600*time.Millisecond}, // 41.76 min
		{"30 days", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.UTC, 720 * time.Hour, 43*time.Minute + 12*time.Second},            // 43.2 min
		{"31 days", time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), time.UTC, 744 * time.Hour, 44*time.Minute + 38400*time.Millisecond},   // 44.64 min
		{"Paris February, no DST", time.Date(2026, 2, 10, 0, 0, 0, 0, paris), paris, 672 * time.Hour, 40*time.Minute + 19200*time.Millisecond},
		{"Paris March loses an hour", time.Date(2026, 3, 10, 0, 0, 0, 0, paris), paris, 743 * time.Hour, 44*time.Minute + 34800*time.Millisecond}, // 44.58 min
		{"Paris October gains an hour", time.Date(2026, 10, 31, 0, 0, 0, 0, paris), paris, 745 * time.Hour, 44*time.Minute + 42*time.Second},      // 44.7 min
		{"New York March loses an hour", time.Date(2026, 3, 8, 12, 0, 0, 0, newYork), newYork, 743 * time.Hour, 44*time.Minute + 34800*time.Millisecond},
		{"New York November gains an hour", time.Date(2026, 11, 1, 12, 0, 0, 0, newYork), newYork, 721 * time.Hour, 43*time.Minute + 15600*time.Millisecond}, // 43.26 min
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sla.Compute(sla.Month(tt.in, tt.loc), nil, nil, sla.DefaultWeights(), 0.999)
			if r.Total != tt.total {
				t.Errorf("Total = %v, want %v", r.Total, tt.total)
			}
			if r.Budget != tt.budget || r.Left != tt.budget {
				t.Errorf("Budget, Left = %v, %v; want %v", r.Budget, r.Left, tt.budget)
			}
			if r.Uptime != 1 || r.Downtime != 0 || r.Breached || len(r.ByLevel) != 0 {
				t.Errorf("an event-free month: Uptime %v, Downtime %v, Breached %v, ByLevel %v", r.Uptime, r.Downtime, r.Breached, r.ByLevel)
			}
		})
	}
}

func TestBudgetIsExactForDecimalTargets(t *testing.T) {
	april := sla.Month(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.UTC) // 720 h
	tests := []struct {
		target float64
		want   time.Duration
	}{
		{0.9999, 4*time.Minute + 19200*time.Millisecond},
		{0.9995, 21*time.Minute + 36*time.Second},
		{0.999, 43*time.Minute + 12*time.Second},
		{0.99, 7*time.Hour + 12*time.Minute},
		{0.95, 36 * time.Hour},
		{1, 0},
		{0, 720 * time.Hour},
	}
	for _, tt := range tests {
		if got := sla.Compute(april, nil, nil, sla.DefaultWeights(), tt.target).Budget; got != tt.want {
			t.Errorf("target %v: Budget = %v, want %v", tt.target, got, tt.want)
		}
	}
}

func TestMonth(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	newYork := mustLoad(t, "America/New_York")
	utc := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		in       time.Time
		loc      *time.Location
		from, to time.Time
	}{
		{"late UTC evening is already next month in Paris", utc(2026, 1, 31, 23), paris, utc(2026, 1, 31, 23), utc(2026, 2, 28, 23)},
		{"New York March starts in EST and ends in EDT", utc(2026, 3, 15, 12), newYork, utc(2026, 3, 1, 5), utc(2026, 4, 1, 4)},
		{"December runs into the next year", utc(2026, 12, 31, 12), time.UTC, utc(2026, 12, 1, 0), utc(2027, 1, 1, 0)},
		{"nil location is UTC", utc(2026, 6, 30, 23), nil, utc(2026, 6, 1, 0), utc(2026, 7, 1, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sla.Month(tt.in, tt.loc)
			if !m.From.Equal(tt.from) || !m.To.Equal(tt.to) {
				t.Errorf("Month = [%v, %v), want [%v, %v)", m.From.UTC(), m.To.UTC(), tt.from, tt.to)
			}
		})
	}
}

func TestMonths(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	tests := []struct {
		name     string
		from, to time.Time
		want     []time.Month
	}{
		{"mid-month to a month start excludes that month", time.Date(2026, 1, 15, 9, 0, 0, 0, paris), time.Date(2026, 4, 1, 0, 0, 0, 0, paris), []time.Month{1, 2, 3}},
		{"one instant past a month start includes it", time.Date(2026, 1, 15, 9, 0, 0, 0, paris), time.Date(2026, 4, 1, 0, 0, 1, 0, paris), []time.Month{1, 2, 3, 4}},
		{"across the new year", time.Date(2025, 11, 20, 0, 0, 0, 0, paris), time.Date(2026, 2, 2, 0, 0, 0, 0, paris), []time.Month{11, 12, 1, 2}},
		{"within one month", time.Date(2026, 5, 2, 0, 0, 0, 0, paris), time.Date(2026, 5, 3, 0, 0, 0, 0, paris), []time.Month{5}},
		{"empty range", time.Date(2026, 5, 2, 0, 0, 0, 0, paris), time.Date(2026, 5, 2, 0, 0, 0, 0, paris), nil},
		{"inverted range", time.Date(2026, 6, 2, 0, 0, 0, 0, paris), time.Date(2026, 5, 2, 0, 0, 0, 0, paris), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := sla.Months(tt.from, tt.to, paris)
			var got []time.Month
			for i, m := range ms {
				got = append(got, m.From.In(paris).Month())
				if d := m.From.In(paris); d.Day() != 1 || d.Hour() != 0 || d.Minute() != 0 {
					t.Errorf("month %d starts at %v, not local midnight on the 1st", i, d)
				}
				if i > 0 && !ms[i-1].To.Equal(m.From) {
					t.Errorf("month %d does not start where month %d ends", i, i-1)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Months = %v, want %v", got, tt.want)
			}
		})
	}
}

// may is May 2026 in UTC, 31 days; mayAt(d, h, m) is a time in it.
var may = sla.Window{From: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}

func mayAt(d, h, m int) time.Time { return time.Date(2026, 5, d, h, m, 0, 0, time.UTC) }

func TestCompute(t *testing.T) {
	april := sla.Window{From: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	aprilAt := func(d, h, m int) time.Time { return time.Date(2026, 4, d, h, m, 0, 0, time.UTC) }
	type want struct {
		maintenance, downtime, budget, left time.Duration
		uptime                              float64
		breached                            bool
		byLevel                             map[sla.Level]time.Duration
	}
	tests := []struct {
		name        string
		period      sla.Window
		spans       []sla.Span
		maintenance []sla.Window
		weights     sla.Weights
		want        want
	}{
		{
			name:   "no spans is full uptime",
			period: may,
			want:   want{budget: 44*time.Minute + 38400*time.Millisecond, left: 44*time.Minute + 38400*time.Millisecond, uptime: 1},
		},
		{
			name:        "an outage partly inside maintenance counts only outside",
			period:      may,
			spans:       []sla.Span{span(mayAt(5, 11, 0), mayAt(5, 13, 0), sla.MajorOutage)},
			maintenance: []sla.Window{{From: mayAt(5, 10, 0), To: mayAt(5, 12, 0)}},
			want: want{
				maintenance: 2 * time.Hour, downtime: time.Hour,
				budget: 44*time.Minute + 31200*time.Millisecond, // 742 h at 0.1%
				left:   -(15*time.Minute + 28800*time.Millisecond),
				uptime: 741.0 / 742, breached: true,
				byLevel: map[sla.Level]time.Duration{sla.MajorOutage: time.Hour},
			},
		},
		{
			name:   "overlapping maintenance windows are unioned and clipped to the period",
			period: may,
			maintenance: []sla.Window{
				{From: mayAt(5, 10, 0), To: mayAt(5, 12, 0)},
				{From: mayAt(5, 11, 0), To: mayAt(5, 13, 0)},
				{From: mayAt(5, 12, 30), To: mayAt(5, 14, 0)},
				{From: mayAt(5, 10, 30), To: mayAt(5, 11, 0)},                             // inside another
				{From: time.Date(2026, 4, 30, 20, 0, 0, 0, time.UTC), To: mayAt(1, 2, 0)}, // 2 h in May
				{From: mayAt(9, 0, 0), To: mayAt(8, 0, 0)},                                // inverted: ignored
			},
			want: want{
				maintenance: 6 * time.Hour,
				budget:      44*time.Minute + 16800*time.Millisecond, // 738 h at 0.1%
				left:        44*time.Minute + 16800*time.Millisecond,
				uptime:      1,
			},
		},
		{
			name:    "partial outage weighted by half",
			period:  may,
			spans:   []sla.Span{span(mayAt(7, 3, 0), mayAt(7, 5, 0), sla.PartialOutage)},
			weights: sla.Weights{Degraded: 0, PartialOutage: 0.5, MajorOutage: 1},
			want: want{
				downtime: time.Hour,
				budget:   44*time.Minute + 38400*time.Millisecond,
				left:     -(15*time.Minute + 21600*time.Millisecond),
				uptime:   743.0 / 744, breached: true,
				byLevel: map[sla.Level]time.Duration{sla.PartialOutage: 2 * time.Hour},
			},
		},
		{
			name:   "degraded performance is not downtime by default",
			period: may,
			spans:  []sla.Span{span(mayAt(2, 0, 0), mayAt(2, 5, 0), sla.Degraded)},
			want: want{
				budget: 44*time.Minute + 38400*time.Millisecond, left: 44*time.Minute + 38400*time.Millisecond,
				uptime:  1,
				byLevel: map[sla.Level]time.Duration{sla.Degraded: 5 * time.Hour},
			},
		},
		{
			name:    "a fractional weight that is not a binary fraction",
			period:  may,
			spans:   []sla.Span{span(mayAt(2, 0, 0), mayAt(2, 10, 0), sla.Degraded)},
			weights: sla.Weights{Degraded: 0.1, PartialOutage: 1, MajorOutage: 1},
			want: want{
				downtime: time.Hour,
				budget:   44*time.Minute + 38400*time.Millisecond,
				left:     -(15*time.Minute + 21600*time.Millisecond),
				uptime:   743.0 / 744, breached: true,
				byLevel: map[sla.Level]time.Duration{sla.Degraded: 10 * time.Hour},
			},
		},
		{
			name:   "a breach leaves a negative budget",
			period: april,
			spans: []sla.Span{
				span(aprilAt(3, 9, 0), aprilAt(3, 9, 40), sla.MajorOutage),
				span(aprilAt(20, 14, 0), aprilAt(20, 14, 20), sla.PartialOutage),
			},
			want: want{
				downtime: time.Hour, budget: 43*time.Minute + 12*time.Second, left: -(16*time.Minute + 48*time.Second),
				uptime: 719.0 / 720, breached: true,
				byLevel: map[sla.Level]time.Duration{sla.MajorOutage: 40 * time.Minute, sla.PartialOutage: 20 * time.Minute},
			},
		},
		{
			name:   "using exactly the budget is not a breach",
			period: april,
			spans:  []sla.Span{span(aprilAt(3, 9, 0), aprilAt(3, 9, 43).Add(12*time.Second), sla.MajorOutage)},
			want: want{
				downtime: 43*time.Minute + 12*time.Second, budget: 43*time.Minute + 12*time.Second,
				uptime:  0.999,
				byLevel: map[sla.Level]time.Duration{sla.MajorOutage: 43*time.Minute + 12*time.Second},
			},
		},
		{
			name:   "one second over the budget is a breach",
			period: april,
			spans:  []sla.Span{span(aprilAt(3, 9, 0), aprilAt(3, 9, 43).Add(13*time.Second), sla.MajorOutage)},
			want: want{
				downtime: 43*time.Minute + 13*time.Second, budget: 43*time.Minute + 12*time.Second, left: -time.Second,
				uptime: 1 - (43*60+13)/(720*3600.0), breached: true,
				byLevel: map[sla.Level]time.Duration{sla.MajorOutage: 43*time.Minute + 13*time.Second},
			},
		},
		{
			name:   "spans are clipped to the period",
			period: may,
			spans: []sla.Span{
				span(time.Date(2026, 4, 30, 22, 0, 0, 0, time.UTC), mayAt(1, 1, 0), sla.MajorOutage),
				span(mayAt(31, 23, 30), time.Date(2026, 6, 1, 5, 0, 0, 0, time.UTC), sla.MajorOutage),
				span(mayAt(31, 23, 30), mayAt(31, 23, 0), sla.MajorOutage), // inverted: ignored
			},
			want: want{
				downtime: 90 * time.Minute, budget: 44*time.Minute + 38400*time.Millisecond,
				left:   44*time.Minute + 38400*time.Millisecond - 90*time.Minute,
				uptime: 1 - 1.5/744, breached: true,
				byLevel: map[sla.Level]time.Duration{sla.MajorOutage: 90 * time.Minute},
			},
		},
		{
			name:   "overlapping spans count once, the worst level winning",
			period: may,
			spans: []sla.Span{
				span(mayAt(3, 10, 0), mayAt(3, 14, 0), sla.Degraded),
				span(mayAt(3, 11, 0), mayAt(3, 12, 0), sla.MajorOutage),
				span(mayAt(3, 11, 30), mayAt(3, 12, 0), sla.MajorOutage),
			},
			want: want{
				downtime: time.Hour, budget: 44*time.Minute + 38400*time.Millisecond,
				left:   -(15*time.Minute + 21600*time.Millisecond),
				uptime: 743.0 / 744, breached: true,
				byLevel: map[sla.Level]time.Duration{sla.Degraded: 3 * time.Hour, sla.MajorOutage: time.Hour},
			},
		},
		{
			name:        "a period wholly in maintenance has nothing to count",
			period:      sla.Window{From: mayAt(5, 10, 0), To: mayAt(5, 12, 0)},
			spans:       []sla.Span{span(mayAt(5, 10, 0), mayAt(5, 12, 0), sla.MajorOutage)},
			maintenance: []sla.Window{{From: mayAt(5, 9, 0), To: mayAt(5, 13, 0)}},
			want:        want{maintenance: 2 * time.Hour, uptime: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.weights
			if w == (sla.Weights{}) {
				w = sla.DefaultWeights()
			}
			r := sla.Compute(tt.period, tt.spans, tt.maintenance, w, 0.999)
			if r.Total != tt.period.Duration() {
				t.Errorf("Total = %v, want %v", r.Total, tt.period.Duration())
			}
			if r.Maintenance != tt.want.maintenance {
				t.Errorf("Maintenance = %v, want %v", r.Maintenance, tt.want.maintenance)
			}
			if r.Downtime != tt.want.downtime || r.Used != tt.want.downtime {
				t.Errorf("Downtime, Used = %v, %v; want %v", r.Downtime, r.Used, tt.want.downtime)
			}
			if r.Budget != tt.want.budget || r.Left != tt.want.left {
				t.Errorf("Budget, Left = %v, %v; want %v, %v", r.Budget, r.Left, tt.want.budget, tt.want.left)
			}
			if math.Abs(r.Uptime-tt.want.uptime) > 1e-12 {
				t.Errorf("Uptime = %.12f, want %.12f", r.Uptime, tt.want.uptime)
			}
			if r.Breached != tt.want.breached {
				t.Errorf("Breached = %v, want %v", r.Breached, tt.want.breached)
			}
			want := tt.want.byLevel
			if want == nil {
				want = map[sla.Level]time.Duration{}
			}
			if !maps.Equal(r.ByLevel, want) {
				t.Errorf("ByLevel = %v, want %v", r.ByLevel, want)
			}
		})
	}
}

func TestOutageAcrossMonthsIsSplitByMonth(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, paris)
	end := time.Date(2026, 3, 1, 0, 0, 0, 0, paris)
	spans := sla.Timeline(sla.Window{From: start, To: end}, sla.Operational, []sla.Event{
		{At: time.Date(2026, 1, 31, 23, 30, 0, 0, paris), Level: sla.MajorOutage},
		{At: time.Date(2026, 2, 1, 0, 45, 0, 0, paris), Level: sla.Operational},
	})
	months := sla.Months(start, end, paris)
	if len(months) != 2 {
		t.Fatalf("got %d months, want 2", len(months))
	}
	for i, want := range []time.Duration{30 * time.Minute, 45 * time.Minute} {
		r := sla.Compute(months[i], spans, nil, sla.DefaultWeights(), 0.999)
		if r.Downtime != want {
			t.Errorf("%v: Downtime = %v, want %v", months[i].From.Month(), r.Downtime, want)
		}
	}
	if r := sla.Compute(sla.Window{From: start, To: end}, spans, nil, sla.DefaultWeights(), 0.999); r.Downtime != 75*time.Minute {
		t.Errorf("both months: Downtime = %v, want 1h15m", r.Downtime)
	}
}

func TestWeightsValidate(t *testing.T) {
	if err := sla.DefaultWeights().Validate(); err != nil {
		t.Errorf("DefaultWeights: %v", err)
	}
	if err := (sla.Weights{Degraded: 0.25, PartialOutage: 0.5, MajorOutage: 1}).Validate(); err != nil {
		t.Errorf("fractions: %v", err)
	}
	err := sla.Weights{Degraded: -0.1, PartialOutage: math.NaN(), MajorOutage: 1.5}.Validate()
	if !errors.Is(err, sla.ErrBadWeight) || !errs.Is(err, errs.Invalid) {
		t.Fatalf("error = %v, want an invalid ErrBadWeight", err)
	}
	want := "degraded weight -0.1: want a number from 0 to 1; partial_outage weight NaN: want a number from 0 to 1; major_outage weight 1.5: want a number from 0 to 1"
	if got := errs.MessageOf(err); got != want {
		t.Errorf("message = %q\nwant      %q", got, want)
	}
}

func TestOutOfRangeWeightsAreClamped(t *testing.T) {
	spans := []sla.Span{span(mayAt(2, 0, 0), mayAt(2, 2, 0), sla.MajorOutage), span(mayAt(3, 0, 0), mayAt(3, 2, 0), sla.Degraded)}
	r := sla.Compute(may, spans, nil, sla.Weights{Degraded: -3, MajorOutage: 7}, 0.999)
	if r.Downtime != 2*time.Hour {
		t.Errorf("Downtime = %v, want 2h (major at weight 1, degraded at 0)", r.Downtime)
	}
}

// TestCumulativeMatchesCompute: the downtime to each end equals Compute's over [from, end),
// exactly, whatever the weights (each level is weighed once, on its total).
func TestCumulativeMatchesCompute(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	month := sla.Month(time.Date(2026, 3, 10, 0, 0, 0, 0, paris), paris)
	spans := sla.Timeline(month, sla.Operational, []sla.Event{
		{At: time.Date(2026, 3, 3, 23, 50, 0, 0, paris), Level: sla.MajorOutage},
		{At: time.Date(2026, 3, 4, 0, 20, 0, 0, paris), Level: sla.Degraded},
		{At: time.Date(2026, 3, 4, 2, 0, 0, 0, paris), Level: sla.Operational},
		{At: time.Date(2026, 3, 29, 1, 30, 0, 0, paris), Level: sla.PartialOutage},
		{At: time.Date(2026, 3, 29, 3, 30, 0, 0, paris), Level: sla.Operational},
	})
	maintenance := []sla.Window{{From: time.Date(2026, 3, 4, 0, 0, 0, 0, paris), To: time.Date(2026, 3, 4, 0, 10, 0, 0, paris)}}
	w := sla.Weights{Degraded: 0.1, PartialOutage: 0.3, MajorOutage: 1}
	var ends []time.Time
	for d := 2; d <= 32; d++ {
		ends = append(ends, time.Date(2026, 3, d, 0, 0, 0, 0, paris))
	}
	got := sla.Cumulative(month.From, ends, spans, maintenance, w)
	for i, end := range ends {
		if want := sla.Compute(sla.Window{From: month.From, To: end}, spans, maintenance, w, 0.999).Downtime; got[i] != want {
			t.Errorf("to %v: %v, Compute says %v", end, got[i], want)
		}
	}
	// 20 min major outside maintenance, 100 min degraded at 0.1, and the partial outage over the
	// night the clocks spring forward (one real hour) at 0.3.
	if total := got[len(got)-1]; total != 20*time.Minute+10*time.Minute+18*time.Minute {
		t.Errorf("month total %v, want 48m", total)
	}
}
