package report

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"vigie/internal/human"
)

// Charts are inline SVG drawn here, so that the admin UI, the printable report and the e-mail
// show the same picture. Each element has a class, which the UI's and the printable document's
// style sheets colour (dark mode included), and presentation attributes, which mail clients
// that drop style sheets fall back on. No inline style: the pages' CSP forbids it.

// point is one value of a series at a time.
type point struct {
	at time.Time
	v  float64
}

type series struct {
	class, stroke string
	dash          string // stroke-dasharray, empty for a solid line
	points        []point
}

// rule is a labelled horizontal line (a budget).
type rule struct {
	v             float64
	class, stroke string
	label         string
}

type chart struct {
	class       string
	aria        string
	from, to    time.Time
	peak        float64 // the largest value to fit; the scale is rounded up from it
	yLabel      func(float64) string
	xTicks      []time.Time
	xLabel      func(time.Time) string
	series      []series
	rules       []rule
	width, tall int
}

const (
	chartLeft, chartRight, chartTop, chartBottom = 64, 12, 10, 22
	inkMuted                                     = "#59636e"
	inkGrid                                      = "#d0d7de"
)

func (c chart) svg() template.HTML {
	w, h := c.width, c.tall
	plotW, plotH := float64(w-chartLeft-chartRight), float64(h-chartTop-chartBottom)
	scale := human.NiceCeil(c.peak)
	span := c.to.Sub(c.from)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return chartLeft
		}
		return chartLeft + float64(t.Sub(c.from))/float64(span)*plotW
	}
	y := func(v float64) float64 {
		if scale <= 0 {
			return chartTop + plotH
		}
		return chartTop + plotH - min(v/scale, 1.05)*plotH
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="rchart %s" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">`,
		c.class, w, h, w, h, template.HTMLEscapeString(c.aria))
	for i := 0; i <= 4; i++ {
		v := scale * float64(i) / 4
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-width="1"/>`, chartLeft, y(v), w-chartRight, y(v), inkGrid)
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%.1f" text-anchor="end" font-size="11" fill="%s">%s</text>`,
			chartLeft-6, y(v)+4, inkMuted, template.HTMLEscapeString(c.yLabel(v)))
	}
	for i, t := range c.xTicks {
		anchor := "middle"
		switch {
		case i == 0:
			anchor = "start"
		case i == len(c.xTicks)-1 && !t.Before(c.to.Add(-span/20)):
			anchor = "end" // a label at the right edge stays inside the frame
		}
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d" text-anchor="%s" font-size="11" fill="%s">%s</text>`,
			x(t), h-5, anchor, inkMuted, template.HTMLEscapeString(c.xLabel(t)))
	}
	for _, r := range c.rules {
		fmt.Fprintf(&b, `<line class="%s" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="6 4"/>`,
			r.class, chartLeft, y(r.v), w-chartRight, y(r.v), r.stroke)
		fmt.Fprintf(&b, `<text class="%s-label" x="%d" y="%.1f" text-anchor="end" font-size="11" fill="%s">%s</text>`,
			r.class, w-chartRight-4, y(r.v)-5, r.stroke, template.HTMLEscapeString(r.label))
	}
	for _, s := range c.series {
		pts := make([]string, len(s.points))
		for i, p := range s.points {
			pts[i] = fmt.Sprintf("%.1f,%.1f", x(p.at), y(p.v))
		}
		dash := ""
		if s.dash != "" {
			dash = ` stroke-dasharray="` + s.dash + `"`
		}
		switch len(pts) {
		case 0:
		case 1: // a polyline of one point draws nothing
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`, s.class, x(s.points[0].at), y(s.points[0].v), s.stroke)
		default:
			fmt.Fprintf(&b, `<polyline class="%s" points="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"%s/>`,
				s.class, strings.Join(pts, " "), s.stroke, dash)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// minutes labels a scale in minutes: "0", "12.5 min", "50 min".
func minutes(v float64) string {
	if v == 0 {
		return "0"
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v), "0"), ".") + " min"
}

// BurnChart draws the page's budget burn over the month: the budget as a line, an even pace
// from nothing to the whole budget by the month's end, and what was used by each day's end.
func (r *SLA) BurnChart() template.HTML {
	budget := r.Overall.Budget.D().Minutes()
	// Used budget only grows during episodes, so points at their ends and at the days' ends
	// draw it exactly.
	var used []point
	if r.Overall.Uptime != nil {
		used = append(used, point{r.From, 0})
		var before time.Duration
		for _, e := range r.Overall.Episodes {
			used = append(used, point{e.From, before.Minutes()}, point{e.To, (before + e.Downtime.D()).Minutes()})
			before += e.Downtime.D()
		}
		for _, p := range r.Burn {
			used = append(used, point{p.At, p.Used.D().Minutes()})
		}
		slices.SortStableFunc(used, func(a, b point) int { return a.at.Compare(b.at) })
	}
	peak := budget
	for _, p := range used {
		peak = max(peak, p.v)
	}
	var ticks []time.Time
	for d := 1; ; d += 7 {
		t := time.Date(r.From.In(r.loc).Year(), r.From.In(r.loc).Month(), d, 0, 0, 0, 0, r.loc)
		if !t.Before(r.To) {
			break
		}
		ticks = append(ticks, t)
	}
	last := "nothing used"
	if n := len(used); n > 0 {
		last = fmt.Sprintf("%s used by %s", human.Exact(r.Overall.Used.D()), used[n-1].at.In(r.loc).Format("2 Jan 15:04 MST"))
	}
	c := chart{
		class: "burn", from: r.From, to: r.To, peak: peak, width: 640, tall: 200,
		aria:   fmt.Sprintf("Error budget burn, %s: budget %s, %s", r.Title, human.Exact(r.Overall.Budget.D()), last),
		yLabel: minutes,
		xTicks: ticks,
		xLabel: func(t time.Time) string { return t.In(r.loc).Format("2 Jan") },
		rules:  []rule{{v: budget, class: "budget", stroke: "#9a6700", label: "budget " + human.Exact(r.Overall.Budget.D())}},
		series: []series{
			{class: "pace", stroke: inkMuted, dash: "2 4", points: []point{{r.From, 0}, {r.To, budget}}},
			{class: "used", stroke: "#cf222e", points: used},
		},
	}
	return c.svg()
}

// Chart draws the monitor's hourly response times over the week: the p50 and p95 of each
// hour, with a tick each day.
func (l LatencyWeek) Chart() template.HTML {
	var p50, p95 []point
	var peak time.Duration
	for _, h := range l.Hours {
		if h.P50 > 0 {
			p50 = append(p50, point{h.At.Add(30 * time.Minute), float64(h.P50.D())})
		}
		p95 = append(p95, point{h.At.Add(30 * time.Minute), float64(h.P95.D())})
		peak = max(peak, h.P95.D(), h.P50.D())
	}
	var ticks []time.Time
	for d := l.from; d.Before(l.to); {
		ticks = append(ticks, d)
		y, m, day := d.In(l.loc).Date()
		d = time.Date(y, m, day+1, 0, 0, 0, 0, l.loc)
	}
	c := chart{
		class: "latency", from: l.from, to: l.to, width: 640, tall: 160,
		peak:   float64(peak),
		aria:   fmt.Sprintf("Response time of %s, hour by hour: typical p50 %s, p95 %s", l.Monitor, human.Latency(l.P50.D()), human.Latency(l.P95.D())),
		yLabel: func(v float64) string { return human.Latency(time.Duration(v)) },
		xTicks: ticks,
		xLabel: func(t time.Time) string { return t.In(l.loc).Format("Mon 2") },
		series: []series{
			{class: "p95", stroke: "#8250df", points: p95},
			{class: "p50", stroke: "#0969da", points: p50},
		},
	}
	return c.svg()
}
