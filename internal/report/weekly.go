package report

import (
	"cmp"
	"context"
	"slices"
	"time"

	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/monitor"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

// Weekly is a status page's report of one ISO week (Monday to Monday in Zone).
type Weekly struct {
	Header
	Week string `json:"week"`          // 2026-W23
	URL  string `json:"url,omitempty"` // the report's page in the admin UI, when known

	Overall       WeekUptime        `json:"overall"` // the page, its components merged as in the SLA report
	Components    []WeeklyComponent `json:"components"`
	Incidents     []Incident        `json:"incidents"`
	Alerts        AlertSummary      `json:"alerts"`
	ResponseTimes []LatencyWeek     `json:"response_times"`
	TopOffenders  []Offender        `json:"top_offenders"`
}

// WeekUptime is an uptime this week beside the week before.
type WeekUptime struct {
	Uptime     *float64  `json:"uptime"` // nil without data
	Downtime   Seconds   `json:"downtime_seconds"`
	Previous   *float64  `json:"previous_uptime"`
	MetTarget  bool      `json:"met_target"`
	Episodes   int       `json:"episodes"`
	WorstLevel sla.Level `json:"worst"`
}

// WeeklyComponent is one component's week.
type WeeklyComponent struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Group string `json:"group"`
	WeekUptime
}

// AlertSummary counts the alerts of the page's monitors that opened during the week.
type AlertSummary struct {
	Opened       int            `json:"opened"`
	ByKind       map[string]int `json:"by_kind"`
	Acknowledged int            `json:"acknowledged"`
	StillOpen    int            `json:"still_open"`
	Previous     int            `json:"previous_week"`
}

// LatencyWeek is one monitor's response times: hour by hour, and for a typical hour (the
// median hour, weighted by its checks) this week and the week before.
type LatencyWeek struct {
	Monitor  string        `json:"monitor"`
	Checks   int           `json:"checks"`
	P50      Seconds       `json:"p50_seconds"` // 0 when unknown
	P95      Seconds       `json:"p95_seconds"`
	PrevP50  Seconds       `json:"previous_p50_seconds"`
	PrevP95  Seconds       `json:"previous_p95_seconds"`
	Hours    []LatencyHour `json:"hours"`
	from, to time.Time
	loc      *time.Location
}

// LatencyHour is one hourly rollup's response times.
type LatencyHour struct {
	At  time.Time `json:"at"`
	P50 Seconds   `json:"p50_seconds"` // 0 for hours rolled up before medians were kept
	P95 Seconds   `json:"p95_seconds"`
}

// Offender is a component that cost the most this week.
type Offender struct {
	Name     string  `json:"name"`
	Downtime Seconds `json:"downtime_seconds"`
	Episodes int     `json:"episodes"`
	Alerts   int     `json:"alerts"`
}

// maxOffenders is how many offenders a report names.
const maxOffenders = 5

// Weekly makes page p's report of week, its days counted in loc (nil: the page's zone), as of
// now. A week that has not begun is errs.Invalid.
func (s *Service) Weekly(ctx context.Context, p *status.Page, week Week, loc *time.Location) (*Weekly, error) {
	now := s.opts.Clock.Now()
	if loc == nil {
		loc = p.Location
	}
	win := week.Window(loc)
	if !now.After(win.From) {
		return nil, errs.E(errs.Invalid, "week %s has not begun (it is %s in %s)", week, now.In(loc).Format("2006-01-02"), loc)
	}
	prevWin := week.Previous(loc).Window(loc)
	end := clock.Earlier(win.To, now)
	r := &Weekly{Header: newHeader(p, week.Title(loc), win, loc, now), Week: week.String()}

	records, err := s.opts.Records.Records(ctx, p, sla.Window{From: prevWin.From, To: end})
	if err != nil {
		return nil, err
	}
	var pageNow [][]sla.Span
	var maintNow [][]sla.Window
	monitorOf := map[string]string{} // monitor -> the first component it backs
	var monitors []string
	sinceAll := end
	for _, rec := range records {
		c := WeeklyComponent{ID: rec.ID, Name: rec.Name, Group: rec.Group}
		c.WeekUptime = weekUptime(win, end, prevWin, rec.Since, rec.Spans, rec.Maintenance, p)
		r.Components = append(r.Components, c)
		counted := sla.Without(rec.Spans, append(slices.Clone(rec.Maintenance), sla.Window{From: prevWin.From, To: rec.Since}))
		if rec.Since.Before(end) {
			pageNow = append(pageNow, counted)
			sinceAll = clock.Earlier(sinceAll, rec.Since)
		}
		maintNow = append(maintNow, rec.Maintenance)
		for _, m := range rec.Monitors {
			if _, ok := monitorOf[m]; !ok {
				monitorOf[m] = rec.Name
				monitors = append(monitors, m)
			}
		}
	}
	r.Overall = weekUptime(win, end, prevWin, sinceAll, sla.Share(pageNow...), sla.Common(maintNow...), p)

	r.Incidents = []Incident{}
	if s.opts.Incidents != nil {
		if r.Incidents, err = s.opts.Incidents.IncidentsBetween(ctx, p.Slug, win.From, end); err != nil {
			return nil, err
		}
	}

	alertsByComponent := map[string]int{}
	if s.opts.Alerts != nil {
		as, err := s.opts.Alerts.RecentAlerts(ctx, prevWin.From, 100000)
		if err != nil {
			return nil, err
		}
		r.Alerts.ByKind = map[string]int{}
		for _, a := range as {
			comp, ours := monitorOf[a.Monitor]
			switch {
			case !ours:
			case !a.StartedAt.Before(win.From) && a.StartedAt.Before(end):
				r.Alerts.Opened++
				r.Alerts.ByKind[a.Kind]++
				alertsByComponent[comp]++
				if !a.AckedAt.IsZero() {
					r.Alerts.Acknowledged++
				}
				if a.Firing() {
					r.Alerts.StillOpen++
				}
			case !a.StartedAt.Before(prevWin.From) && a.StartedAt.Before(prevWin.To):
				r.Alerts.Previous++
			}
		}
	}

	if s.opts.Rollups != nil {
		for _, m := range monitors {
			lw, err := s.latencyWeek(ctx, m, win, prevWin, loc)
			if err != nil {
				return nil, err
			}
			if lw.Checks > 0 {
				r.ResponseTimes = append(r.ResponseTimes, lw)
			}
		}
	}

	for _, c := range r.Components {
		if c.Downtime > 0 || c.Episodes > 0 || alertsByComponent[c.Name] > 0 {
			r.TopOffenders = append(r.TopOffenders, Offender{Name: c.Name, Downtime: c.Downtime, Episodes: c.Episodes, Alerts: alertsByComponent[c.Name]})
		}
	}
	slices.SortStableFunc(r.TopOffenders, func(a, b Offender) int {
		return cmp.Or(cmp.Compare(b.Downtime, a.Downtime), cmp.Compare(b.Alerts, a.Alerts), cmp.Compare(b.Episodes, a.Episodes))
	})
	r.TopOffenders = r.TopOffenders[:min(len(r.TopOffenders), maxOffenders)]
	return r, nil
}

// weekUptime computes a week's uptime (from since, to end) beside the previous week's.
func weekUptime(win sla.Window, end time.Time, prev sla.Window, since time.Time, spans []sla.Span, maintenance []sla.Window, p *status.Page) WeekUptime {
	spans = sla.Without(spans, []sla.Window{{From: prev.From, To: since}})
	var u WeekUptime
	if counted := (sla.Window{From: clock.Later(win.From, since), To: end}); counted.From.Before(counted.To) {
		rep := sla.Compute(counted, spans, maintenance, p.Weights, p.Target)
		u.Uptime, u.Downtime, u.MetTarget = &rep.Uptime, Seconds(rep.Downtime), !rep.Breached
		for _, e := range sla.Episodes(counted, spans, maintenance, p.Weights) {
			u.Episodes++
			u.WorstLevel = max(u.WorstLevel, e.Worst)
		}
	}
	if counted := (sla.Window{From: clock.Later(prev.From, since), To: clock.Earlier(prev.To, end)}); counted.From.Before(counted.To) {
		rep := sla.Compute(counted, spans, maintenance, p.Weights, p.Target)
		u.Previous = &rep.Uptime
	}
	return u
}

func (s *Service) latencyWeek(ctx context.Context, mon string, win, prev sla.Window, loc *time.Location) (LatencyWeek, error) {
	lw := LatencyWeek{Monitor: mon, Hours: []LatencyHour{}, from: win.From, to: win.To, loc: loc}
	rs, err := s.opts.Rollups.Rollups(ctx, mon, prev.From.Truncate(time.Hour), win.To)
	if err != nil {
		return lw, err
	}
	var this, before []monitor.Rollup
	for _, r := range rs {
		switch {
		case !r.Hour.Before(win.From) && r.Hour.Before(win.To):
			this = append(this, r)
			lw.Checks += r.Count
			lw.Hours = append(lw.Hours, LatencyHour{At: r.Hour, P50: Seconds(r.P50), P95: Seconds(r.P95)})
		case !r.Hour.Before(prev.From) && r.Hour.Before(prev.To):
			before = append(before, r)
		}
	}
	p50 := func(r monitor.Rollup) time.Duration { return r.P50 }
	p95 := func(r monitor.Rollup) time.Duration { return r.P95 }
	lw.P50, lw.P95 = Seconds(typical(this, p50)), Seconds(typical(this, p95))
	lw.PrevP50, lw.PrevP95 = Seconds(typical(before, p50)), Seconds(typical(before, p95))
	return lw, nil
}

// typical is the median of an hourly figure over hours, each weighing its number of checks:
// the figure of a typical hour. Hours where the figure is unknown (0) are left out.
func typical(rs []monitor.Rollup, of func(monitor.Rollup) time.Duration) time.Duration {
	type weighed struct {
		v time.Duration
		n int
	}
	var xs []weighed
	total := 0
	for _, r := range rs {
		if v := of(r); v > 0 && r.Count > 0 {
			xs = append(xs, weighed{v, r.Count})
			total += r.Count
		}
	}
	if total == 0 {
		return 0
	}
	slices.SortFunc(xs, func(a, b weighed) int { return cmp.Compare(a.v, b.v) })
	seen := 0
	for _, x := range xs {
		if seen += x.n; 2*seen >= total {
			return x.v
		}
	}
	return xs[len(xs)-1].v
}
