package report

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

// Records is where reports read what happened: the status service.
type Records interface {
	Records(ctx context.Context, p *status.Page, win sla.Window) ([]status.ComponentRecord, error)
}

// Seconds is a duration that reads as seconds in JSON (43m12s is 2592), exact to the
// microsecond, so exports add up without parsing Go's duration syntax.
type Seconds time.Duration

func (s Seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(s).Round(time.Microsecond).Seconds(), 'f', -1, 64), nil
}

// D is the duration, for templates.
func (s Seconds) D() time.Duration { return time.Duration(s) }

// PageRef names the page a report is about.
type PageRef struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

// Header is what every report says of itself: the page, the period, its zone, and when it
// was made.
type Header struct {
	Page     PageRef   `json:"page"`
	Title    string    `json:"title"` // the period for people: "May 2026", "week 23, 2026 (1–7 June)"
	Zone     string    `json:"zone"`  // in which the period is counted
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	AsOf     time.Time `json:"as_of"`
	Complete bool      `json:"complete"` // false while the period runs: figures stop at as_of
	Target   float64   `json:"target"`   // 0.999

	loc *time.Location
}

func newHeader(p *status.Page, title string, win sla.Window, loc *time.Location, now time.Time) Header {
	return Header{Page: PageRef{p.Slug, p.Title}, Title: title, Zone: loc.String(), From: win.From, To: win.To, AsOf: now,
		Complete: !now.Before(win.To), Target: p.Target, loc: loc}
}

// Location is the report's zone, for templates.
func (h *Header) Location() *time.Location { return h.loc }

// SLA is the calendar-month SLA report of one status page.
type SLA struct {
	Header
	Month   string `json:"month"` // 2026-05
	Weights struct {
		Degraded      float64 `json:"degraded_performance"`
		PartialOutage float64 `json:"partial_outage"`
	} `json:"weights"`
	// Overall is the page as a whole: at each instant the components outside maintenance are
	// merged as a component's monitors are by the rule share (all down is a major outage, some
	// a partial one), and the page is under maintenance only while all its components are.
	Overall    Figures        `json:"overall"`
	Components []ComponentSLA `json:"components"`
	// Burn is the page's budget used by the end of each day of the month so far.
	Burn []BurnPoint `json:"burn"`
}

// ComponentSLA is one component's figures.
type ComponentSLA struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Group string `json:"group"`
	Figures
}

// Figures are one SLA computation: the month's budget against what its counted part used.
type Figures struct {
	NoData bool `json:"no_data"` // nothing was monitored in the month
	// Uptime is (counted − maintenance − downtime) / (counted − maintenance) over the counted
	// part of the month: from DataFrom (when monitoring began, or the 1st) to the end of the
	// month, or to as_of while the month runs. Nil without data.
	Uptime      *float64  `json:"uptime"`
	DataFrom    time.Time `json:"data_from,omitzero"`
	Total       Seconds   `json:"total_seconds"`       // the whole month, real time
	Maintenance Seconds   `json:"maintenance_seconds"` // announced maintenance, left out
	Budget      Seconds   `json:"budget_seconds"`      // (1 − target) × (month − maintenance)
	Used        Seconds   `json:"used_seconds"`        // weighted downtime outside maintenance
	Left        Seconds   `json:"left_seconds"`        // budget − used; negative once breached
	Breached    bool      `json:"breached"`
	// ByLevel is the unweighted time at each level outside maintenance.
	ByLevel  map[string]Seconds `json:"by_level"`
	Episodes []Episode          `json:"episodes"`
}

// Episode is one stretch of downtime behind the figures.
type Episode struct {
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	Ongoing     bool      `json:"ongoing"` // still going when the report was made
	Worst       sla.Level `json:"worst"`
	Downtime    Seconds   `json:"downtime_seconds"`    // what it cost the budget
	Maintenance Seconds   `json:"maintenance_seconds"` // the part inside maintenance
	// Components lists, in the page's figures, the components that were down in it.
	Components []string `json:"components,omitempty"`
}

// Duration is how long the episode lasted, maintenance included.
func (e Episode) Duration() time.Duration { return e.To.Sub(e.From) }

// BurnPoint is the budget used by At.
type BurnPoint struct {
	At   time.Time `json:"at"`
	Used Seconds   `json:"used_seconds"`
}

// UsedShare is how much of the budget is used, as a fraction (above 1 once breached).
func (f Figures) UsedShare() float64 {
	if f.Budget <= 0 {
		if f.Used > 0 {
			return 1
		}
		return 0
	}
	return float64(f.Used) / float64(f.Budget)
}

// BuildSLA makes the report of page p for month, as of now. A month that has not begun is
// errs.Invalid; one in progress is reported up to now, against the whole month's budget.
func BuildSLA(ctx context.Context, src Records, p *status.Page, month Month, now time.Time) (*SLA, error) {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	win := month.Window(loc)
	if !now.After(win.From) {
		return nil, errs.E(errs.Invalid, "month %s has not begun (it is %s in %s)", month, now.In(loc).Format("2006-01-02"), loc)
	}
	end := clock.Earlier(win.To, now)
	records, err := src.Records(ctx, p, sla.Window{From: win.From, To: end})
	if err != nil {
		return nil, err
	}
	r := &SLA{Header: newHeader(p, month.Title(), win, loc, now), Month: month.String()}
	r.Weights.Degraded, r.Weights.PartialOutage = p.Weights.Degraded, p.Weights.PartialOutage

	// The page's timeline: each component counts from its first data, and says nothing while
	// under its own maintenance.
	var counted [][]sla.Span
	var maintenance [][]sla.Window
	since := end
	for _, rec := range records {
		c := ComponentSLA{ID: rec.ID, Name: rec.Name, Group: rec.Group}
		c.Figures = figures(win, end, rec.Since, rec.Spans, rec.Maintenance, p)
		r.Components = append(r.Components, c)
		if rec.Since.Before(end) {
			counted = append(counted, sla.Without(rec.Spans, append(slices.Clone(rec.Maintenance), sla.Window{From: win.From, To: rec.Since})))
			since = clock.Earlier(since, rec.Since)
		}
		maintenance = append(maintenance, rec.Maintenance)
	}
	pageSpans, pageMaint := sla.Share(counted...), sla.Common(maintenance...)
	r.Overall = figures(win, end, since, pageSpans, pageMaint, p)
	// Name the components behind each of the page's episodes. Those are sorted and disjoint,
	// so each component episode finds its page episodes by binary search.
	page := r.Overall.Episodes
	for _, c := range r.Components {
		for _, ce := range c.Episodes {
			i, _ := slices.BinarySearchFunc(page, ce.From, func(e Episode, t time.Time) int {
				return cmp.Compare(e.To.UnixNano(), t.UnixNano()+1) // first episode ending after t
			})
			for ; i < len(page) && page[i].From.Before(ce.To); i++ {
				if !slices.Contains(page[i].Components, c.Name) {
					page[i].Components = append(page[i].Components, c.Name)
				}
			}
		}
	}
	var days []time.Time
	for d := win.From; d.Before(end); {
		y, m, day := d.In(loc).Date()
		d = clock.Earlier(time.Date(y, m, day+1, 0, 0, 0, 0, loc), end)
		days = append(days, d)
	}
	for i, used := range sla.Cumulative(win.From, days, pageSpans, pageMaint, p.Weights) {
		r.Burn = append(r.Burn, BurnPoint{At: days[i], Used: Seconds(used)})
	}
	return r, nil
}

// figures computes one component's (or the page's) figures for month win, counted from since
// to end.
func figures(win sla.Window, end, since time.Time, spans []sla.Span, maintenance []sla.Window, p *status.Page) Figures {
	// Before monitoring began nothing was down: a parent's outage must not count for a child
	// that did not exist yet.
	h := sla.Prepare(sla.Without(spans, []sla.Window{{From: win.From, To: since}}), maintenance)
	month := h.Compute(win, p.Weights, p.Target)
	f := Figures{Total: Seconds(month.Total), Maintenance: Seconds(month.Maintenance), Budget: Seconds(month.Budget),
		Used: Seconds(month.Used), Left: Seconds(month.Left), Breached: month.Breached, ByLevel: map[string]Seconds{}, Episodes: []Episode{}}
	counted := sla.Window{From: clock.Later(win.From, since), To: end}
	if !counted.From.Before(counted.To) {
		f.NoData = true
		return f
	}
	uptime := h.Compute(counted, p.Weights, p.Target).Uptime
	f.Uptime, f.DataFrom = &uptime, counted.From
	for l, d := range month.ByLevel {
		f.ByLevel[l.String()] = Seconds(d)
	}
	for _, e := range h.Episodes(counted, p.Weights) {
		f.Episodes = append(f.Episodes, Episode{From: e.From, To: e.To, Ongoing: e.To.Equal(end) && end.Before(win.To), Worst: e.Worst,
			Downtime: Seconds(e.Downtime), Maintenance: Seconds(e.Maintenance)})
	}
	return f
}

// JSON writes the report as indented JSON.
func (r *SLA) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }
