package sla

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"vigie/internal/clock"
	"vigie/internal/errs"
)

// Weights say how much of a minute at each level counts as downtime, from 0 to 1.
type Weights struct {
	Degraded, PartialOutage, MajorOutage float64
}

// DefaultWeights counts partial and major outages fully and degraded performance not at all,
// as Statuspage does.
func DefaultWeights() Weights {
	return Weights{Degraded: 0, PartialOutage: 1, MajorOutage: 1}
}

// ErrBadWeight is returned (wrapped in an errs.Invalid error) by Weights.Validate.
var ErrBadWeight = errors.New("weight out of range")

// Validate reports weights outside [0, 1]. Computations clamp them anyway, so that a report can
// never show more downtime than time, but configuration should say so instead.
func (w Weights) Validate() error {
	var bad []string
	for _, f := range []struct {
		name string
		v    float64
	}{{"degraded", w.Degraded}, {"partial_outage", w.PartialOutage}, {"major_outage", w.MajorOutage}} {
		if !(f.v >= 0 && f.v <= 1) { // written so that NaN is caught too
			bad = append(bad, fmt.Sprintf("%s weight %v: want a number from 0 to 1", f.name, f.v))
		}
	}
	if len(bad) > 0 {
		return errs.Wrap(errs.Invalid, ErrBadWeight, "%s", strings.Join(bad, "; "))
	}
	return nil
}

func (w Weights) of(l Level) float64 {
	switch l {
	case Degraded:
		return w.Degraded
	case PartialOutage:
		return w.PartialOutage
	case MajorOutage:
		return w.MajorOutage
	}
	return 0
}

// downtime weighs the time at each level. Each level is weighed once, on its total, so rounding
// happens at most once per level rather than once per span.
func (w Weights) downtime(t tally) time.Duration {
	var d time.Duration
	for l := Degraded; l <= MajorOutage; l++ {
		d += scale(t.at[l], fraction(w.of(l)))
	}
	return d
}

// Report is the SLA of one period.
type Report struct {
	Period      Window
	Total       time.Duration // real elapsed time of the period: a DST month is 1h shorter or longer
	Maintenance time.Duration // union of maintenance windows clipped to the period
	Downtime    time.Duration // weighted downtime outside maintenance
	Uptime      float64       // (Total - Maintenance - Downtime) / (Total - Maintenance); 1 when that is 0
	Target      float64       // e.g. 0.999
	Budget      time.Duration // (1 - Target) * (Total - Maintenance), truncated to the nanosecond
	Used        time.Duration // == Downtime
	Left        time.Duration // Budget - Used; negative once breached
	Breached    bool          // Uptime < Target, decided exactly: Used > Budget

	// ByLevel is the unweighted time at each non-operational level outside maintenance; levels
	// never reached are absent.
	ByLevel map[Level]time.Duration
}

// Compute reports on period. Spans are clipped to the period, and where they overlap the worst
// level wins; time no span covers counts as operational. Time inside a maintenance window counts
// neither as downtime nor in the denominator; overlapping maintenance windows are unioned.
// The target is clamped to [0, 1] for the budget.
func Compute(period Window, spans []Span, maintenance []Window, w Weights, target float64) Report {
	// Only what touches the period matters; dropping the rest first keeps a month of a long
	// history from paying for sorting the whole history.
	return prepare(touching(spans, maintenance, period)).compute(period, w, target)
}

// Prepared is a history (spans and maintenance) normalised once, for several computations over
// it: a report's month, its counted part and its episodes.
type Prepared struct{ p prepared }

// Prepare normalises spans and maintenance as Compute does.
func Prepare(spans []Span, maintenance []Window) *Prepared {
	return &Prepared{prepare(spans, maintenance)}
}

// Compute is Compute over the prepared history.
func (p *Prepared) Compute(period Window, w Weights, target float64) Report {
	return p.p.compute(period, w, target)
}

// Episodes is Episodes over the prepared history.
func (p *Prepared) Episodes(period Window, w Weights) []Episode { return p.p.episodes(period, w) }

func (p prepared) compute(period Window, w Weights, target float64) Report {
	t := p.measure(period)
	total := period.Duration()
	counted := total - t.maint
	down := w.downtime(t)
	budget := scale(counted, new(big.Rat).Sub(big.NewRat(1, 1), fraction(target)))
	return Report{
		Period:      period,
		Total:       total,
		Maintenance: t.maint,
		Downtime:    down,
		Uptime:      uptime(counted, down),
		Target:      target,
		Budget:      budget,
		Used:        down,
		Left:        budget - down,
		// With integer nanoseconds, down > (1-target)*counted exactly iff down > its truncation,
		// so this is Uptime < Target without float rounding at the boundary.
		Breached: down > budget,
		ByLevel:  t.byLevel(),
	}
}

func uptime(counted, down time.Duration) float64 {
	if counted <= 0 {
		return 1
	}
	return float64(counted-down) / float64(counted)
}

// prepared holds spans and maintenance normalised once (sorted, disjoint), so that measuring many
// windows (90 days, 12 months, burn-rate windows) costs a binary search each.
type prepared struct {
	spans []Span
	maint []Window
}

func prepare(spans []Span, maintenance []Window) prepared {
	return prepared{spans: Worst(spans), maint: union(maintenance)}
}

// touching keeps the spans and windows that overlap period.
func touching(spans []Span, windows []Window, period Window) ([]Span, []Window) {
	overlaps := func(from, to time.Time) bool { return from.Before(period.To) && to.After(period.From) }
	var s []Span
	for _, x := range spans {
		if overlaps(x.From, x.To) {
			s = append(s, x)
		}
	}
	var w []Window
	for _, x := range windows {
		if overlaps(x.From, x.To) {
			w = append(w, x)
		}
	}
	return s, w
}

// tally is the time inside a window: in maintenance, and at each level outside maintenance.
type tally struct {
	maint time.Duration
	at    [numLevels]time.Duration
}

func (p prepared) measure(win Window) tally {
	var t tally
	if win.empty() {
		return t
	}
	for _, m := range windowsOver(p.maint, win) {
		t.maint += intersect(m, win).Duration()
	}
	for _, s := range spansOver(p.spans, win) {
		part := intersect(s.Window(), win)
		d := part.Duration()
		for _, m := range windowsOver(p.maint, part) {
			d -= intersect(m, part).Duration()
		}
		t.at[s.Level] += d
	}
	return t
}

func (t tally) byLevel() map[Level]time.Duration {
	m := make(map[Level]time.Duration)
	for l := Degraded; l <= MajorOutage; l++ {
		if t.at[l] > 0 {
			m[l] = t.at[l]
		}
	}
	return m
}

func (t tally) worst() Level {
	for l := MajorOutage; l > Operational; l-- {
		if t.at[l] > 0 {
			return l
		}
	}
	return Operational
}

// fraction reads f as the shortest decimal that prints as f, clamped to [0, 1] (NaN reads as 0).
// 0.9999 then means the 9999/10000 the operator wrote rather than the nearest binary float, with
// which a 30-day budget comes out a nanosecond short of 4m19.2s.
func fraction(f float64) *big.Rat {
	// 0 and 1, the usual weights, need no parsing.
	if !(f > 0) {
		return ratZero
	}
	if f >= 1 {
		return ratOne
	}
	// The shortest 'g' form of a finite float is always a valid big.Rat literal.
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return r
}

// ratZero and ratOne are shared and never modified: fraction's callers only read them.
var ratZero, ratOne = new(big.Rat), big.NewRat(1, 1)

// scale returns d*r truncated to the nanosecond, exactly (d ≥ 0, 0 ≤ r ≤ 1).
func scale(d time.Duration, r *big.Rat) time.Duration {
	if d <= 0 || r.Sign() <= 0 {
		return 0
	}
	n := new(big.Int).Mul(big.NewInt(int64(d)), r.Num())
	return time.Duration(n.Quo(n, r.Denom()).Int64())
}

// errorBudget is 1 - target as a float, computed on the decimal target.
func errorBudget(target float64) float64 {
	f, _ := new(big.Rat).Sub(big.NewRat(1, 1), fraction(target)).Float64()
	return f
}

// Month is the calendar month containing t in loc: [first day 00:00, first day of next month
// 00:00), both in loc. A nil loc means UTC.
func Month(t time.Time, loc *time.Location) Window {
	if loc == nil {
		loc = time.UTC
	}
	y, m, _ := t.In(loc).Date()
	return Window{time.Date(y, m, 1, 0, 0, 0, 0, loc), time.Date(y, m+1, 1, 0, 0, 0, 0, loc)}
}

// Months lists the calendar months (in loc) overlapping [from, to), oldest first.
func Months(from, to time.Time, loc *time.Location) []Window {
	var out []Window
	for m := Month(from, loc); from.Before(to) && m.From.Before(to); m = Month(m.To, loc) {
		out = append(out, m)
	}
	return out
}

// Day is one bar of a status page's 90-day uptime history.
type Day struct {
	Date     Window        // the calendar day in loc (23 or 25 h on DST days)
	Worst    Level         // worst level outside maintenance that day
	Downtime time.Duration // weighted downtime that day, outside maintenance
	ByLevel  map[Level]time.Duration
	Uptime   float64 // over the counted part of the day (see Days); 1 when nothing is counted
	NoData   bool    // nothing of the day up to now is after since: there is no data yet
}

// Days returns one Day per calendar day (in loc; nil means UTC) for the n days ending with the day
// containing now, oldest first. The part of a day before since has no data and is left out of the
// denominator like maintenance; a day with nothing counted after since is NoData. The day
// containing now is counted only up to now.
func Days(now time.Time, n int, loc *time.Location, since time.Time, spans []Span, maintenance []Window, w Weights) []Day {
	if n <= 0 {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	p := prepare(spans, maintenance)
	y, m, d := now.In(loc).Date()
	out := make([]Day, 0, n)
	for i := n - 1; i >= 0; i-- {
		// time.Date normalises d-i across months and years and lands on local midnight, so DST
		// days come out 23 or 25 hours long.
		date := Window{time.Date(y, m, d-i, 0, 0, 0, 0, loc), time.Date(y, m, d-i+1, 0, 0, 0, 0, loc)}
		counted := Window{clock.Later(date.From, since), clock.Earlier(date.To, now)}
		if !since.Before(counted.To) {
			out = append(out, Day{Date: date, ByLevel: map[Level]time.Duration{}, Uptime: 1, NoData: true})
			continue
		}
		t := p.measure(counted)
		down := w.downtime(t)
		out = append(out, Day{
			Date:     date,
			Worst:    t.worst(),
			Downtime: down,
			ByLevel:  t.byLevel(),
			Uptime:   uptime(counted.Duration()-t.maint, down),
		})
	}
	return out
}

// Cumulative is the weighted downtime from from to each of ends (ascending), what Compute
// would report for [from, end), with the spans prepared once: a month's daily burn costs one
// sort, not one per day.
func Cumulative(from time.Time, ends []time.Time, spans []Span, maintenance []Window, w Weights) []time.Duration {
	return prepare(spans, maintenance).cumulative(from, ends, w)
}

func (p prepared) cumulative(from time.Time, ends []time.Time, w Weights) []time.Duration {
	var sum tally
	out := make([]time.Duration, len(ends))
	for i, end := range ends {
		t := p.measure(Window{from, end})
		for l := range sum.at {
			sum.at[l] += t.at[l]
		}
		out[i] = w.downtime(sum)
		from = clock.Later(from, end)
	}
	return out
}
