package sla

import (
	"slices"
	"time"
	"vigie/internal/clock"
)

// Episode is one stretch away from operational: consecutive spans at other levels, merged, as
// an SLA report lists the downtime behind its figure.
type Episode struct {
	Window
	Worst       Level         // worst level reached outside maintenance
	Downtime    time.Duration // weighted, outside maintenance: what it cost the budget
	Maintenance time.Duration // the part inside maintenance, not counted
	ByLevel     map[Level]time.Duration
}

// Episodes lists the episodes that overlap period, clipped to it, oldest first. Spans may overlap
// (the worst level wins) and need not be sorted. Time no span covers ends an episode, as does
// operational time. An episode wholly inside maintenance is left out: it cost nothing and was
// announced.
func Episodes(period Window, spans []Span, maintenance []Window, w Weights) []Episode {
	return prepare(touching(spans, maintenance, period)).episodes(period, w)
}

func (p prepared) episodes(period Window, w Weights) []Episode {
	var out []Episode
	var cur Window
	flush := func() {
		if cur.empty() {
			return
		}
		t := p.measure(cur)
		if e := (Episode{Window: cur, Worst: t.worst(), Downtime: w.downtime(t), Maintenance: t.maint, ByLevel: t.byLevel()}); len(e.ByLevel) > 0 {
			out = append(out, e)
		}
		cur = Window{}
	}
	for _, s := range spansOver(p.spans, period) {
		part := intersect(s.Window(), period)
		switch {
		case s.Level == Operational:
			flush()
		case !cur.empty() && cur.To.Equal(part.From):
			cur.To = part.To
		default:
			flush()
			cur = part
		}
	}
	flush()
	return out
}

// Without removes the windows from spans: what is left is what counts. A component's spans
// without its maintenance, merged with others' by Share, give a page's timeline in which a
// component under maintenance says nothing.
func Without(spans []Span, windows []Window) []Span {
	cut := union(windows)
	var out []Span
	for _, s := range spans {
		from := s.From
		for _, m := range windowsOver(cut, s.Window()) {
			if m.From.After(from) {
				out = append(out, Span{from, m.From, s.Level})
			}
			from = clock.Later(from, m.To)
		}
		if from.Before(s.To) {
			out = append(out, Span{from, s.To, s.Level})
		}
	}
	return out
}

// Common returns the time every list of windows covers: a page is under maintenance only
// while all its components are. No lists at all cover nothing.
func Common(lists ...[]Window) []Window {
	if len(lists) == 0 {
		return nil
	}
	acc := union(lists[0])
	for _, l := range lists[1:] {
		next := union(l)
		var both []Window
		for _, a := range acc {
			for _, b := range windowsOver(next, a) {
				if x := intersect(a, b); !x.empty() {
					both = append(both, x)
				}
			}
		}
		acc = both
	}
	return slices.Clip(acc)
}
