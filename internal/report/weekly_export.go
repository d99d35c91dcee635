package report

import (
	"cmp"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strings"

	"vigie/internal/human"
)

// maxCharts is how many response-time charts a weekly report draws: the slowest monitors'.
const maxCharts = 6

// Charted is the monitors whose response times the report draws, slowest p95 first.
func (w *Weekly) Charted() []LatencyWeek {
	out := slices.Clone(w.ResponseTimes)
	slices.SortStableFunc(out, func(a, b LatencyWeek) int { return cmp.Compare(b.P95, a.P95) })
	return out[:min(len(out), maxCharts)]
}

// AlertKinds says what the alerts were: "3 down, 1 degraded".
func (a AlertSummary) AlertKinds() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(a.ByKind)) {
		parts = append(parts, fmt.Sprintf("%d %s", a.ByKind[k], strings.ReplaceAll(k, "_", " ")))
	}
	return strings.Join(parts, ", ")
}

// change says how a figure moved since last week, in words with a class for its colour:
// better or worse, never colour alone.
type change struct {
	Text, Class string
}

// uptimeChange compares uptimes in percentage points.
func uptimeChange(now, prev *float64) change {
	if now == nil || prev == nil {
		return change{"no figure last week", "muted"}
	}
	d := (*now - *prev) * 100
	switch {
	case d > 0.00005:
		return change{fmt.Sprintf("up %.4f pt", d), "better"}
	case d < -0.00005:
		return change{fmt.Sprintf("down %.4f pt", -d), "worse"}
	}
	return change{"as last week", "muted"}
}

// latencyChange compares response times in percent: slower is worse.
func latencyChange(now, prev Seconds) change {
	if now <= 0 || prev <= 0 {
		return change{"no figure last week", "muted"}
	}
	d := (float64(now)/float64(prev) - 1) * 100
	switch {
	case d >= 0.5:
		return change{fmt.Sprintf("%.0f %% slower", d), "worse"}
	case d <= -0.5:
		return change{fmt.Sprintf("%.0f %% faster", -d), "better"}
	}
	return change{"as last week", "muted"}
}

// HTML is the report's body, for the admin page.
func (w *Weekly) HTML() (template.HTML, error) {
	b, err := execute("weekly-body", w)
	return template.HTML(b), err
}

// Email is the report as an e-mail's HTML part: tables and inline styles, which mail clients
// keep, and the same charts (clients that drop SVG still have the tables).
func (w *Weekly) Email() (string, error) {
	b, err := execute("weekly-email", w)
	return string(b), err
}

// Text is the report as plain text: the e-mail's text part.
func (w *Weekly) Text() string {
	var b strings.Builder
	loc := w.loc
	state := ""
	if !w.Complete {
		state = " (so far)"
	}
	fmt.Fprintf(&b, "Weekly report — %s — %s%s\n", w.Page.Title, w.Title, state)
	fmt.Fprintf(&b, "%s to %s\n\n", w.From.In(loc).Format("Mon 2 Jan 15:04 MST"), w.To.In(loc).Format("Mon 2 Jan 15:04 MST"))
	fmt.Fprintf(&b, "Uptime: %s (%s), target %s\n", Percent(w.Overall.Uptime), uptimeChange(w.Overall.Uptime, w.Overall.Previous).Text, human.Percent(w.Target))
	fmt.Fprintf(&b, "Downtime: %s in %s\n", human.Exact(w.Overall.Downtime.D()), plural(w.Overall.Episodes, "episode"))
	fmt.Fprintf(&b, "Alerts: %d opened (%d the week before)", w.Alerts.Opened, w.Alerts.Previous)
	if k := w.Alerts.AlertKinds(); k != "" {
		fmt.Fprintf(&b, ": %s", k)
	}
	fmt.Fprintf(&b, "\nIncidents: %d\n", len(w.Incidents))
	b.WriteString("\nComponents\n")
	for _, c := range w.Components {
		fmt.Fprintf(&b, "  %-28s %-14s %s, %s down\n", c.Name, Percent(c.Uptime), uptimeChange(c.Uptime, c.Previous).Text, human.Exact(c.Downtime.D()))
	}
	if len(w.TopOffenders) > 0 {
		b.WriteString("\nTop offenders\n")
		for i, o := range w.TopOffenders {
			fmt.Fprintf(&b, "  %d. %s: %s down, %s, %s\n", i+1, o.Name, human.Exact(o.Downtime.D()), plural(o.Episodes, "episode"), plural(o.Alerts, "alert"))
		}
	}
	if len(w.Incidents) > 0 {
		b.WriteString("\nIncidents\n")
		for _, in := range w.Incidents {
			fmt.Fprintf(&b, "  %s %s (%s), from %s\n", in.Severity, in.Title, in.Status, in.StartedAt.In(loc).Format("Mon 2 Jan 15:04 MST"))
		}
	}
	if len(w.ResponseTimes) > 0 {
		b.WriteString("\nResponse times (a typical hour)\n")
		for _, l := range w.ResponseTimes {
			fmt.Fprintf(&b, "  %-28s p50 %-8s p95 %-8s %s\n", l.Monitor, human.Latency(l.P50.D()), human.Latency(l.P95.D()), latencyChange(l.P95, l.PrevP95).Text)
		}
	}
	return b.String()
}
