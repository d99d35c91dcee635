package report

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"vigie/internal/clock"
	"vigie/internal/human"
)

// HTML is the report's body, for the admin page.
func (r *SLA) HTML() (template.HTML, error) {
	b, err := execute("sla-body", r)
	return template.HTML(b), err
}

// Printable is the report as one self-contained HTML document with a print style sheet: the
// way to a PDF is the browser's "Print → Save as PDF". Serve it with PrintStyleCSP.
func (r *SLA) Printable() ([]byte, error) {
	return execute("sla-print", struct {
		*SLA // the template reads it as .SLA
		CSS  template.CSS
	}{r, template.CSS(printCSS)})
}

// csvHeader is the export's columns. Rows are the page ("page"), each component
// ("component") and each downtime episode of the page ("episode"); a column that does not
// apply to a row is empty. Times are RFC 3339 in the page's zone; durations are seconds.
var csvHeader = []string{"row", "component", "group", "from", "to", "worst", "uptime_percent", "target_percent",
	"budget_seconds", "used_seconds", "left_seconds", "breached", "maintenance_seconds", "downtime_seconds"}

// CSV writes the report as one table (see csvHeader).
func (r *SLA) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	secs := func(s Seconds) string {
		return strconv.FormatFloat(s.D().Round(time.Microsecond).Seconds(), 'f', -1, 64)
	}
	stamp := func(t time.Time) string { return t.In(r.loc).Format(time.RFC3339) }
	target := strconv.FormatFloat(r.Target*100, 'f', -1, 64)
	figures := func(row, name, group string, f Figures) []string {
		uptime, from, to := "", "", ""
		if f.Uptime != nil {
			uptime = strconv.FormatFloat(*f.Uptime*100, 'f', 6, 64)
			from, to = stamp(f.DataFrom), stamp(clock.Earlier(r.To, r.AsOf))
		}
		return []string{row, name, group, from, to, "", uptime, target, secs(f.Budget), secs(f.Used), secs(f.Left),
			strconv.FormatBool(f.Breached), secs(f.Maintenance), secs(f.Used)}
	}
	rows := [][]string{csvHeader, figures("page", "", "", r.Overall)}
	for _, c := range r.Components {
		rows = append(rows, figures("component", c.Name, c.Group, c.Figures))
	}
	for _, e := range r.Overall.Episodes {
		for _, name := range orPage(e.Components) {
			rows = append(rows, []string{"episode", name, "", stamp(e.From), stamp(e.To), e.Worst.String(), "", "", "", "", "", "",
				secs(e.Maintenance), secs(e.Downtime)})
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// orPage lists an episode's components, or one empty name (the page) when none is known.
func orPage(names []string) []string {
	if len(names) == 0 {
		return []string{""}
	}
	return names
}

// Table writes the report for a terminal.
func (r *SLA) Table(w io.Writer) error {
	state := "complete"
	if !r.Complete {
		state = "in progress, figures to " + r.AsOf.In(r.loc).Format("Mon 2 Jan 15:04 MST")
	}
	fmt.Fprintf(w, "SLA report — %s (%s) — %s, %s, %s\n", r.Page.Title, r.Page.Slug, r.Title, r.Zone, state)
	fmt.Fprintf(w, "Target %s · budget %s · maintenance excluded %s\n\n", human.Percent(r.Target),
		human.Exact(r.Overall.Budget.D()), human.Exact(r.Overall.Maintenance.D()))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tGROUP\tUPTIME\tUSED\tLEFT\tVERDICT")
	line := func(name, group string, f Figures) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, group, Percent(f.Uptime), human.Exact(f.Used.D()), human.Exact(f.Left.D()), verdictOf(f, r.Complete).Text)
	}
	line("(whole page)", "", r.Overall)
	for _, c := range r.Components {
		line(c.Name, c.Group, c.Figures)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Overall.Episodes) == 0 {
		_, err := fmt.Fprintln(w, "\nNo downtime this month.")
		return err
	}
	fmt.Fprintln(w, "\nDowntime episodes:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tENDED\tLASTED\tWORST\tCOUNTED\tCOMPONENTS")
	for _, e := range r.Overall.Episodes {
		end := e.To.In(r.loc).Format("Mon 2 Jan 15:04 MST")
		if e.Ongoing {
			end = "ongoing"
		}
		names := ""
		for i, n := range e.Components {
			if i > 0 {
				names += ", "
			}
			names += n
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.From.In(r.loc).Format("Mon 2 Jan 15:04 MST"), end, human.Exact(e.Duration()),
			e.Worst.Words(), human.Exact(e.Downtime.D()), names)
	}
	return tw.Flush()
}

// verdict says where figures stand: its words, a mark beside them and a class for the colour.
type verdict struct{ Text, Mark, Class string }

func verdictOf(f Figures, complete bool) verdict {
	switch {
	case f.NoData:
		return verdict{"no data", "○", "none"}
	case f.Breached && complete:
		return verdict{"target missed", "▲", "over"}
	case f.Breached:
		return verdict{"budget exceeded", "▲", "over"}
	case complete:
		return verdict{"target met", "●", "ok"}
	}
	return verdict{"within budget so far", "●", "ok"}
}
