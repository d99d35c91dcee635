package sla_test

import (
	"encoding/binary"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"vigie/internal/clock"
	"vigie/internal/status/sla"
)

// reference measures a period the slow, obvious way: it looks at the state at every step (all
// boundaries in these tests are multiples of step from period.From, so sampling is exact).
// Uncovered instants are operational; overlapping spans give the worst level.
func reference(period sla.Window, spans []sla.Span, maintenance []sla.Window, step time.Duration) (maint time.Duration, byLevel map[sla.Level]time.Duration) {
	byLevel = map[sla.Level]time.Duration{}
	for t := period.From; t.Before(period.To); t = t.Add(step) {
		in := func(from, to time.Time) bool { return !t.Before(from) && t.Before(to) }
		inMaint := false
		for _, m := range maintenance {
			inMaint = inMaint || in(m.From, m.To)
		}
		if inMaint {
			maint += step
			continue
		}
		worst := sla.Operational
		for _, s := range spans {
			if in(s.From, s.To) {
				worst = max(worst, s.Level)
			}
		}
		if worst != sla.Operational {
			byLevel[worst] += step
		}
	}
	return maint, byLevel
}

// perMille weights are decimals the reference can apply with integer maths.
type perMille [4]int64 // indexed by level; [Operational] unused

func (p perMille) weights() sla.Weights {
	return sla.Weights{Degraded: float64(p[1]) / 1000, PartialOutage: float64(p[2]) / 1000, MajorOutage: float64(p[3]) / 1000}
}

func (p perMille) downtime(byLevel map[sla.Level]time.Duration) time.Duration {
	var d time.Duration
	for l, t := range byLevel {
		d += time.Duration(int64(t) * p[l] / 1000)
	}
	return d
}

// checkReport compares r with the reference and checks the invariants every report must hold.
func checkReport(t *testing.T, r sla.Report, period sla.Window, spans []sla.Span, maintenance []sla.Window, w perMille, targetPer100k int64, step time.Duration) {
	t.Helper()
	maint, byLevel := reference(period, spans, maintenance, step)
	if r.Maintenance != maint {
		t.Errorf("Maintenance = %v, reference %v", r.Maintenance, maint)
	}
	if !maps.Equal(r.ByLevel, byLevel) {
		t.Errorf("ByLevel = %v, reference %v", r.ByLevel, byLevel)
	}
	if want := w.downtime(byLevel); r.Downtime != want {
		t.Errorf("Downtime = %v, reference %v", r.Downtime, want)
	}
	counted := r.Total - r.Maintenance
	if want := time.Duration(int64(counted) * (100000 - targetPer100k) / 100000); r.Budget != want {
		t.Errorf("Budget = %v, reference %v (target %d/100000 of %v)", r.Budget, want, targetPer100k, counted)
	}
	checkInvariants(t, r)
}

func checkInvariants(t *testing.T, r sla.Report) {
	t.Helper()
	if !(r.Uptime >= 0 && r.Uptime <= 1) {
		t.Errorf("Uptime %v outside [0, 1]", r.Uptime)
	}
	if r.Used+r.Left != r.Budget {
		t.Errorf("Used %v + Left %v != Budget %v", r.Used, r.Left, r.Budget)
	}
	if r.Used != r.Downtime {
		t.Errorf("Used %v != Downtime %v", r.Used, r.Downtime)
	}
	if r.Maintenance < 0 || r.Maintenance > r.Total {
		t.Errorf("Maintenance %v outside [0, Total %v]", r.Maintenance, r.Total)
	}
	var levels time.Duration
	for _, d := range r.ByLevel {
		levels += d
	}
	if r.Downtime < 0 || r.Downtime > levels || levels > r.Total-r.Maintenance {
		t.Errorf("Downtime %v, time at levels %v, counted time %v: want 0 ≤ Downtime ≤ levels ≤ counted", r.Downtime, levels, r.Total-r.Maintenance)
	}
	if r.Breached != (r.Left < 0) {
		t.Errorf("Breached %v with Left %v", r.Breached, r.Left)
	}
	if levels == 0 && (r.Uptime != 1 || r.Breached) {
		t.Errorf("no time at any outage level, yet Uptime %v, Breached %v", r.Uptime, r.Breached)
	}
}

var (
	weightChoices = []int64{0, 100, 250, 333, 500, 750, 1000}
	targetChoices = []int64{0, 90000, 99000, 99500, 99900, 99950, 99990, 99999, 100000}
)

// TestComputeMatchesReference runs random spans (overlapping, inverted, outside the period) and
// maintenance against the second-by-second reference.
func TestComputeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC) // around the Paris DST change, for good measure
	for i := range 500 {
		periodFrom := base.Add(time.Duration(rng.IntN(600)) * time.Second)
		period := sla.Window{From: periodFrom, To: periodFrom.Add(time.Duration(rng.IntN(3000)) * time.Second)}
		randWindow := func() (time.Time, time.Time) {
			from := base.Add(time.Duration(rng.IntN(4000)-200) * time.Second)
			return from, from.Add(time.Duration(rng.IntN(900)-50) * time.Second)
		}
		var spans []sla.Span
		if rng.IntN(2) == 0 {
			// A well-formed timeline, as callers build them.
			var events []sla.Event
			for range rng.IntN(12) {
				from, _ := randWindow()
				events = append(events, sla.Event{At: from, Level: sla.Level(rng.IntN(4))})
			}
			spans = sla.Timeline(period, sla.Level(rng.IntN(4)), events)
		} else {
			for range rng.IntN(12) {
				from, to := randWindow()
				spans = append(spans, sla.Span{From: from, To: to, Level: sla.Level(rng.IntN(4))})
			}
		}
		var maintenance []sla.Window
		for range rng.IntN(4) {
			from, to := randWindow()
			maintenance = append(maintenance, sla.Window{From: from, To: to})
		}
		w := perMille{0, weightChoices[rng.IntN(len(weightChoices))], weightChoices[rng.IntN(len(weightChoices))], weightChoices[rng.IntN(len(weightChoices))]}
		target := targetChoices[rng.IntN(len(targetChoices))]

		r := sla.Compute(period, spans, maintenance, w.weights(), float64(target)/100000)
		checkReport(t, r, period, spans, maintenance, w, target, time.Second)
		if t.Failed() {
			t.Fatalf("case %d: period [%v, %v)\nspans%s\nmaintenance %v\nweights %v target %d", i, period.From, period.To, fmtSpans(spans), maintenance, w, target)
		}
	}
}

// TestMonthlyReportsAddUp checks that months split a long period without losing or double
// counting anything, in zones with and without DST.
func TestMonthlyReportsAddUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	zones := []*time.Location{time.UTC, mustLoad(t, "Europe/Paris"), mustLoad(t, "America/New_York"), mustLoad(t, "Australia/Lord_Howe")}
	for i := range 100 {
		loc := zones[i%len(zones)]
		from := time.Date(2025, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), 0, 0, 0, loc)
		period := sla.Window{From: from, To: from.Add(time.Duration(rng.IntN(400*24)) * time.Hour)}
		randTime := func() time.Time { return period.From.Add(time.Duration(rng.Int64N(int64(period.Duration()) + 1))) }
		var events []sla.Event
		for range rng.IntN(60) {
			events = append(events, sla.Event{At: randTime(), Level: sla.Level(rng.IntN(4))})
		}
		spans := sla.Timeline(period, sla.Operational, events)
		var maintenance []sla.Window
		for range rng.IntN(10) {
			start := randTime()
			maintenance = append(maintenance, sla.Window{From: start, To: start.Add(time.Duration(rng.IntN(48*60)) * time.Minute)})
		}

		whole := sla.Compute(period, spans, maintenance, sla.DefaultWeights(), 0.999)
		checkInvariants(t, whole)
		var sum sla.Report
		sum.ByLevel = map[sla.Level]time.Duration{}
		for _, m := range sla.Months(period.From, period.To, loc) {
			r := sla.Compute(sla.Window{From: clock.Later(m.From, period.From), To: clock.Earlier(m.To, period.To)}, spans, maintenance, sla.DefaultWeights(), 0.999)
			checkInvariants(t, r)
			sum.Total += r.Total
			sum.Maintenance += r.Maintenance
			sum.Downtime += r.Downtime
			for l, d := range r.ByLevel {
				sum.ByLevel[l] += d
			}
		}
		if sum.Total != whole.Total || sum.Maintenance != whole.Maintenance || sum.Downtime != whole.Downtime || !maps.Equal(sum.ByLevel, whole.ByLevel) {
			t.Fatalf("case %d (%v): months add up to Total %v, Maintenance %v, Downtime %v, ByLevel %v\nwhole period:        Total %v, Maintenance %v, Downtime %v, ByLevel %v",
				i, loc, sum.Total, sum.Maintenance, sum.Downtime, sum.ByLevel, whole.Total, whole.Maintenance, whole.Downtime, whole.ByLevel)
		}
	}
}

// TestTimelineCoversThePeriod checks that random events always give contiguous spans, without
// empty spans or equal neighbours, that exactly cover the period.
func TestTimelineCoversThePeriod(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 500 {
		period := sla.Window{From: at(0, rng.IntN(60)), To: at(0, rng.IntN(600))}
		var events []sla.Event
		for range rng.IntN(20) {
			events = append(events, sla.Event{At: at(0, rng.IntN(700)-50), Level: sla.Level(rng.IntN(4))})
		}
		spans := sla.Timeline(period, sla.Level(rng.IntN(4)), events)
		if period.Duration() == 0 {
			if spans != nil {
				t.Fatalf("case %d: empty period gave%s", i, fmtSpans(spans))
			}
			continue
		}
		ok := len(spans) > 0 && spans[0].From.Equal(period.From) && spans[len(spans)-1].To.Equal(period.To)
		for j, s := range spans {
			ok = ok && s.From.Before(s.To)
			if j > 0 {
				ok = ok && spans[j-1].To.Equal(s.From) && spans[j-1].Level != s.Level
			}
		}
		if !ok {
			t.Fatalf("case %d: period [%v, %v) gave%s", i, period.From, period.To, fmtSpans(spans))
		}
	}
}

// FuzzCompute decodes spans and maintenance windows from bytes (4 bytes each: kind, start minute
// as uint16, signed length in minutes) and checks Compute against the minute-by-minute reference.
func FuzzCompute(f *testing.F) {
	f.Add([]byte{3, 0, 10, 20, 4, 0, 15, 30}, uint16(120), uint8(1), uint8(5), uint8(10), uint32(99900))
	f.Add([]byte{1, 0, 0, 100, 2, 0, 50, 100, 3, 0, 60, 0xF0, 4, 0, 0, 0x7F}, uint16(600), uint8(10), uint8(3), uint8(0), uint32(99000))
	f.Add([]byte{}, uint16(0), uint8(0), uint8(0), uint8(0), uint32(0))
	base := time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, periodMinutes uint16, wDeg, wPart, wMajor uint8, target uint32) {
		minute := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
		period := sla.Window{From: minute(0), To: minute(int(periodMinutes % 4096))}
		var spans []sla.Span
		var maintenance []sla.Window
		for ; len(data) >= 4; data = data[4:] {
			start := int(binary.BigEndian.Uint16(data[1:3])%4200) - 50
			from, to := minute(start), minute(start+int(int8(data[3])))
			if kind := data[0] % 5; kind == 4 {
				maintenance = append(maintenance, sla.Window{From: from, To: to})
			} else {
				spans = append(spans, sla.Span{From: from, To: to, Level: sla.Level(kind)})
			}
		}
		w := perMille{0, int64(wDeg%11) * 100, int64(wPart%11) * 100, int64(wMajor%11) * 100}
		targetPer100k := int64(target % 100001)
		r := sla.Compute(period, spans, maintenance, w.weights(), float64(targetPer100k)/100000)
		checkReport(t, r, period, spans, maintenance, w, targetPer100k, time.Minute)
	})
}
