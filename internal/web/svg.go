package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"vigie/internal/human"
	"vigie/internal/monitor"
	"vigie/internal/status"
)

// Charts are drawn on the server as inline SVG: no JavaScript, no external assets, and they
// print. Colours come from CSS classes, so the CSP needs no inline styles and dark mode works.

// bucket is one slice of time in a chart.
type bucket struct {
	start, end time.Time
	count      int
	worst      monitor.Status
	sum, max   time.Duration
}

// bucketize spreads results over n equal slices of [from, to).
func bucketize(rs []monitor.Result, from, to time.Time, n int) []bucket {
	bs := make([]bucket, n)
	step := to.Sub(from) / time.Duration(n)
	for i := range bs {
		bs[i].start = from.Add(time.Duration(i) * step)
		bs[i].end = bs[i].start.Add(step)
	}
	for _, r := range rs {
		if r.At.Before(from) {
			continue // integer division would put it in the first slice
		}
		i := int(r.At.Sub(from) / step)
		if i >= n {
			continue
		}
		b := &bs[i]
		b.count++
		b.sum += r.Duration
		b.max = max(b.max, r.Duration)
		b.worst = max(b.worst, r.Status)
	}
	return bs
}

// sparkline is a small response-time line (mean per bucket) for monitor lists.
func sparkline(rs []monitor.Result, from, to time.Time) template.HTML {
	const w, h, n = 120, 28, 48
	bs := bucketize(rs, from, to, n)
	var peak time.Duration
	for _, b := range bs {
		if b.count > 0 {
			peak = max(peak, b.sum/time.Duration(b.count))
		}
	}
	if peak == 0 {
		return template.HTML(fmt.Sprintf(`<svg class="spark" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="no data"><line class="axis" x1="0" y1="%d" x2="%d" y2="%d"/></svg>`, w, h, w, h, h-1, w, h-1))
	}
	var pts []string
	for i, b := range bs {
		if b.count == 0 {
			continue
		}
		// 3 px of margin all round keeps a lone dot inside the frame.
		x := 3 + float64(i)*float64(w-6)/float64(n-1)
		y := 3 + float64(h-6) - float64(b.sum/time.Duration(b.count))/float64(peak)*float64(h-6)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	return template.HTML(fmt.Sprintf(`<svg class="spark" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="response time, last 24 hours, peak %s"><polyline class="line" points="%s"/>%s</svg>`,
		w, h, w, h, human.Latency(peak), strings.Join(pts, " "), lonePoint(pts)))
}

// lonePoint draws a dot when a line has a single point, which a polyline would not show
// (a monitor in its first half hour).
func lonePoint(pts []string) string {
	if len(pts) != 1 {
		return ""
	}
	x, y, _ := strings.Cut(pts[0], ",")
	return fmt.Sprintf(`<circle class="dot" cx="%s" cy="%s" r="2.5"/>`, x, y)
}

// statusBar is a row of slices coloured by the worst status in each, with a tooltip; empty
// slices are grey. The state is also in the tooltip text, never only in the colour.
func statusBar(rs []monitor.Result, from, to time.Time, n int, label string) template.HTML {
	const h, gap = 30, 2
	bw := 6
	w := n*(bw+gap) - gap
	bs := bucketize(rs, from, to, n)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="bar" viewBox="0 0 %d %d" preserveAspectRatio="none" role="img" aria-label="%s">`, w, h, template.HTMLEscapeString(label))
	for i, bk := range bs {
		class, word := "none", "no data"
		if bk.count > 0 {
			class, word = bk.worst.String(), bk.worst.String()
		}
		fmt.Fprintf(&b, `<rect class="%s" x="%d" y="0" width="%d" height="%d" rx="1.5"><title>%s – %s: %s (%d checks)</title></rect>`,
			class, i*(bw+gap), bw, h, bk.start.UTC().Format("Jan 2 15:04"), bk.end.UTC().Format("15:04 UTC"), word, bk.count)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// responseChart plots mean and max response time per slice with a labelled scale; slices
// with a failure get a red tick under the axis.
func responseChart(rs []monitor.Result, from, to time.Time) template.HTML {
	const w, h, n = 720, 200, 96
	const left, bottom, top = 52, 22, 8
	bs := bucketize(rs, from, to, n)
	var peak time.Duration
	for _, b := range bs {
		peak = max(peak, b.max)
	}
	scale := niceCeil(peak)
	plotW, plotH := float64(w-left-8), float64(h-bottom-top)
	x := func(i int) float64 { return float64(left) + (float64(i)+0.5)*plotW/float64(n) }
	y := func(d time.Duration) float64 {
		if scale == 0 {
			return float64(top) + plotH
		}
		return float64(top) + plotH - float64(d)/float64(scale)*plotH
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="response time from %s to %s, peak %s">`,
		w, h, from.UTC().Format("Jan 2 15:04"), to.UTC().Format("Jan 2 15:04 UTC"), human.Latency(peak))
	for i := 0; i <= 4; i++ {
		v := scale * time.Duration(i) / 4
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/><text class="label" x="%d" y="%.1f" text-anchor="end">%s</text>`,
			left, y(v), w-8, y(v), left-6, y(v)+4, human.Latency(v))
	}
	var mean, peakLine []string
	for i, bk := range bs {
		if bk.count == 0 {
			continue
		}
		mean = append(mean, fmt.Sprintf("%.1f,%.1f", x(i), y(bk.sum/time.Duration(bk.count))))
		peakLine = append(peakLine, fmt.Sprintf("%.1f,%.1f", x(i), y(bk.max)))
		if bk.worst == monitor.StatusDown {
			fmt.Fprintf(&b, `<rect class="down" x="%.1f" y="%.1f" width="%.1f" height="5"><title>failures %s–%s</title></rect>`,
				x(i)-plotW/float64(n)/2, float64(top)+plotH+3, plotW/float64(n), bk.start.UTC().Format("15:04"), bk.end.UTC().Format("15:04"))
		}
	}
	fmt.Fprintf(&b, `<polyline class="peak" points="%s"/><polyline class="line" points="%s"/>%s`,
		strings.Join(peakLine, " "), strings.Join(mean, " "), lonePoint(mean))
	for i := 0; i <= 4; i++ {
		t := from.Add(to.Sub(from) * time.Duration(i) / 4)
		anchor := map[int]string{0: "start", 4: "end"}[i] // keep the end labels inside the frame
		if anchor == "" {
			anchor = "middle"
		}
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d" text-anchor="%s">%s</text>`,
			float64(left)+plotW*float64(i)/4, h-4, anchor, t.UTC().Format("15:04"))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceCeil rounds a duration up to 1, 2 or 5 times a power of ten milliseconds.
func niceCeil(d time.Duration) time.Duration {
	return time.Duration(human.NiceCeil(float64(d)/float64(time.Millisecond)) * float64(time.Millisecond))
}

// latencyChart is a status page component's response time over [from, to): the hourly mean
// as a line over a band up to the slowest monitor's p95, scaled to the range's own peak, with
// a caption in words (the chart stretches to the page's width, so it carries no text). Hours
// without checks break the line. It returns nothing when the range holds no point.
func latencyChart(points []status.LatencyPoint, from, to time.Time, rng string) (template.HTML, string) {
	var in []status.LatencyPoint
	var peak, slowest time.Duration
	var sum time.Duration
	var checks int
	for _, p := range points {
		if p.Hour.Before(from) || !p.Hour.Before(to) {
			continue
		}
		in = append(in, p)
		peak = max(peak, p.P95, p.Mean)
		slowest = max(slowest, p.P95)
		sum += p.Mean * time.Duration(p.Checks)
		checks += p.Checks
	}
	if len(in) == 0 || peak == 0 {
		return "", ""
	}
	const w, h = 600.0, 48.0
	// A round top above the peak: a steady service draws a level line with room above it,
	// and the baseline is zero, so heights compare.
	top := time.Duration(human.NiceCeil(float64(peak) * 1.1))
	hours := to.Sub(from).Hours()
	x := func(t time.Time) float64 { return (t.Sub(from).Hours() + 0.5) / hours * w }
	y := func(d time.Duration) float64 { return 1 + (h-1)*(1-float64(d)/float64(top)) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="rt" viewBox="0 0 %.0f %.0f" preserveAspectRatio="none" role="img" aria-label="response time, last %s">`, w, h, rng)
	// One run of consecutive hours at a time: a gap is a gap, not a slope.
	for start := 0; start < len(in); {
		end := start + 1
		for end < len(in) && in[end].Hour.Sub(in[end-1].Hour) == time.Hour {
			end++
		}
		run := in[start:end]
		var band, line, area []string
		for _, p := range run {
			band = append(band, fmt.Sprintf("%.1f,%.1f", x(p.Hour), y(p.P95)))
			line = append(line, fmt.Sprintf("%.1f,%.1f", x(p.Hour), y(p.Mean)))
		}
		for i := len(run) - 1; i >= 0; i-- {
			band = append(band, fmt.Sprintf("%.1f,%.1f", x(run[i].Hour), y(run[i].Mean)))
		}
		area = append(append(area, fmt.Sprintf("%.1f,%.1f", x(run[0].Hour), h)), line...)
		area = append(area, fmt.Sprintf("%.1f,%.1f", x(run[len(run)-1].Hour), h))
		if len(run) == 1 {
			fmt.Fprintf(&b, `<circle class="mean" cx="%.1f" cy="%.1f" r="2"/>`, x(run[0].Hour), y(run[0].Mean))
		} else {
			fmt.Fprintf(&b, `<polygon class="area" points="%s"/><polygon class="p95" points="%s"/><polyline class="mean" points="%s"/>`,
				strings.Join(area, " "), strings.Join(band, " "), strings.Join(line, " "))
		}
		start = end
	}
	b.WriteString(`</svg>`)
	caption := fmt.Sprintf("mean %s · slowest hour's p95 %s", human.Latency(sum/time.Duration(checks)), human.Latency(slowest))
	return template.HTML(b.String()), caption
}
