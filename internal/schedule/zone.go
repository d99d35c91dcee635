package schedule

import (
	"math"
	"slices"
	"time"
)

// Wall-clock times are handled as "wall seconds": the Unix seconds a wall reading would have if
// the zone were UTC. A civil day is a UTC midnight time.Time, which makes day arithmetic exact.

const (
	secondsPerDay = 24 * 60 * 60

	// horizonDays bounds every search: the Gregorian calendar, weekdays included, repeats every
	// 400 years (146,097 days), so a calendar rule with no start in that span never has one.
	horizonDays = 146097

	// zoneMargin is wider than any UTC offset (±14h today, ±15h in history) plus the largest
	// jump a zone ever made (Samoa skipped a whole day in 2011), so every instant of a day's
	// wall clock and the transitions around it fall inside the window.
	zoneMargin = 2 * secondsPerDay
)

// zoneSpan is a stretch of time [start, end) in Unix seconds during which a zone keeps one UTC
// offset.
type zoneSpan struct {
	start, end, offset int64
}

// daySpans returns the spans covering every instant whose wall clock falls on day, in order.
func daySpans(loc *time.Location, day time.Time) []zoneSpan {
	from, to := day.Unix()-zoneMargin, day.Unix()+secondsPerDay+zoneMargin
	var spans []zoneSpan
	for t := from; ; {
		in := time.Unix(t, 0).In(loc)
		_, offset := in.Zone()
		s, e := in.ZoneBounds()
		span := zoneSpan{start: math.MinInt64, end: math.MaxInt64, offset: int64(offset)}
		if !s.IsZero() {
			span.start = s.Unix()
		}
		if !e.IsZero() {
			span.end = e.Unix()
		}
		spans = append(spans, span)
		if span.end >= to || span.end <= t {
			return spans
		}
		t = span.end
	}
}

// resolve appends to out the instants at which the wall clock reads wall.
//
// A fixed-time schedule (one that names its hour and minute) starts once per wall time: at its
// first occurrence when the clock falls back and repeats it, and at the first instant after
// the gap when the clock springs forward over it. Any other schedule follows the clock: a
// repeated wall time starts twice and a skipped one not at all, so "every hour" keeps starting
// every real hour.
func resolve(spans []zoneSpan, wall int64, fixed bool, out []int64) []int64 {
	found := false
	for _, s := range spans {
		u := wall - s.offset
		if u >= s.start && u < s.end {
			out = append(out, u)
			found = true
			if fixed {
				return out
			}
		}
	}
	if found || !fixed {
		return out
	}
	// wall is in a gap: it lies between the end of one span's wall clock and the start of the
	// next one's, and that next span's first instant is the first one after the gap.
	for i, s := range spans {
		if i > 0 && s.start+s.offset > wall {
			return append(out, s.start)
		}
	}
	return out
}

// dayWalls returns, for a civil day, the wall seconds at which a schedule starts that day, in
// increasing order, or nil when it does not start that day.
type dayWalls func(day time.Time) []int64

// walk yields, in increasing order and without repeats, the instants (Unix seconds) of the
// wall times given by walls, day after day from the civil day first, for at most horizonDays
// days, until yield returns false.
func walk(loc *time.Location, fixed bool, first time.Time, walls dayWalls, yield func(u int64) bool) {
	last := int64(math.MinInt64)
	var buf []int64
	for day, n := first, 0; n < horizonDays; day, n = day.Add(secondsPerDay*time.Second), n+1 {
		ws := walls(day)
		if len(ws) == 0 {
			continue
		}
		spans := daySpans(loc, day)
		buf = buf[:0]
		for _, w := range ws {
			buf = resolve(spans, w, fixed, buf)
		}
		slices.Sort(buf)
		for _, u := range buf {
			// A gap's several wall times share one instant; an instant that a transition
			// across midnight pushed into the next day may also come back out of order.
			if u <= last {
				continue
			}
			last = u
			if !yield(u) {
				return
			}
		}
	}
}

// civilDay returns the civil day, as a UTC midnight, of t's wall clock in loc.
func civilDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
