package sla_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"vigie/internal/status/sla"
)

// day is an arbitrary UTC day; at(h, m) is a time on it (h may pass 24 or go negative).
var day = time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)

func at(h, m int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

func span(from, to time.Time, l sla.Level) sla.Span { return sla.Span{From: from, To: to, Level: l} }

func ev(t time.Time, l sla.Level) sla.Event { return sla.Event{At: t, Level: l} }

func wholeDay() sla.Window { return sla.Window{From: at(0, 0), To: at(24, 0)} }

func sameSpans(a, b []sla.Span) bool {
	return slices.EqualFunc(a, b, func(x, y sla.Span) bool {
		return x.From.Equal(y.From) && x.To.Equal(y.To) && x.Level == y.Level
	})
}

func fmtSpans(spans []sla.Span) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "\n  [%s, %s) %v", s.From.Format(time.DateTime), s.To.Format(time.DateTime), s.Level)
	}
	if b.Len() == 0 {
		return " (none)"
	}
	return b.String()
}

func checkSpans(t *testing.T, got, want []sla.Span) {
	t.Helper()
	if !sameSpans(got, want) {
		t.Errorf("got%s\nwant%s", fmtSpans(got), fmtSpans(want))
	}
}

func TestTimeline(t *testing.T) {
	const (
		op  = sla.Operational
		deg = sla.Degraded
		po  = sla.PartialOutage
		mo  = sla.MajorOutage
	)
	tests := []struct {
		name    string
		period  sla.Window
		initial sla.Level
		events  []sla.Event
		want    []sla.Span
	}{
		{
			name:    "no events keeps the initial level",
			period:  wholeDay(),
			initial: deg,
			want:    []sla.Span{span(at(0, 0), at(24, 0), deg)},
		},
		{
			name:   "unsorted events are put in time order",
			period: wholeDay(),
			events: []sla.Event{ev(at(12, 0), mo), ev(at(8, 0), deg), ev(at(14, 30), op)},
			want: []sla.Span{
				span(at(0, 0), at(8, 0), op), span(at(8, 0), at(12, 0), deg),
				span(at(12, 0), at(14, 30), mo), span(at(14, 30), at(24, 0), op),
			},
		},
		{
			name:    "events before the period override the initial level",
			period:  wholeDay(),
			initial: op,
			events:  []sla.Event{ev(at(6, 0), op), ev(at(-2, 0), po), ev(at(-4, 0), mo)},
			want:    []sla.Span{span(at(0, 0), at(6, 0), po), span(at(6, 0), at(24, 0), op)},
		},
		{
			name:   "events at or after the end are ignored",
			period: wholeDay(),
			events: []sla.Event{ev(at(24, 0), mo), ev(at(30, 0), deg), ev(at(23, 59), po)},
			want:   []sla.Span{span(at(0, 0), at(23, 59), op), span(at(23, 59), at(24, 0), po)},
		},
		{
			name:   "at equal times the later event wins",
			period: wholeDay(),
			events: []sla.Event{ev(at(10, 0), mo), ev(at(11, 0), op), ev(at(10, 0), deg)},
			want: []sla.Span{
				span(at(0, 0), at(10, 0), op), span(at(10, 0), at(11, 0), deg), span(at(11, 0), at(24, 0), op),
			},
		},
		{
			name:    "an event at the start replaces the initial level without an empty span",
			period:  wholeDay(),
			initial: op,
			events:  []sla.Event{ev(at(-1, 0), mo), ev(at(0, 0), po), ev(at(0, 0), deg)},
			want:    []sla.Span{span(at(0, 0), at(24, 0), deg)},
		},
		{
			name:   "repeated levels merge into one span",
			period: wholeDay(),
			events: []sla.Event{ev(at(6, 0), deg), ev(at(7, 0), deg), ev(at(9, 0), op), ev(at(10, 0), op)},
			want: []sla.Span{
				span(at(0, 0), at(6, 0), op), span(at(6, 0), at(9, 0), deg), span(at(9, 0), at(24, 0), op),
			},
		},
		{
			name:   "a change and its reversal at the same instant leave no trace",
			period: wholeDay(),
			events: []sla.Event{ev(at(5, 0), mo), ev(at(5, 0), op)},
			want:   []sla.Span{span(at(0, 0), at(24, 0), op)},
		},
		{
			name:   "an empty period has no spans",
			period: sla.Window{From: at(3, 0), To: at(3, 0)},
			events: []sla.Event{ev(at(3, 0), mo)},
		},
		{
			name:   "an inverted period has no spans",
			period: sla.Window{From: at(4, 0), To: at(3, 0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSpans(t, sla.Timeline(tt.period, tt.initial, tt.events), tt.want)
		})
	}
}

func TestTimelineLeavesEventsAlone(t *testing.T) {
	events := []sla.Event{ev(at(12, 0), sla.MajorOutage), ev(at(8, 0), sla.Degraded)}
	orig := slices.Clone(events)
	sla.Timeline(wholeDay(), sla.Operational, events)
	if !slices.Equal(events, orig) {
		t.Error("Timeline reordered the caller's events")
	}
}

func TestWorst(t *testing.T) {
	tests := []struct {
		name      string
		timelines [][]sla.Span
		want      []sla.Span
	}{
		{
			name: "worst level wins at each instant",
			timelines: [][]sla.Span{
				sla.Timeline(wholeDay(), sla.Operational, []sla.Event{ev(at(6, 0), sla.Degraded), ev(at(10, 0), sla.Operational)}),
				sla.Timeline(wholeDay(), sla.Operational, []sla.Event{ev(at(8, 0), sla.MajorOutage), ev(at(9, 0), sla.Operational)}),
			},
			want: []sla.Span{
				span(at(0, 0), at(6, 0), sla.Operational), span(at(6, 0), at(8, 0), sla.Degraded),
				span(at(8, 0), at(9, 0), sla.MajorOutage), span(at(9, 0), at(10, 0), sla.Degraded),
				span(at(10, 0), at(24, 0), sla.Operational),
			},
		},
		{
			name: "timelines covering different ranges",
			timelines: [][]sla.Span{
				{span(at(0, 0), at(12, 0), sla.Operational)},
				{span(at(6, 0), at(18, 0), sla.PartialOutage)},
			},
			want: []sla.Span{span(at(0, 0), at(6, 0), sla.Operational), span(at(6, 0), at(18, 0), sla.PartialOutage)},
		},
		{
			name: "an instant no timeline covers stays uncovered",
			timelines: [][]sla.Span{
				{span(at(0, 0), at(4, 0), sla.Degraded)},
				{span(at(8, 0), at(12, 0), sla.Degraded)},
			},
			want: []sla.Span{span(at(0, 0), at(4, 0), sla.Degraded), span(at(8, 0), at(12, 0), sla.Degraded)},
		},
		{
			name: "overlapping spans inside one timeline",
			timelines: [][]sla.Span{{
				span(at(0, 0), at(10, 0), sla.Degraded), span(at(2, 0), at(3, 0), sla.MajorOutage),
				span(at(2, 30), at(5, 0), sla.PartialOutage),
			}},
			want: []sla.Span{
				span(at(0, 0), at(2, 0), sla.Degraded), span(at(2, 0), at(3, 0), sla.MajorOutage),
				span(at(3, 0), at(5, 0), sla.PartialOutage), span(at(5, 0), at(10, 0), sla.Degraded),
			},
		},
		{
			name:      "no timelines",
			timelines: nil,
			want:      nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSpans(t, sla.Worst(tt.timelines...), tt.want)
		})
	}
}

func TestShare(t *testing.T) {
	// monitor is a monitor at level l from 08:00 to 10:00 and operational otherwise.
	monitor := func(l sla.Level) []sla.Span {
		return sla.Timeline(wholeDay(), sla.Operational, []sla.Event{ev(at(8, 0), l), ev(at(10, 0), sla.Operational)})
	}
	during := func(l sla.Level) []sla.Span {
		if l == sla.Operational {
			return []sla.Span{span(at(0, 0), at(24, 0), l)}
		}
		return []sla.Span{span(at(0, 0), at(8, 0), sla.Operational), span(at(8, 0), at(10, 0), l), span(at(10, 0), at(24, 0), sla.Operational)}
	}
	const (
		op  = sla.Operational
		deg = sla.Degraded
		po  = sla.PartialOutage
		mo  = sla.MajorOutage
	)
	tests := []struct {
		name     string
		monitors []sla.Level
		want     sla.Level
	}{
		{"all down is a major outage", []sla.Level{mo, mo, mo}, mo},
		{"one of three down is a partial outage", []sla.Level{mo, op, op}, po},
		{"two down and one partial is a partial outage", []sla.Level{mo, mo, po}, po},
		{"one partial is a partial outage", []sla.Level{po, op, op}, po},
		{"all partial stays partial", []sla.Level{po, po}, po},
		{"down and degraded is a partial outage", []sla.Level{mo, deg}, po},
		{"degraded and up is degraded", []sla.Level{deg, op, op}, deg},
		{"all up is operational", []sla.Level{op, op}, op},
		{"a single monitor down is the component down", []sla.Level{mo}, mo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var timelines [][]sla.Span
			for _, l := range tt.monitors {
				timelines = append(timelines, monitor(l))
			}
			checkSpans(t, sla.Share(timelines...), during(tt.want))
		})
	}

	t.Run("staggered outages", func(t *testing.T) {
		a := sla.Timeline(wholeDay(), op, []sla.Event{ev(at(8, 0), mo), ev(at(10, 0), op)})
		b := sla.Timeline(wholeDay(), op, []sla.Event{ev(at(9, 0), mo), ev(at(11, 0), op)})
		checkSpans(t, sla.Share(a, b), []sla.Span{
			span(at(0, 0), at(8, 0), op), span(at(8, 0), at(9, 0), po), span(at(9, 0), at(10, 0), mo),
			span(at(10, 0), at(11, 0), po), span(at(11, 0), at(24, 0), op),
		})
	})
	t.Run("only monitors with data at an instant count", func(t *testing.T) {
		// b starts reporting at 12:00; before that a alone decides, so its outage is major.
		a := sla.Timeline(wholeDay(), mo, []sla.Event{ev(at(13, 0), op)})
		b := []sla.Span{span(at(12, 0), at(24, 0), op)}
		checkSpans(t, sla.Share(a, b), []sla.Span{
			span(at(0, 0), at(12, 0), mo), span(at(12, 0), at(13, 0), po), span(at(13, 0), at(24, 0), op),
		})
	})
}
