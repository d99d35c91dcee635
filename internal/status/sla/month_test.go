package sla_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"vigie/internal/status/sla"
)

// TestComputeAcrossDST measures outages that straddle a clock change in the page's zone: the
// wall clock says two hours, real time says one (spring) or three (autumn), and real time is
// what counts, against a month of 743 or 745 real hours and a day of 23 or 25.
func TestComputeAcrossDST(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	local := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, paris) }
	tests := []struct {
		name               string
		from, to           time.Time // wall-clock 01:30 to 03:30 on the night of the change
		day                sla.Window
		monthTotal, dayLen time.Duration
		downtime           time.Duration
	}{
		{
			name: "spring forward: 01:30 to 03:30 is one hour",
			from: local(3, 29, 1, 30), to: local(3, 29, 3, 30),
			day:        sla.Window{From: local(3, 29, 0, 0), To: local(3, 30, 0, 0)},
			monthTotal: 743 * time.Hour, dayLen: 23 * time.Hour, downtime: time.Hour,
		},
		{
			name: "fall back: 01:30 to 03:30 is three hours",
			from: local(10, 25, 1, 30), to: local(10, 25, 3, 30),
			day:        sla.Window{From: local(10, 25, 0, 0), To: local(10, 26, 0, 0)},
			monthTotal: 745 * time.Hour, dayLen: 25 * time.Hour, downtime: 3 * time.Hour,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			month := sla.Month(tt.from, paris)
			spans := sla.Timeline(month, sla.Operational, []sla.Event{{At: tt.from, Level: sla.MajorOutage}, {At: tt.to, Level: sla.Operational}})
			for _, c := range []struct {
				what   string
				period sla.Window
				total  time.Duration
			}{{"month", month, tt.monthTotal}, {"day", tt.day, tt.dayLen}} {
				r := sla.Compute(c.period, spans, nil, sla.DefaultWeights(), 0.999)
				if r.Total != c.total || r.Downtime != tt.downtime {
					t.Errorf("%s: Total %v, Downtime %v; want %v, %v", c.what, r.Total, r.Downtime, c.total, tt.downtime)
				}
				if want := 1 - tt.downtime.Hours()/c.total.Hours(); math.Abs(r.Uptime-want) > 1e-12 {
					t.Errorf("%s: Uptime %.9f, want %.9f", c.what, r.Uptime, want)
				}
			}
		})
	}
}

// TestMonthBoundaryFollowsTheZone reports the same outage, at 23:30 UTC on 31 January, in a UTC
// page and in a Paris page: for Paris it is already February.
func TestMonthBoundaryFollowsTheZone(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	outage := []sla.Span{span(time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC), time.Date(2026, 1, 31, 23, 50, 0, 0, time.UTC), sla.MajorOutage)}
	tests := []struct {
		loc                  *time.Location
		january, february    time.Duration
		janTotal, febTotal   time.Duration
		janBudget, febBudget time.Duration
	}{
		{time.UTC, 20 * time.Minute, 0, 744 * time.Hour, 672 * time.Hour, 44*time.Minute + 38400*time.Millisecond, 40*time.Minute + 19200*time.Millisecond},
		{paris, 0, 20 * time.Minute, 744 * time.Hour, 672 * time.Hour, 44*time.Minute + 38400*time.Millisecond, 40*time.Minute + 19200*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.loc.String(), func(t *testing.T) {
			jan := sla.Compute(sla.Month(time.Date(2026, 1, 15, 0, 0, 0, 0, tt.loc), tt.loc), outage, nil, sla.DefaultWeights(), 0.999)
			feb := sla.Compute(sla.Month(time.Date(2026, 2, 15, 0, 0, 0, 0, tt.loc), tt.loc), outage, nil, sla.DefaultWeights(), 0.999)
			if jan.Downtime != tt.january || feb.Downtime != tt.february {
				t.Errorf("downtime January %v, February %v; want %v, %v", jan.Downtime, feb.Downtime, tt.january, tt.february)
			}
			if jan.Total != tt.janTotal || feb.Total != tt.febTotal || jan.Budget != tt.janBudget || feb.Budget != tt.febBudget {
				t.Errorf("totals %v, %v, budgets %v, %v", jan.Total, feb.Total, jan.Budget, feb.Budget)
			}
		})
	}
}

// TestMaintenanceOverAnOutageSpanningMonths: a 4-hour outage from 22:00 on 30 April to 02:00 on
// 1 May (UTC) with a maintenance window from 23:00 to 01:00 over the change of month. Each month
// loses one hour of downtime and one hour of counted time.
func TestMaintenanceOverAnOutageSpanningMonths(t *testing.T) {
	utc := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	spans := []sla.Span{span(utc(4, 30, 22), utc(5, 1, 2), sla.MajorOutage)}
	maintenance := []sla.Window{{From: utc(4, 30, 23), To: utc(5, 1, 1)}}
	tests := []struct {
		month  sla.Window
		total  time.Duration
		budget time.Duration
	}{
		{sla.Month(utc(4, 10, 0), time.UTC), 720 * time.Hour, 43*time.Minute + 8400*time.Millisecond},  // 719 h at 0.1%
		{sla.Month(utc(5, 10, 0), time.UTC), 744 * time.Hour, 44*time.Minute + 34800*time.Millisecond}, // 743 h at 0.1%
	}
	for _, tt := range tests {
		r := sla.Compute(tt.month, spans, maintenance, sla.DefaultWeights(), 0.999)
		if r.Total != tt.total || r.Maintenance != time.Hour || r.Downtime != time.Hour || r.Budget != tt.budget || !r.Breached {
			t.Errorf("%v: Total %v, Maintenance %v, Downtime %v, Budget %v, Breached %v", tt.month.From.Month(), r.Total, r.Maintenance, r.Downtime, r.Budget, r.Breached)
		}
		if want := 1 - 1/(tt.total.Hours()-1); math.Abs(r.Uptime-want) > 1e-12 {
			t.Errorf("%v: Uptime %.9f, want %.9f", tt.month.From.Month(), r.Uptime, want)
		}
	}
}

// TestUptimeWithoutEventsIsOne is the property that a component without a single state change
// (so always operational) has uptime 1 and spends nothing, whatever the month, zone, maintenance,
// weights and target; and that with random events uptime stays within [0, 1].
func TestUptimeWithoutEventsIsOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	zones := []*time.Location{time.UTC, mustLoad(t, "Europe/Paris"), mustLoad(t, "America/New_York"), mustLoad(t, "Australia/Lord_Howe"), mustLoad(t, "Asia/Kathmandu")}
	for i := range 1000 {
		loc := zones[rng.IntN(len(zones))]
		month := sla.Month(time.Date(1990+rng.IntN(60), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 12, 0, 0, 0, loc), loc)
		var maintenance []sla.Window
		for range rng.IntN(5) {
			from := month.From.Add(time.Duration(rng.Int64N(int64(month.Duration()))))
			maintenance = append(maintenance, sla.Window{From: from, To: from.Add(time.Duration(rng.IntN(72*60)) * time.Minute)})
		}
		w := sla.Weights{Degraded: rng.Float64(), PartialOutage: rng.Float64(), MajorOutage: rng.Float64()}
		target := rng.Float64()

		for _, spans := range [][]sla.Span{nil, sla.Timeline(month, sla.Operational, nil)} {
			r := sla.Compute(month, spans, maintenance, w, target)
			if r.Uptime != 1 || r.Downtime != 0 || r.Breached || r.Left != r.Budget || len(r.ByLevel) != 0 {
				t.Fatalf("case %d (%v, %v): no events gave Uptime %v, Downtime %v, Breached %v, Left %v of %v",
					i, loc, month.From, r.Uptime, r.Downtime, r.Breached, r.Left, r.Budget)
			}
		}

		var events []sla.Event
		for range rng.IntN(40) {
			events = append(events, sla.Event{At: month.From.Add(time.Duration(rng.Int64N(int64(month.Duration())))), Level: sla.Level(rng.IntN(4))})
		}
		r := sla.Compute(month, sla.Timeline(month, sla.Level(rng.IntN(4)), events), maintenance, w, target)
		if !(r.Uptime >= 0 && r.Uptime <= 1) {
			t.Fatalf("case %d: Uptime %v outside [0, 1]", i, r.Uptime)
		}
	}
}
