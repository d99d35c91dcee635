package sla

import (
	"slices"
	"sort"
	"time"
	"vigie/internal/clock"
)

// Event says that from At on, the component is at Level (a state change).
type Event struct {
	At    time.Time
	Level Level
}

// Span says that the component held Level over [From, To).
type Span struct {
	From, To time.Time
	Level    Level
}

// Window is a half-open interval [From, To), e.g. a maintenance window or a report period.
type Window struct {
	From, To time.Time
}

// Duration is the real elapsed time of the window; an empty or inverted window lasts 0.
func (w Window) Duration() time.Duration {
	return max(w.To.Sub(w.From), 0)
}

// Window returns the interval the span covers.
func (s Span) Window() Window { return Window{s.From, s.To} }

func (w Window) empty() bool { return !w.From.Before(w.To) }

// intersect returns a ∩ b, which may be empty.
func intersect(a, b Window) Window {
	return Window{clock.Later(a.From, b.From), clock.Earlier(a.To, b.To)}
}

// Timeline turns state-change events into contiguous spans covering [period.From, period.To).
// Events may come in any order; at equal times the one later in the slice wins, which is what a
// store returning rows in insertion order means. The level before the first event is initial
// (callers pass the last known level before the period). Adjacent equal levels are merged.
func Timeline(period Window, initial Level, events []Event) []Span {
	if period.empty() {
		return nil
	}
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b Event) int { return a.At.Compare(b.At) })

	var out []Span
	from, level := period.From, initial
	for _, e := range sorted {
		if !e.At.Before(period.To) {
			break
		}
		if !e.At.After(from) {
			// Before the period, or at the same instant as the previous change: it overrides
			// the level without opening a zero-length span.
			level = e.Level
			continue
		}
		out = appendSpan(out, Span{from, e.At, level})
		from, level = e.At, e.Level
	}
	return appendSpan(out, Span{from, period.To, level})
}

// appendSpan appends s, extending the last span instead when s continues it at the same level.
func appendSpan(out []Span, s Span) []Span {
	if n := len(out); n > 0 && out[n-1].Level == s.Level && out[n-1].To.Equal(s.From) {
		out[n-1].To = s.To
		return out
	}
	return append(out, s)
}

// Worst merges several components' (or monitors') timelines: at each instant the worst level
// wins. Instants no timeline covers stay uncovered. Spans may overlap, even within one timeline.
func Worst(timelines ...[]Span) []Span {
	return sweep(slices.Concat(timelines...), worstOf)
}

// Share merges the monitors backing one component: all of them at MajorOutage is a major outage;
// some (not all) at MajorOutage or PartialOutage is a partial outage, since part of the service
// still answers; otherwise the worst of the rest. "All" means all timelines covering the instant.
func Share(timelines ...[]Span) []Span {
	// Each timeline is first flattened so that it counts once at every instant.
	var flat []Span
	for _, t := range timelines {
		flat = append(flat, Worst(t)...)
	}
	return sweep(flat, func(n *[numLevels]int) Level {
		total := n[Operational] + n[Degraded] + n[PartialOutage] + n[MajorOutage]
		switch {
		case n[MajorOutage] == total:
			return MajorOutage
		case n[MajorOutage]+n[PartialOutage] > 0:
			return PartialOutage
		case n[Degraded] > 0:
			return Degraded
		}
		return Operational
	})
}

func worstOf(n *[numLevels]int) Level {
	for l := MajorOutage; l > Operational; l-- {
		if n[l] > 0 {
			return l
		}
	}
	return Operational
}

// sweep walks all span boundaries in time order, keeping how many spans are active at each level,
// and emits sorted, disjoint, merged spans whose level pick chooses from those counts. It runs in
// O(n log n) whatever the overlaps, which is why Worst and Compute use it on untrusted input.
func sweep(spans []Span, pick func(active *[numLevels]int) Level) []Span {
	type edge struct {
		at    time.Time
		level Level
		delta int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, s := range spans {
		if s.From.Before(s.To) {
			l := clamp(s.Level)
			edges = append(edges, edge{s.From, l, 1}, edge{s.To, l, -1})
		}
	}
	slices.SortFunc(edges, func(a, b edge) int { return a.at.Compare(b.at) })

	var out []Span
	var count [numLevels]int
	active := 0
	for i := 0; i < len(edges); {
		at := edges[i].at
		for ; i < len(edges) && edges[i].at.Equal(at); i++ {
			count[edges[i].level] += edges[i].delta
			active += edges[i].delta
		}
		if active > 0 && i < len(edges) {
			out = appendSpan(out, Span{at, edges[i].at, pick(&count)})
		}
	}
	return out
}

// spansOver returns the spans of a sorted, disjoint list that overlap win, by binary search.
// (It and windowsOver are not one generic function: a method called through a type parameter is
// not inlined, and BenchmarkComputeYear showed it.)
func spansOver(xs []Span, win Window) []Span {
	i := sort.Search(len(xs), func(i int) bool { return xs[i].To.After(win.From) })
	j := sort.Search(len(xs), func(j int) bool { return !xs[j].From.Before(win.To) })
	return xs[i:max(i, j)]
}

// windowsOver is spansOver for windows.
func windowsOver(xs []Window, win Window) []Window {
	i := sort.Search(len(xs), func(i int) bool { return xs[i].To.After(win.From) })
	j := sort.Search(len(xs), func(j int) bool { return !xs[j].From.Before(win.To) })
	return xs[i:max(i, j)]
}

// union returns the windows merged into sorted, disjoint windows, so overlapping maintenance is
// never counted twice.
func union(windows []Window) []Window {
	var out []Window
	for _, w := range windows {
		if !w.empty() {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b Window) int { return a.From.Compare(b.From) })
	merged := out[:0]
	for _, w := range out {
		if n := len(merged); n > 0 && !w.From.After(merged[n-1].To) {
			merged[n-1].To = clock.Later(merged[n-1].To, w.To)
			continue
		}
		merged = append(merged, w)
	}
	return merged
}
