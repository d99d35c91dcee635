package sla_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"vigie/internal/status/sla"
)

func fmtEpisodes(es []sla.Episode) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "\n  [%s, %s) %v down %v maint %v %v", e.From.Format(time.DateTime), e.To.Format(time.DateTime), e.Worst, e.Downtime, e.Maintenance, e.ByLevel)
	}
	if b.Len() == 0 {
		return " (none)"
	}
	return b.String()
}

func TestEpisodes(t *testing.T) {
	type L = map[sla.Level]time.Duration
	tests := []struct {
		name        string
		spans       []sla.Span
		maintenance []sla.Window
		weights     sla.Weights
		want        []sla.Episode
	}{
		{
			name: "no spans, no episodes",
		},
		{
			name: "adjacent outage levels are one episode with the worst level",
			spans: sla.Timeline(wholeDay(), sla.Operational, []sla.Event{
				ev(at(8, 0), sla.Degraded), ev(at(8, 30), sla.MajorOutage), ev(at(9, 0), sla.PartialOutage), ev(at(9, 15), sla.Operational),
				ev(at(14, 0), sla.MajorOutage), ev(at(14, 5), sla.Operational),
			}),
			want: []sla.Episode{
				{Window: sla.Window{From: at(8, 0), To: at(9, 15)}, Worst: sla.MajorOutage, Downtime: 45 * time.Minute,
					ByLevel: L{sla.Degraded: 30 * time.Minute, sla.MajorOutage: 30 * time.Minute, sla.PartialOutage: 15 * time.Minute}},
				{Window: sla.Window{From: at(14, 0), To: at(14, 5)}, Worst: sla.MajorOutage, Downtime: 5 * time.Minute,
					ByLevel: L{sla.MajorOutage: 5 * time.Minute}},
			},
		},
		{
			name:    "weights apply to each episode",
			spans:   []sla.Span{span(at(2, 0), at(4, 0), sla.PartialOutage)},
			weights: sla.Weights{PartialOutage: 0.25, MajorOutage: 1},
			want: []sla.Episode{{Window: sla.Window{From: at(2, 0), To: at(4, 0)}, Worst: sla.PartialOutage, Downtime: 30 * time.Minute,
				ByLevel: L{sla.PartialOutage: 2 * time.Hour}}},
		},
		{
			name:        "maintenance inside an episode is reported apart and not counted",
			spans:       []sla.Span{span(at(10, 0), at(12, 0), sla.MajorOutage)},
			maintenance: []sla.Window{{From: at(9, 0), To: at(11, 0)}},
			want: []sla.Episode{{Window: sla.Window{From: at(10, 0), To: at(12, 0)}, Worst: sla.MajorOutage, Downtime: time.Hour,
				Maintenance: time.Hour, ByLevel: L{sla.MajorOutage: time.Hour}}},
		},
		{
			name:        "an episode wholly inside maintenance is left out",
			spans:       []sla.Span{span(at(10, 0), at(11, 0), sla.MajorOutage), span(at(20, 0), at(21, 0), sla.Degraded)},
			maintenance: []sla.Window{{From: at(9, 0), To: at(11, 30)}},
			want: []sla.Episode{{Window: sla.Window{From: at(20, 0), To: at(21, 0)}, Worst: sla.Degraded,
				ByLevel: L{sla.Degraded: time.Hour}}},
		},
		{
			name:  "episodes are clipped to the period",
			spans: []sla.Span{span(at(-2, 0), at(1, 0), sla.MajorOutage), span(at(23, 0), at(26, 0), sla.PartialOutage)},
			want: []sla.Episode{
				{Window: sla.Window{From: at(0, 0), To: at(1, 0)}, Worst: sla.MajorOutage, Downtime: time.Hour, ByLevel: L{sla.MajorOutage: time.Hour}},
				{Window: sla.Window{From: at(23, 0), To: at(24, 0)}, Worst: sla.PartialOutage, Downtime: time.Hour, ByLevel: L{sla.PartialOutage: time.Hour}},
			},
		},
		{
			name:  "time no span covers ends an episode",
			spans: []sla.Span{span(at(1, 0), at(2, 0), sla.MajorOutage), span(at(3, 0), at(4, 0), sla.MajorOutage)},
			want: []sla.Episode{
				{Window: sla.Window{From: at(1, 0), To: at(2, 0)}, Worst: sla.MajorOutage, Downtime: time.Hour, ByLevel: L{sla.MajorOutage: time.Hour}},
				{Window: sla.Window{From: at(3, 0), To: at(4, 0)}, Worst: sla.MajorOutage, Downtime: time.Hour, ByLevel: L{sla.MajorOutage: time.Hour}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.weights
			if w == (sla.Weights{}) {
				w = sla.DefaultWeights()
			}
			got := sla.Episodes(wholeDay(), tt.spans, tt.maintenance, w)
			same := len(got) == len(tt.want)
			for i := 0; same && i < len(got); i++ {
				g, e := got[i], tt.want[i]
				same = g.From.Equal(e.From) && g.To.Equal(e.To) && g.Worst == e.Worst && g.Downtime == e.Downtime &&
					g.Maintenance == e.Maintenance && maps.Equal(g.ByLevel, e.ByLevel)
			}
			if !same {
				t.Errorf("got%s\nwant%s", fmtEpisodes(got), fmtEpisodes(tt.want))
			}
		})
	}
}

// TestEpisodesAddUpToTheReport checks on random timelines that a report's downtime is exactly
// the sum of its episodes', so the list behind a figure always explains all of it.
func TestEpisodesAddUpToTheReport(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 300 {
		var events []sla.Event
		for range rng.IntN(30) {
			events = append(events, ev(at(0, rng.IntN(1500)-30), sla.Level(rng.IntN(4))))
		}
		spans := sla.Timeline(wholeDay(), sla.Level(rng.IntN(4)), events)
		var maintenance []sla.Window
		for range rng.IntN(4) {
			from := at(0, rng.IntN(1440))
			maintenance = append(maintenance, sla.Window{From: from, To: from.Add(time.Duration(rng.IntN(300)) * time.Minute)})
		}
		w := sla.Weights{Degraded: float64(rng.IntN(5)) / 4, PartialOutage: float64(rng.IntN(5)) / 4, MajorOutage: 1}
		r := sla.Compute(wholeDay(), spans, maintenance, w, 0.999)
		var sum time.Duration
		levels := map[sla.Level]time.Duration{}
		for _, e := range sla.Episodes(wholeDay(), spans, maintenance, w) {
			sum += e.Downtime
			for l, d := range e.ByLevel {
				levels[l] += d
			}
		}
		// Quarter weights of whole minutes are exact, so nothing is lost to truncation.
		if r.Downtime != sum || !maps.Equal(levels, r.ByLevel) {
			t.Fatalf("case %d: report downtime %v, ByLevel %v; episodes add up to %v, %v", i, r.Downtime, r.ByLevel, sum, levels)
		}
	}
}

func TestWithout(t *testing.T) {
	spans := []sla.Span{span(at(0, 0), at(6, 0), sla.MajorOutage), span(at(6, 0), at(12, 0), sla.Operational)}
	tests := []struct {
		name    string
		windows []sla.Window
		want    []sla.Span
	}{
		{"no windows keeps everything", nil, spans},
		{
			"a window inside a span splits it",
			[]sla.Window{{From: at(2, 0), To: at(3, 0)}},
			[]sla.Span{span(at(0, 0), at(2, 0), sla.MajorOutage), span(at(3, 0), at(6, 0), sla.MajorOutage), span(at(6, 0), at(12, 0), sla.Operational)},
		},
		{
			"overlapping windows across a boundary",
			[]sla.Window{{From: at(5, 0), To: at(7, 0)}, {From: at(6, 30), To: at(8, 0)}, {From: at(11, 0), To: at(13, 0)}},
			[]sla.Span{span(at(0, 0), at(5, 0), sla.MajorOutage), span(at(8, 0), at(11, 0), sla.Operational)},
		},
		{"a window over everything leaves nothing", []sla.Window{{From: at(-1, 0), To: at(13, 0)}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSpans(t, sla.Without(spans, tt.windows), tt.want)
		})
	}
}

func TestCommon(t *testing.T) {
	win := func(from, to int) sla.Window { return sla.Window{From: at(from, 0), To: at(to, 0)} }
	same := func(a, b []sla.Window) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if !a[i].From.Equal(b[i].From) || !a[i].To.Equal(b[i].To) {
				return false
			}
		}
		return true
	}
	tests := []struct {
		name  string
		lists [][]sla.Window
		want  []sla.Window
	}{
		{"no lists", nil, nil},
		{"one list is itself, unioned", [][]sla.Window{{win(3, 5), win(1, 4)}}, []sla.Window{win(1, 5)}},
		{"two lists overlap", [][]sla.Window{{win(1, 5), win(8, 10)}, {win(4, 9)}}, []sla.Window{win(4, 5), win(8, 9)}},
		{"a list without windows leaves nothing", [][]sla.Window{{win(1, 5)}, nil}, nil},
		{"three lists", [][]sla.Window{{win(0, 10)}, {win(2, 6)}, {win(5, 8)}}, []sla.Window{win(5, 6)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sla.Common(tt.lists...); !same(got, tt.want) {
				t.Errorf("Common = %v, want %v", got, tt.want)
			}
		})
	}
}
