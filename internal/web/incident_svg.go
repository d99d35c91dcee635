package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"vigie/internal/human"
	"vigie/internal/incident"
)

// incidentTimelineSVG draws an incident along its time: the impact as a bar, the
// milestones as labelled ticks (labels alternate above and below so close ones do not
// collide), public updates as diamonds and internal notes as dots, each with a tooltip.
// It is for the admin page only: it shows notes.
func incidentTimelineSVG(inc *incident.Incident, now time.Time) template.HTML {
	const w, h, left, right, axis = 800, 96, 16, 784, 48
	from, to := inc.StartedAt, now
	if !inc.ResolvedAt.IsZero() {
		to = inc.ResolvedAt
	}
	if !to.After(from) {
		to = from.Add(time.Minute)
	}
	x := func(t time.Time) float64 {
		f := float64(t.Sub(from)) / float64(to.Sub(from))
		return left + min(max(f, 0), 1)*(right-left)
	}
	stamp := func(t time.Time) string { return t.UTC().Format("Jan 2 15:04 UTC") }
	var b strings.Builder
	impact := inc.ImpactWindow(now)
	var summary []string
	if d, ok := inc.TimeToDetect(); ok {
		summary = append(summary, "detected after "+human.Duration(d))
	}
	if d, ok := inc.TimeToAcknowledge(); ok {
		summary = append(summary, "acknowledged "+human.Duration(d)+" later")
	}
	summary = append(summary, "impact "+human.Duration(impact.Duration()))
	fmt.Fprintf(&b, `<svg class="itl" viewBox="0 0 %d %d" role="img" aria-label="Timeline: %s">`, w, h, html.EscapeString(strings.Join(summary, ", ")))
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, left, axis, right, axis)
	fmt.Fprintf(&b, `<rect class="impact" x="%.1f" y="%d" width="%.1f" height="10"><title>impact: %s</title></rect>`,
		x(impact.From), axis-5, max(x(impact.To)-x(impact.From), 2), human.Duration(impact.Duration()))
	if !inc.ResolvedAt.IsZero() && inc.ResolvedAt.After(impact.To) {
		fmt.Fprintf(&b, `<rect class="watch" x="%.1f" y="%d" width="%.1f" height="4"><title>watching until resolved</title></rect>`,
			x(impact.To), axis-2, x(inc.ResolvedAt)-x(impact.To))
	}
	milestones := []struct {
		label string
		at    time.Time
	}{{"start", inc.StartedAt}, {"detected", inc.DetectedAt}, {"acknowledged", inc.AcknowledgedAt}, {"mitigated", inc.MitigatedAt}, {"resolved", inc.ResolvedAt}}
	shown := 0
	for _, m := range milestones {
		if m.at.IsZero() {
			continue
		}
		mx := x(m.at)
		ty, anchor := 14, "middle"
		if shown%2 == 1 {
			ty = 90
		}
		switch {
		case mx < left+40:
			anchor = "start"
		case mx > right-40:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<g class="ms"><title>%s: %s</title><line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/><text x="%.1f" y="%d" text-anchor="%s">%s</text></g>`,
			m.label, stamp(m.at), mx, axis-14, mx, axis+14, mx, ty, anchor, m.label)
		shown++
	}
	for _, e := range inc.Entries {
		ex := x(e.At)
		switch e.Kind {
		case incident.EntryUpdate:
			fmt.Fprintf(&b, `<path class="upd" d="M%.1f %dl5 5-5 5-5-5z"><title>public update, %s (%s)</title></path>`, ex, axis-22, stamp(e.At), e.Status)
		case incident.EntryNote:
			fmt.Fprintf(&b, `<circle class="note" cx="%.1f" cy="%d" r="3"><title>internal note, %s</title></circle>`, ex, axis+20, stamp(e.At))
		}
	}
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d">%s</text><text class="tick" x="%d" y="%d" text-anchor="end">%s</text></svg>`,
		left, axis+30, stamp(from), right, axis+30, stamp(to))
	return template.HTML(b.String())
}
