// Package status builds what a public status page shows: each component's current condition
// from its monitors, a 90-day bar of daily uptime, this month's SLA figures, and the page's
// overall banner. Figures come from the monitors' stored state changes, exact to the second,
// through the pure maths of package sla. Views are cached briefly: a status page is read far
// more often than anything on it changes.
package status

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"vigie/internal/clock"
	"vigie/internal/monitor"
	"vigie/internal/status/sla"
)

// Days is how many daily bars a component shows.
const Days = 90

// cacheFor is how long a built view is served before it is built again.
const cacheFor = 30 * time.Second

// Page is one status page as configured.
type Page struct {
	Slug, Title, Description, LogoURL, Host string
	Location                                *time.Location
	Target                                  float64 // 0.999
	Weights                                 sla.Weights
	Token                                   string // private pages: who holds it may read
	Groups                                  []Group
	// NoticeBefore is how long before each maintenance occurrence its subscribers get a
	// reminder; 0 sends none.
	NoticeBefore time.Duration
	// EmailSubscribers says the page takes e-mail subscriptions: a sender is configured.
	EmailSubscribers bool
}

// ComponentIDs lists the page's components' ids, in page order.
func (p *Page) ComponentIDs() []string {
	var ids []string
	for _, g := range p.Groups {
		for _, c := range g.Components {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// ComponentNames names the components with these ids, in the order given; ids the page does
// not have (any more) are left out.
func (p *Page) ComponentNames(ids []string) []string {
	var names []string
	for _, id := range ids {
		for _, g := range p.Groups {
			for _, c := range g.Components {
				if c.ID == id {
					names = append(names, c.Name)
				}
			}
		}
	}
	return names
}

// Group is a heading with its components.
type Group struct {
	ID, Name   string
	Components []Component
}

// Component is one line of a page.
type Component struct {
	ID, Name, Description string
	Monitors              []string
	Share                 bool // rule "share": some monitors down is a partial outage
	// Manual components have no monitors: operational unless an open incident states
	// otherwise. They have no bars, no uptime and no response times.
	Manual bool
}

// History is the stored record of monitor state changes.
type History interface {
	AllEvents(ctx context.Context, from, to time.Time) ([]monitor.Event, error)
	EventsBefore(ctx context.Context, t time.Time) ([]monitor.Event, error)
}

// Options configure a Service.
type Options struct {
	History History
	// Monitors lists the monitors with their current state and dependencies.
	Monitors func() []monitor.Snapshot
	Clock    clock.Clock
	Logger   *slog.Logger
	// Maintenances, when set, are shown on pages, left out of figures, and hold back alerts.
	Maintenances MaintenanceStore
	// Pages lists the configured pages (for InMaintenance).
	Pages func() []*Page
	// Stated, when set, gives the states that open incidents declare for a page's
	// components; a component shows the worse of that and what its monitors measure.
	Stated func(ctx context.Context, page string) (map[string]sla.Level, error)
	// Rollups, when set, give the components' response-time charts.
	Rollups Rollups
}

// Service builds and caches page views.
type Service struct {
	opts  Options
	mu    sync.Mutex
	cache map[string]*View
	// maint caches the stored maintenances for InMaintenance, asked on every alert round.
	maintMu   sync.Mutex
	maint     []Maintenance
	maintRead time.Time
}

// NewService returns a service.
func NewService(o Options) *Service {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{opts: o, cache: map[string]*View{}}
}

// View is a page as shown at one moment.
type View struct {
	Page    *Page
	At      time.Time
	Overall sla.Level
	Groups  []GroupView
	// Maintenance in progress, then scheduled (next occurrence within 60 days), soonest first.
	Maintenance []MaintenanceView
}

// MaintenanceView is a maintenance as a page shows it: its current or next occurrence.
type MaintenanceView struct {
	Maintenance
	Window         sla.Window
	State          string
	ComponentNames []string
}

// GroupView is a group with its components' figures.
type GroupView struct {
	Group
	Level      sla.Level // the worst of its components
	Components []ComponentView
}

// ComponentView is one component's figures.
type ComponentView struct {
	Component
	Level         sla.Level  // now
	InMaintenance bool       // a maintenance covering it is in progress
	Since         time.Time  // when the first monitor behind it was first seen
	Days          []sla.Day  // Days bars, oldest first
	Uptime        float64    // over the bars with data
	Month         sla.Report // this calendar month so far, in the page's zone, from when data begins
	Timeline      []sla.Span // the last Days days
	// Latency is the response time hour by hour over the last LatencyHours, oldest first;
	// empty for components of heartbeats only, or without Rollups.
	Latency []LatencyPoint
}

// Describe is the banner text for a level.
func Describe(l sla.Level) string {
	switch l {
	case sla.Degraded:
		return "Degraded performance"
	case sla.PartialOutage:
		return "Partial outage"
	case sla.MajorOutage:
		return "Major outage"
	}
	return "All systems operational"
}

// Invalidate drops cached views, for a reload that changed pages.
func (s *Service) Invalidate() {
	s.mu.Lock()
	s.cache = map[string]*View{}
	s.mu.Unlock()
	s.maintMu.Lock()
	s.maintRead = time.Time{}
	s.maintMu.Unlock()
}

// maintenances returns the stored maintenances, read at most every cacheFor/2.
func (s *Service) maintenances(ctx context.Context, now time.Time) ([]Maintenance, error) {
	if s.opts.Maintenances == nil {
		return nil, nil
	}
	s.maintMu.Lock()
	defer s.maintMu.Unlock()
	if !s.maintRead.IsZero() && now.Sub(s.maintRead) < cacheFor/2 && !now.Before(s.maintRead) {
		return s.maint, nil
	}
	ms, err := s.opts.Maintenances.Maintenances(ctx)
	if err != nil {
		return nil, err
	}
	s.maint, s.maintRead = ms, now
	return ms, nil
}

// pageMaintenances are the stored maintenances of one page.
func (s *Service) pageMaintenances(ctx context.Context, p *Page, now time.Time) ([]Maintenance, error) {
	all, err := s.maintenances(ctx, now)
	if err != nil {
		return nil, err
	}
	var out []Maintenance
	for _, m := range all {
		if m.Page == p.Slug {
			out = append(out, m)
		}
	}
	return out, nil
}

// InMaintenance reports whether a maintenance in progress at t covers a component that the
// monitor is behind, on any page. Errors count as "no": an alert is better than silence.
func (s *Service) InMaintenance(ctx context.Context, monitor string, t time.Time) bool {
	ms, err := s.maintenances(ctx, s.opts.Clock.Now())
	if err != nil || len(ms) == 0 || s.opts.Pages == nil {
		return false
	}
	for _, p := range s.opts.Pages() {
		for _, g := range p.Groups {
			for _, c := range g.Components {
				if !slices.Contains(c.Monitors, monitor) {
					continue
				}
				for i := range ms {
					if ms[i].Page == p.Slug && ms[i].Covers(c.ID) && len(ms[i].Windows(t, t.Add(time.Nanosecond), p.Location)) > 0 {
						return true
					}
				}
			}
		}
	}
	return false
}

// View returns the page's view, built at most every cacheFor.
func (s *Service) View(ctx context.Context, p *Page) (*View, error) {
	now := s.opts.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock() // one build at a time; concurrent readers wait for it rather than repeat it
	if v, ok := s.cache[p.Slug]; ok && v.Page == p && now.Sub(v.At) < cacheFor && !now.Before(v.At) {
		return v, nil
	}
	v, err := s.build(ctx, p, now)
	if err != nil {
		return nil, err
	}
	s.cache[p.Slug] = v
	return v, nil
}

// level is how a monitor state reads on a status page. Unknown says nothing by itself: a
// monitor unknown because its parent is down is covered by the parent's timeline.
func level(st monitor.State) sla.Level {
	switch st {
	case monitor.StateDown:
		return sla.MajorOutage
	case monitor.StateDegraded:
		return sla.Degraded
	}
	return sla.Operational
}

// window is the span of the bars: from the start of the first bar's day to now.
func window(now time.Time, loc *time.Location) sla.Window {
	local := now.In(loc)
	first := time.Date(local.Year(), local.Month(), local.Day()-(Days-1), 0, 0, 0, 0, loc)
	return sla.Window{From: first, To: now}
}

// ComponentRecord is one component's stored record over a window.
type ComponentRecord struct {
	Component
	Group string
	// Spans are the component's levels over the window: its monitors' timelines merged by its
	// rule, a parent's outage counting for what sits behind it.
	Spans []sla.Span
	// Since is when the component's first monitor was first seen, or the window's end when
	// none has been: before it there is no data.
	Since time.Time
	// Maintenance is the component's announced maintenance that touches the window.
	Maintenance []sla.Window
}

// Records returns every component's record over win, in page order. The status page reads
// the last 90 days through it; SLA and weekly reports read calendar months and weeks.
func (s *Service) Records(ctx context.Context, p *Page, win sla.Window) ([]ComponentRecord, error) {
	before, err := s.opts.History.EventsBefore(ctx, win.From)
	if err != nil {
		return nil, err
	}
	events, err := s.opts.History.AllEvents(ctx, win.From, win.To.Add(time.Second))
	if err != nil {
		return nil, err
	}
	initial := map[string]sla.Level{}
	firstSeen := map[string]time.Time{}
	for _, e := range before {
		initial[e.Monitor] = level(e.State)
		firstSeen[e.Monitor] = win.From
	}
	perMonitor := map[string][]sla.Event{}
	for _, e := range events {
		perMonitor[e.Monitor] = append(perMonitor[e.Monitor], sla.Event{At: e.At, Level: level(e.State)})
		if _, ok := firstSeen[e.Monitor]; !ok {
			firstSeen[e.Monitor] = e.At
		}
	}
	parents := map[string]string{}
	for _, snap := range s.opts.Monitors() {
		parents[snap.Definition.Name] = snap.Definition.DependsOn
	}
	own := func(name string) []sla.Span { return sla.Timeline(win, initial[name], perMonitor[name]) }
	// effective adds the outages of a monitor's ancestors: while a gateway is down, what sits
	// behind it is unreachable for customers even though its own monitor says "unknown".
	memo := map[string][]sla.Span{}
	var effective func(name string, depth int) []sla.Span
	effective = func(name string, depth int) []sla.Span {
		if tl, ok := memo[name]; ok {
			return tl
		}
		tl := own(name)
		if parent := parents[name]; parent != "" && depth < 32 {
			tl = sla.Worst(tl, onlyMajor(effective(parent, depth+1)))
		}
		memo[name] = tl
		return tl
	}

	maint, err := s.pageMaintenances(ctx, p, s.opts.Clock.Now())
	if err != nil {
		return nil, err
	}

	var out []ComponentRecord
	for _, g := range p.Groups {
		for _, c := range g.Components {
			rec := ComponentRecord{Component: c, Group: g.Name, Since: win.To}
			var tls [][]sla.Span
			for _, m := range c.Monitors {
				tls = append(tls, effective(m, 0))
				if t, ok := firstSeen[m]; ok && t.Before(rec.Since) {
					rec.Since = t
				}
			}
			if c.Share {
				rec.Spans = sla.Share(tls...)
			} else {
				rec.Spans = sla.Worst(tls...)
			}
			for i := range maint {
				if maint[i].Covers(c.ID) {
					// The window's end itself counts, so a maintenance starting now shows as active.
					rec.Maintenance = append(rec.Maintenance, maint[i].Windows(win.From, win.To.Add(time.Nanosecond), p.Location)...)
				}
			}
			out = append(out, rec)
		}
	}
	return out, nil
}

// ComponentReports computes the SLA figures of the page's components named by ids over win
// (maintenance excluded, with the page's weights and target): what an incident consumed.
func (s *Service) ComponentReports(ctx context.Context, p *Page, ids []string, win sla.Window) (map[string]sla.Report, error) {
	records, err := s.Records(ctx, p, win)
	if err != nil {
		return nil, err
	}
	out := map[string]sla.Report{}
	for _, rec := range records {
		if slices.Contains(ids, rec.ID) {
			out[rec.ID] = sla.Compute(win, rec.Spans, rec.Maintenance, p.Weights, p.Target)
		}
	}
	return out, nil
}

func (s *Service) build(ctx context.Context, p *Page, now time.Time) (*View, error) {
	win := window(now, p.Location)
	records, err := s.Records(ctx, p, win)
	if err != nil {
		return nil, err
	}
	parents, current, kinds := map[string]string{}, map[string]monitor.State{}, map[string]string{}
	for _, snap := range s.opts.Monitors() {
		parents[snap.Definition.Name] = snap.Definition.DependsOn
		current[snap.Definition.Name] = snap.State
		kinds[snap.Definition.Name] = snap.Definition.Kind
	}
	var currentLevel func(name string, depth int) sla.Level
	currentLevel = func(name string, depth int) sla.Level {
		l := level(current[name])
		if parent := parents[name]; parent != "" && depth < 32 && currentLevel(parent, depth+1) == sla.MajorOutage {
			l = sla.MajorOutage
		}
		return l
	}
	stated := map[string]sla.Level{}
	if s.opts.Stated != nil {
		if stated, err = s.opts.Stated(ctx, p.Slug); err != nil {
			return nil, err
		}
	}
	maint, err := s.pageMaintenances(ctx, p, now)
	if err != nil {
		return nil, err
	}

	v := &View{Page: p, At: now}
	month := sla.Month(now, p.Location)
	next := 0
	for _, g := range p.Groups {
		gv := GroupView{Group: g}
		for _, c := range g.Components {
			rec := records[next]
			next++
			cv := ComponentView{Component: c, Timeline: rec.Spans, Since: rec.Since}
			var levels []sla.Level
			for _, m := range c.Monitors {
				levels = append(levels, currentLevel(m, 0))
			}
			if c.Share {
				cv.Level = shareLevel(levels)
			} else {
				cv.Level = maxLevel(levels)
			}
			cv.Level = max(cv.Level, stated[c.ID])
			if s.opts.Rollups != nil {
				if cv.Latency, err = s.latency(ctx, c, kinds, now); err != nil {
					return nil, err
				}
			}
			for _, w := range rec.Maintenance {
				cv.InMaintenance = cv.InMaintenance || !w.To.Before(now) && !w.From.After(now)
			}
			ws, since := rec.Maintenance, rec.Since
			cv.Days = sla.Days(now, Days, p.Location, since, cv.Timeline, ws, p.Weights)
			cv.Uptime = sla.Compute(sla.Window{From: clock.Later(win.From, since), To: now}, cv.Timeline, ws, p.Weights, p.Target).Uptime
			// Time before monitoring began is not counted as up: the month so far, from then.
			cv.Month = sla.Compute(sla.Window{From: clock.Later(month.From, since), To: now}, cv.Timeline, ws, p.Weights, p.Target)
			gv.Level = max(gv.Level, cv.Level)
			gv.Components = append(gv.Components, cv)
		}
		v.Overall = max(v.Overall, gv.Level)
		v.Groups = append(v.Groups, gv)
	}
	v.Maintenance = maintenanceViews(p, maint, now)
	return v, nil
}

// maintenanceViews lists what a page announces: maintenance in progress, then what is
// scheduled in the next 60 days, soonest first.
func maintenanceViews(p *Page, ms []Maintenance, now time.Time) []MaintenanceView {
	var out []MaintenanceView
	for _, m := range ms {
		w, state := m.Current(now, p.Location)
		if state != MaintenanceInProgress && (state != MaintenanceScheduled || w.From.Sub(now) > 60*24*time.Hour) {
			continue
		}
		out = append(out, MaintenanceView{Maintenance: m, Window: w, State: state, ComponentNames: p.ComponentNames(m.Components)})
	}
	slices.SortStableFunc(out, func(a, b MaintenanceView) int {
		if a.State != b.State {
			if a.State == MaintenanceInProgress {
				return -1
			}
			return 1
		}
		return a.Window.From.Compare(b.Window.From)
	})
	return out
}

// onlyMajor keeps the major outages of a parent's timeline; its slowness is its own.
func onlyMajor(spans []sla.Span) []sla.Span {
	out := make([]sla.Span, len(spans))
	for i, sp := range spans {
		out[i] = sp
		if sp.Level != sla.MajorOutage {
			out[i].Level = sla.Operational
		}
	}
	return out
}

func maxLevel(ls []sla.Level) sla.Level {
	var out sla.Level
	for _, l := range ls {
		out = max(out, l)
	}
	return out
}

// shareLevel: every monitor down is a major outage, some a partial one.
func shareLevel(ls []sla.Level) sla.Level {
	down, worst := 0, sla.Operational
	for _, l := range ls {
		if l >= sla.PartialOutage {
			down++
		} else {
			worst = max(worst, l)
		}
	}
	switch {
	case down > 0 && down == len(ls):
		return sla.MajorOutage
	case down > 0:
		return sla.PartialOutage
	}
	return worst
}
