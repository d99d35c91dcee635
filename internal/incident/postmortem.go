package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/human"
	"vigie/internal/status/sla"
)

// maxPostmortem bounds a post-mortem's text.
const maxPostmortem = 256 << 10

// Postmortem returns the incident with its post-mortem: the stored draft, or, when none is
// stored yet, one generated from the record (generated is then true; nothing is stored).
func (s *Service) Postmortem(ctx context.Context, id int64) (inc *Incident, pm *Postmortem, generated bool, err error) {
	inc, err = s.opts.Store.IncidentByID(ctx, id)
	if err != nil {
		return nil, nil, false, err
	}
	if inc.Postmortem != nil {
		return inc, inc.Postmortem, false, nil
	}
	md, err := s.Generate(ctx, inc)
	if err != nil {
		return nil, nil, false, err
	}
	return inc, &Postmortem{Markdown: md}, true, nil
}

// SavePostmortem stores an edited draft. What is published stays until it is published again.
func (s *Service) SavePostmortem(ctx context.Context, id int64, markdown, by string) (*Incident, error) {
	switch {
	case strings.TrimSpace(markdown) == "":
		return nil, errs.E(errs.Invalid, "markdown: the post-mortem is empty")
	case len(markdown) > maxPostmortem:
		return nil, errs.E(errs.Invalid, "markdown: at most %d KiB", maxPostmortem>>10)
	}
	return s.modify(ctx, id, func(inc *Incident, now time.Time) error {
		if inc.Postmortem == nil {
			inc.Postmortem = &Postmortem{CreatedAt: now}
		}
		if inc.Postmortem.Markdown == markdown {
			return errUnchanged
		}
		inc.Postmortem.Markdown, inc.Postmortem.UpdatedAt, inc.Postmortem.UpdatedBy = markdown, now, by
		return nil
	})
}

// PublishPostmortem puts the draft (or, if none was saved, the generated text) on the
// status page. The incident must be resolved: a post-mortem looks back.
func (s *Service) PublishPostmortem(ctx context.Context, id int64, by string) (*Incident, error) {
	current, err := s.opts.Store.IncidentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	var generated string
	if current.Postmortem == nil {
		if generated, err = s.Generate(ctx, current); err != nil {
			return nil, err
		}
	}
	return s.modify(ctx, id, func(inc *Incident, now time.Time) error {
		switch {
		case inc.Open():
			return errs.E(errs.Conflict, "incident %d is not resolved yet: resolve it, then publish its post-mortem", inc.ID)
		case inc.Page == "":
			return errs.E(errs.Conflict, "incident %d is on no status page: set its page to publish the post-mortem", inc.ID)
		}
		if inc.Postmortem == nil {
			inc.Postmortem = &Postmortem{Markdown: generated, CreatedAt: now, UpdatedAt: now, UpdatedBy: by}
		}
		if inc.Postmortem.Published() && inc.Postmortem.PublishedMarkdown == inc.Postmortem.Markdown {
			return errUnchanged
		}
		what := "Post-mortem published."
		if inc.Postmortem.Published() {
			what = "Post-mortem published again, edited."
		}
		inc.Postmortem.PublishedMarkdown, inc.Postmortem.PublishedAt, inc.Postmortem.PublishedBy = inc.Postmortem.Markdown, now, by
		inc.record(now, EntryPostmortem, by, what)
		return nil
	})
}

// Generate writes a post-mortem draft from the record. It holds what may be published:
// the logbook's answers, the public updates and milestones, SLA figures and action items,
// but no internal note, role, owner, alert or monitor name.
func (s *Service) Generate(ctx context.Context, inc *Incident) (string, error) {
	f := facts{Loc: time.UTC, Now: s.opts.Clock.Now()}
	page, ok := s.Page(inc.Page)
	if ok {
		f.Loc, f.PageTitle, f.Names = page.Location, page.Title, componentNames(page)
	}
	if ok && s.opts.SLA != nil && len(inc.Components) > 0 {
		ids := inc.ComponentIDs()
		win := inc.ImpactWindow(f.Now)
		used, err := s.opts.SLA.ComponentReports(ctx, page, ids, win)
		if err != nil {
			return "", err
		}
		month := sla.Month(inc.StartedAt, page.Location)
		budget, err := s.opts.SLA.ComponentReports(ctx, page, ids, month)
		if err != nil {
			return "", err
		}
		for _, id := range ids {
			f.SLA = append(f.SLA, componentSLA{Name: f.Names[id], Used: used[id].Used, Budget: budget[id].Budget,
				Month: month.From.Format("January 2006")})
		}
	}
	return renderPostmortem(inc, f), nil
}

// facts are what a post-mortem says beyond the record.
type facts struct {
	Loc       *time.Location
	PageTitle string
	Names     map[string]string // component names by id
	SLA       []componentSLA
	Now       time.Time
}

// componentSLA is what one component's SLA lost to the incident.
type componentSLA struct {
	Name         string
	Used, Budget time.Duration
	Month        string
}

const toBeWritten = "_To be written._"

// renderPostmortem is the draft as Markdown.
func renderPostmortem(inc *Incident, f facts) string {
	var b strings.Builder
	stamp := func(t time.Time) string { return t.In(f.Loc).Format("2 Jan 2006 15:04 MST") }
	win := inc.ImpactWindow(f.Now)
	fmt.Fprintf(&b, "# Post-mortem: %s\n\n", inc.Title)
	meta := []string{"**" + string(inc.Severity) + "**"}
	if f.PageTitle != "" {
		meta = append(meta, f.PageTitle)
	}
	meta = append(meta, span(win, f.Loc))
	b.WriteString(strings.Join(meta, " · ") + "\n\n")

	section(&b, "Summary", inc.Logbook.WhatIsGoingOn)

	b.WriteString("## Impact\n\n")
	if text := strings.TrimSpace(inc.Logbook.Impacts); text != "" {
		b.WriteString(text + "\n\n")
	}
	if len(inc.Components) > 0 {
		fmt.Fprintf(&b, "- Affected: %s.\n", describeComponents(inc.Components, f.Names))
	}
	fmt.Fprintf(&b, "- Customers were affected for %s: %s.\n", human.Duration(win.Duration()), span(win, f.Loc))
	for _, c := range f.SLA {
		switch {
		case c.Used == 0:
			fmt.Fprintf(&b, "- SLA: %s lost nothing of its %s budget for %s (its monitors saw no downtime).\n", c.Name, minutes(c.Budget), c.Month)
		case c.Budget > 0:
			fmt.Fprintf(&b, "- SLA: %s lost %s, %d%% of its %s budget for %s.\n", c.Name, minutes(c.Used),
				int(100*float64(c.Used)/float64(c.Budget)+0.5), minutes(c.Budget), c.Month)
		default:
			fmt.Fprintf(&b, "- SLA: %s lost %s in %s.\n", c.Name, minutes(c.Used), c.Month)
		}
	}
	var measures []string
	for _, m := range []struct {
		name string
		fn   func() (time.Duration, bool)
	}{{"detect", inc.TimeToDetect}, {"acknowledge", inc.TimeToAcknowledge}, {"mitigate", inc.TimeToMitigate}, {"resolve", inc.TimeToResolve}} {
		if d, ok := m.fn(); ok {
			measures = append(measures, "to "+m.name+" "+human.Duration(d))
		}
	}
	if len(measures) > 0 {
		fmt.Fprintf(&b, "- Time %s.\n", strings.Join(measures, " · "))
	}
	b.WriteString("\n## Timeline\n\n")
	for _, l := range publicTimeline(inc) {
		fmt.Fprintf(&b, "- **%s** %s\n", stamp(l.At), l.Text)
	}
	b.WriteString("\n")

	section(&b, "Root cause", inc.Logbook.HowUnderstood)
	section(&b, "Resolution", inc.Logbook.WhatWasDone)

	b.WriteString("## Action items\n\n")
	if len(inc.Actions) == 0 {
		b.WriteString(toBeWritten + "\n\n")
	} else {
		for _, a := range inc.Actions {
			box := "[ ]"
			if a.Done() {
				box = "[x]"
			}
			line := "- " + box + " " + a.Title
			if !a.Due.IsZero() && !a.Done() {
				line += " (due " + a.Due.Format("2 Jan 2006") + ")"
			}
			b.WriteString(line + "\n")
		}
		b.WriteString("\n")
	}
	section(&b, "Lessons", inc.Logbook.HowToAvoid)
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// span writes a window in loc, the day once when it does not change.
func span(w sla.Window, loc *time.Location) string {
	from, to := w.From.In(loc), w.To.In(loc)
	if from.Format("2006-01-02") == to.Format("2006-01-02") {
		return from.Format("2 Jan 2006 15:04") + " – " + to.Format("15:04 MST")
	}
	return from.Format("2 Jan 2006 15:04 MST") + " – " + to.Format("2 Jan 2006 15:04 MST")
}

func section(b *strings.Builder, title, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		text = toBeWritten
	}
	fmt.Fprintf(b, "## %s\n\n%s\n\n", title, text)
}

// minutes writes an SLA quantity the way budgets are quoted: "43.2 min".
func minutes(d time.Duration) string {
	return fmt.Sprintf("%.1f min", d.Minutes())
}

// timelineLine is one moment of an incident as it may be told publicly.
type timelineLine struct {
	At   time.Time
	Text string
}

// publicTimeline is the incident's milestones and public updates, in time order; the
// bodies of internal entries are left out.
func publicTimeline(inc *Incident) []timelineLine {
	var out []timelineLine
	add := func(t time.Time, text string) {
		if !t.IsZero() {
			out = append(out, timelineLine{t, text})
		}
	}
	add(inc.StartedAt, "Impact began.")
	add(inc.DetectedAt, "Detected.")
	add(inc.AcknowledgedAt, "Acknowledged: the response began.")
	for _, e := range inc.Entries {
		switch e.Kind {
		case EntryUpdate:
			add(e.At, e.Status.Label()+": "+strings.Join(strings.Fields(e.Body), " "))
		case EntryStatus:
			add(e.At, "Now "+string(e.Status)+".")
		}
	}
	add(inc.MitigatedAt, "Mitigated: the impact stopped.")
	// A closing public update says it already.
	if !slices.ContainsFunc(inc.Entries, func(e Entry) bool { return e.Kind == EntryUpdate && e.Status == Resolved }) {
		add(inc.ResolvedAt, "Resolved.")
	}
	slices.SortStableFunc(out, func(a, b timelineLine) int { return a.At.Compare(b.At) })
	return out
}
