package incident

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/notify"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

// Store keeps incidents with their timeline, action items, alerts and post-mortem.
type Store interface {
	// CreateIncident stores a new incident with what it holds and sets every ID.
	CreateIncident(ctx context.Context, inc *Incident) error
	// SaveIncident writes the incident's fields, inserts its entries, action items and alert
	// links that have no ID yet, updates its other action items, and writes its post-mortem,
	// all at once. It fails with ErrChanged when someone saved it since it was read.
	SaveIncident(ctx context.Context, inc *Incident) error
	IncidentByID(ctx context.Context, id int64) (*Incident, error)
	// IncidentForAlert is the incident an alert belongs to, or errs.NotFound.
	IncidentForAlert(ctx context.Context, alertID int64) (*Incident, error)
	// Incidents lists incidents, newest first.
	Incidents(ctx context.Context, f Filter) ([]Incident, error)
}

// ErrChanged is returned by SaveIncident when the incident was saved by someone else since
// it was read; the service reads it again and retries.
var ErrChanged = errs.E(errs.Conflict, "the incident changed meanwhile; try again")

// Filter selects incidents.
type Filter struct {
	Page     string    // only this page's; empty for any
	State    string    // "open", "resolved", or empty for both
	Severity Severity  // empty for any
	Since    time.Time // opened at or after, or still open; zero for any time
	Limit    int       // 0 means 100
}

// SLA computes SLA figures of a page's components over a window.
type SLA interface {
	ComponentReports(ctx context.Context, p *status.Page, components []string, win sla.Window) (map[string]sla.Report, error)
}

// Enqueuer puts notifications in the durable outbox.
type Enqueuer interface {
	Enqueue(ctx context.Context, receiver string, m notify.Message) error
}

// Announcer tells a status page's subscribers about a public update. The service calls it
// after each public update is stored; its failure is logged, never undoes the update.
type Announcer interface {
	Announce(ctx context.Context, page string, components []string, a Announcement) error
}

// Announcement is one public update as subscribers are told it.
type Announcement struct {
	IncidentID int64
	Seq        int // the update's place among the incident's public updates, from 1
	Title      string
	Impact     string // none, minor, major, critical
	Status     Status
	Body       string
	At         time.Time
	URL        string // the incident on the public page
}

// Options configure a Service.
type Options struct {
	Store  Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Pages lists the configured status pages, read per call so a reload applies.
	Pages func() []*status.Page
	// SLA, when set, gives post-mortems the SLA minutes each component lost.
	SLA SLA
	// Outbox and Targets send reminders: Targets turns a name (the lead, or one of the
	// incident's remind list) into the receivers it stands for at t, on-call schedules
	// expanded, and nil when the name is no receiver.
	Outbox  Enqueuer
	Targets func(name string, t time.Time) []string
	BaseURL func() string
	// Announcer, when set, is told of every public update.
	Announcer Announcer
	// Changed is called after every change (status pages drop their cached views).
	Changed func()
	// AckAlerts, when set, acknowledges the incident's alerts when the incident is.
	AckAlerts func(ctx context.Context, ids []int64, by string) error
	// ImpactStart, when set, finds when a monitor's trouble began (its first failing check)
	// for an alert detected at `detected`; the time to detect runs from there.
	ImpactStart func(ctx context.Context, monitor string, detected time.Time) time.Time
}

// Service runs the logbook.
type Service struct {
	opts Options
	// mu makes "is there an incident for this alert, else open one" a single step.
	mu sync.Mutex
}

// NewService returns a service; Run sends reminders.
func NewService(o Options) *Service {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Pages == nil {
		o.Pages = func() []*status.Page { return nil }
	}
	if o.BaseURL == nil {
		o.BaseURL = func() string { return "" }
	}
	return &Service{opts: o}
}

// Get returns one incident.
func (s *Service) Get(ctx context.Context, id int64) (*Incident, error) {
	return s.opts.Store.IncidentByID(ctx, id)
}

// List returns incidents, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Incident, error) {
	return s.opts.Store.Incidents(ctx, f)
}

// Page returns the configured page with that slug.
func (s *Service) Page(slug string) (*status.Page, bool) {
	for _, p := range s.opts.Pages() {
		if p.Slug == slug {
			return p, true
		}
	}
	return nil, false
}

// Draft is what opening an incident takes.
type Draft struct {
	Title        string
	Severity     Severity
	Page         string
	Components   []Affected
	Lead, Comms  string
	Remind       []string
	StartedAt    time.Time // when the impact began; zero for now
	ETA          time.Time
	NextUpdateAt time.Time
	Message      string // a first public update; empty for none
	Logbook      Logbook
	By           string
}

// maxText bounds every text field, so one request cannot fill the database.
const maxText = 64 << 10

// Open declares an incident by hand. Whoever opens it has it in hand: it counts as
// acknowledged at once.
func (s *Service) Open(ctx context.Context, d Draft) (*Incident, error) {
	now := s.opts.Clock.Now()
	inc := &Incident{Title: strings.TrimSpace(d.Title), Severity: d.Severity, Status: Investigating, Page: d.Page,
		Components: d.Components, Lead: strings.TrimSpace(d.Lead), Comms: strings.TrimSpace(d.Comms), Remind: d.Remind,
		ETA: d.ETA, NextUpdateAt: d.NextUpdateAt, Logbook: d.Logbook, StartedAt: d.StartedAt, DetectedAt: now,
		CreatedBy: d.By, CreatedAt: now, UpdatedAt: now}
	if inc.StartedAt.IsZero() {
		inc.StartedAt = now
	}
	if err := s.check(inc, now); err != nil {
		return nil, err
	}
	if len(d.Message) > maxText {
		return nil, errs.E(errs.Invalid, "message: at most %d KiB", maxText>>10)
	}
	inc.record(now, EntryOpened, d.By, "Opened by "+d.By+".")
	inc.acknowledge(now, d.By)
	var update *Entry
	if msg := strings.TrimSpace(d.Message); msg != "" {
		u := *inc.record(now, EntryUpdate, d.By, msg)
		update = &u
	}
	if err := s.opts.Store.CreateIncident(ctx, inc); err != nil {
		return nil, err
	}
	s.opts.Logger.Info("incident opened", "id", inc.ID, "severity", inc.Severity, "page", inc.Page, "by", d.By)
	s.changed()
	if update != nil {
		s.announce(ctx, inc, *update)
	}
	return inc, nil
}

// check validates every field of a new incident.
func (s *Service) check(inc *Incident, now time.Time) error {
	return firstError([]error{
		checkTitle(inc.Title),
		checkSeverity(inc.Severity),
		s.checkPlacement(inc.Page, inc.Components),
		s.checkRemind(inc.Remind, now),
		checkStart(inc, now),
		checkPromise("eta", inc.ETA, now),
		checkPromise("next_update_at", inc.NextUpdateAt, now),
		checkName("lead", inc.Lead),
		checkName("comms", inc.Comms),
		checkLogbook(inc.Logbook),
	})
}

// The checks below are run on the fields a change sets, not on the others: a page removed
// from the configuration or a promise already overdue must not block editing the title.

func checkTitle(t string) error {
	switch {
	case t == "":
		return errs.E(errs.Invalid, "title: say in a few words what is wrong, e.g. \"API errors\"")
	case strings.ContainsAny(t, "\r\n"):
		return errs.E(errs.Invalid, "title: one line")
	case len(t) > 200:
		return errs.E(errs.Invalid, "title: at most 200 characters")
	}
	return nil
}

func checkSeverity(v Severity) error {
	_, err := ParseSeverity(string(v))
	return err
}

// checkPlacement checks that the page exists and has the components, each named once.
func (s *Service) checkPlacement(page string, comps []Affected) error {
	if page == "" {
		if len(comps) > 0 {
			return errs.E(errs.Invalid, "components: name the status page they are on (page)")
		}
		return nil
	}
	p, ok := s.Page(page)
	if !ok {
		return errs.E(errs.Invalid, "page: no status page %q", page)
	}
	seen := map[string]bool{}
	for _, a := range comps {
		switch {
		case !pageHas(p, a.Component):
			return errs.E(errs.Invalid, "components: page %s has no component %q (it has %s)", p.Slug, a.Component, strings.Join(componentIDs(p), ", "))
		case seen[a.Component]:
			return errs.E(errs.Invalid, "components: %q is named twice", a.Component)
		case a.Level < sla.Operational || a.Level > sla.MajorOutage:
			return errs.E(errs.Invalid, "components: %q has no valid state", a.Component)
		}
		seen[a.Component] = true
	}
	return nil
}

func (s *Service) checkRemind(names []string, now time.Time) error {
	for _, name := range names {
		if s.opts.Targets != nil && len(s.opts.Targets(name, now)) == 0 {
			return errs.E(errs.Invalid, "remind: no receiver or on-call schedule named %q", name)
		}
	}
	return nil
}

func checkStart(inc *Incident, now time.Time) error {
	switch {
	case inc.StartedAt.After(now):
		return errs.E(errs.Invalid, "started_at: the impact cannot start in the future")
	case !inc.DetectedAt.IsZero() && inc.StartedAt.After(inc.DetectedAt):
		return errs.E(errs.Invalid, "started_at: the impact began before it was detected (%s), not after", inc.DetectedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkPromise wants a promised time (an ETA, the next update) to be in the future.
func checkPromise(field string, t, now time.Time) error {
	if !t.IsZero() && !t.After(now) {
		return errs.E(errs.Invalid, "%s: give a time in the future", field)
	}
	return nil
}

func checkName(field, v string) error {
	if len(v) > 100 || strings.ContainsAny(v, "\r\n") {
		return errs.E(errs.Invalid, "%s: one name, at most 100 characters", field)
	}
	return nil
}

func checkLogbook(l Logbook) error {
	for _, f := range []struct{ name, text string }{{"what_is_going_on", l.WhatIsGoingOn}, {"how_it_was_understood", l.HowUnderstood},
		{"what_was_done", l.WhatWasDone}, {"impacts", l.Impacts}, {"how_to_avoid", l.HowToAvoid}} {
		if len(f.text) > maxText {
			return errs.E(errs.Invalid, "%s: at most %d KiB", f.name, maxText>>10)
		}
	}
	return nil
}

// firstError is the first non-nil error: one clear problem at a time.
func firstError(list []error) error {
	for _, err := range list {
		if err != nil {
			return err
		}
	}
	return nil
}

func pageHas(p *status.Page, id string) bool { return slices.Contains(componentIDs(p), id) }

func componentIDs(p *status.Page) []string {
	var ids []string
	for _, g := range p.Groups {
		for _, c := range g.Components {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// componentNames maps the page's component ids to their names.
func componentNames(p *status.Page) map[string]string {
	out := map[string]string{}
	if p == nil {
		return out
	}
	for _, g := range p.Groups {
		for _, c := range g.Components {
			out[c.ID] = c.Name
		}
	}
	return out
}

// errUnchanged tells modify that nothing needs saving.
var errUnchanged = errors.New("unchanged")

// modify reads the incident, applies fn and saves, reading again and retrying when
// someone saved it meanwhile.
func (s *Service) modify(ctx context.Context, id int64, fn func(inc *Incident, now time.Time) error) (*Incident, error) {
	for attempt := 0; ; attempt++ {
		inc, err := s.opts.Store.IncidentByID(ctx, id)
		if err != nil {
			return nil, err
		}
		now := s.opts.Clock.Now()
		if err := fn(inc, now); errors.Is(err, errUnchanged) {
			return inc, nil
		} else if err != nil {
			return nil, err
		}
		inc.UpdatedAt = now
		err = s.opts.Store.SaveIncident(ctx, inc)
		if errors.Is(err, ErrChanged) && attempt < 20 { // each retry means another save landed: progress
			continue
		}
		if err != nil {
			return nil, err
		}
		s.changed()
		return inc, nil
	}
}

func (s *Service) changed() {
	if s.opts.Changed != nil {
		s.opts.Changed()
	}
}

// Changes edit an incident; nil fields stay as they are.
type Changes struct {
	Title        *string
	Severity     *Severity
	Page         *string
	Components   *[]Affected
	Lead, Comms  *string
	Remind       *[]string
	StartedAt    *time.Time
	ETA          *time.Time // the zero time clears it
	NextUpdateAt *time.Time // the zero time clears it
	Status       *Status    // a change of status without a public word
	Logbook      LogbookChanges
	By           string
}

// LogbookChanges edit the five questions; nil fields stay as they are.
type LogbookChanges struct {
	WhatIsGoingOn, HowUnderstood, WhatWasDone, Impacts, HowToAvoid *string
}

// Edit changes an incident's fields. What changed is written on the timeline, so the log
// says who changed the severity or the components, and when.
func (s *Service) Edit(ctx context.Context, id int64, c Changes) (*Incident, error) {
	return s.modify(ctx, id, func(inc *Incident, now time.Time) error {
		var said []string
		set := func(field string, dst *string, v *string) {
			if v != nil && strings.TrimSpace(*v) != *dst {
				*dst = strings.TrimSpace(*v)
				said = append(said, field)
			}
		}
		set("title", &inc.Title, c.Title)
		set("lead", &inc.Lead, c.Lead)
		set("communications", &inc.Comms, c.Comms)
		set("page", &inc.Page, c.Page)
		lb, cl := &inc.Logbook, c.Logbook
		set("what is going on", &lb.WhatIsGoingOn, cl.WhatIsGoingOn)
		set("how it was understood", &lb.HowUnderstood, cl.HowUnderstood)
		set("what was done", &lb.WhatWasDone, cl.WhatWasDone)
		set("impacts", &lb.Impacts, cl.Impacts)
		set("how to avoid it", &lb.HowToAvoid, cl.HowToAvoid)
		if c.Severity != nil && *c.Severity != inc.Severity {
			said = append(said, fmt.Sprintf("severity %s → %s", inc.Severity, *c.Severity))
			inc.Severity = *c.Severity
		}
		if c.Components != nil && !slices.Equal(*c.Components, inc.Components) {
			inc.Components = slices.Clone(*c.Components)
			said = append(said, "components")
		}
		if c.Remind != nil && !slices.Equal(*c.Remind, inc.Remind) {
			inc.Remind = slices.Clone(*c.Remind)
			said = append(said, "who is reminded")
		}
		setTime := func(field string, dst *time.Time, v *time.Time) {
			if v != nil && !v.Equal(*dst) {
				*dst = *v
				said = append(said, field)
			}
		}
		setTime("start of impact", &inc.StartedAt, c.StartedAt)
		setTime("ETA", &inc.ETA, c.ETA)
		setTime("next update", &inc.NextUpdateAt, c.NextUpdateAt)
		if c.Status != nil && *c.Status != inc.Status {
			was := inc.Status
			if err := inc.moveTo(*c.Status, now); err != nil {
				return err
			}
			said = append(said, fmt.Sprintf("status %s → %s", was, inc.Status))
		}
		if len(said) == 0 {
			return errUnchanged
		}
		var checks []error
		if c.Title != nil {
			checks = append(checks, checkTitle(inc.Title))
		}
		if c.Severity != nil {
			checks = append(checks, checkSeverity(inc.Severity))
		}
		if c.Page != nil || c.Components != nil {
			checks = append(checks, s.checkPlacement(inc.Page, inc.Components))
		}
		if c.Remind != nil {
			checks = append(checks, s.checkRemind(inc.Remind, now))
		}
		if c.StartedAt != nil {
			checks = append(checks, checkStart(inc, now))
		}
		if c.ETA != nil {
			checks = append(checks, checkPromise("eta", inc.ETA, now))
		}
		if c.NextUpdateAt != nil {
			checks = append(checks, checkPromise("next_update_at", inc.NextUpdateAt, now))
		}
		checks = append(checks, checkName("lead", inc.Lead), checkName("comms", inc.Comms), checkLogbook(inc.Logbook))
		if err := firstError(checks); err != nil {
			return err
		}
		kind := EntryChange
		switch {
		case c.Status != nil && inc.Status == Resolved:
			kind = EntryResolved
		case c.Status != nil:
			kind = EntryStatus
		}
		inc.record(now, kind, c.By, "Changed "+strings.Join(said, ", ")+".")
		return nil
	})
}

// Update is a public update.
type Update struct {
	Body   string
	Status Status // empty keeps the status
	// Components, when set, replaces the affected components and their states.
	Components *[]Affected
	ETA        *time.Time // nil keeps it; the zero time clears it
	// NextUpdateAt is the next promise; nil (or zero) promises nothing more.
	NextUpdateAt *time.Time
	By           string
}

// PostUpdate posts a public update: it shows on the status page, goes to subscribers, and
// keeps the promise of an update.
func (s *Service) PostUpdate(ctx context.Context, id int64, u Update) (*Incident, error) {
	body := strings.TrimSpace(u.Body)
	switch {
	case body == "":
		return nil, errs.E(errs.Invalid, "body: write the update customers will read")
	case len(body) > maxText:
		return nil, errs.E(errs.Invalid, "body: at most %d KiB", maxText>>10)
	}
	var entry Entry
	inc, err := s.modify(ctx, id, func(inc *Incident, now time.Time) error {
		if !inc.Open() {
			return errs.E(errs.Conflict, "incident %d is resolved; a new problem is a new incident", inc.ID)
		}
		if u.Status != "" {
			if err := inc.moveTo(u.Status, now); err != nil {
				return err
			}
		}
		if u.Components != nil {
			inc.Components = slices.Clone(*u.Components)
		}
		if u.ETA != nil {
			inc.ETA = *u.ETA
		}
		inc.NextUpdateAt = time.Time{}
		if u.NextUpdateAt != nil && inc.Open() {
			inc.NextUpdateAt = *u.NextUpdateAt
		}
		checks := []error{checkPromise("next_update_at", inc.NextUpdateAt, now)}
		if u.Components != nil {
			checks = append(checks, s.checkPlacement(inc.Page, inc.Components))
		}
		if u.ETA != nil {
			checks = append(checks, checkPromise("eta", inc.ETA, now))
		}
		if err := firstError(checks); err != nil {
			return err
		}
		entry = *inc.record(now, EntryUpdate, u.By, body)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.announce(ctx, inc, entry)
	return inc, nil
}

// AddNote adds an internal note: on the timeline, never on a public page.
func (s *Service) AddNote(ctx context.Context, id int64, body, by string) (*Incident, error) {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return nil, errs.E(errs.Invalid, "body: write the note")
	case len(body) > maxText:
		return nil, errs.E(errs.Invalid, "body: at most %d KiB", maxText>>10)
	}
	return s.modify(ctx, id, func(inc *Incident, now time.Time) error {
		inc.record(now, EntryNote, by, body)
		return nil
	})
}

// Acknowledge records that someone took the incident, and acknowledges its alerts.
func (s *Service) Acknowledge(ctx context.Context, id int64, by string) (*Incident, error) {
	inc, err := s.modify(ctx, id, func(inc *Incident, now time.Time) error {
		if !inc.acknowledge(now, by) {
			return errUnchanged
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Outside modify: acknowledging alerts calls back into AlertChanged.
	if s.opts.AckAlerts != nil && len(inc.Alerts) > 0 {
		ids := make([]int64, len(inc.Alerts))
		for i, l := range inc.Alerts {
			ids[i] = l.AlertID
		}
		if err := s.opts.AckAlerts(ctx, ids, by); err != nil {
			s.opts.Logger.Warn("acknowledging the incident's alerts failed", "incident", id, "err", err)
		}
		return s.Get(ctx, id)
	}
	return inc, nil
}

// Resolve closes the incident, with a last public update when body is not empty.
func (s *Service) Resolve(ctx context.Context, id int64, body, by string) (*Incident, error) {
	body = strings.TrimSpace(body)
	if len(body) > maxText {
		return nil, errs.E(errs.Invalid, "body: at most %d KiB", maxText>>10)
	}
	var entry *Entry
	inc, err := s.modify(ctx, id, func(inc *Incident, now time.Time) error {
		if !inc.Open() {
			return errs.E(errs.Conflict, "incident %d is already resolved", inc.ID)
		}
		if err := inc.moveTo(Resolved, now); err != nil {
			return err
		}
		inc.record(now, EntryResolved, by, "Resolved by "+by+".")
		if body != "" {
			e := *inc.record(now, EntryUpdate, by, body)
			entry = &e
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.opts.Logger.Info("incident resolved", "id", id, "by", by)
	if entry != nil {
		s.announce(ctx, inc, *entry)
	}
	return inc, nil
}

// ActionInput is a new action item, or changes to one (empty fields stay as they are).
type ActionInput struct {
	Title *string
	Owner *string
	Due   *time.Time // a day; the zero time clears it
	Done  *bool
	By    string
}

// AddAction adds an action item.
func (s *Service) AddAction(ctx context.Context, id int64, in ActionInput) (*Incident, error) {
	if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
		return nil, errs.E(errs.Invalid, "title: say what is to be done")
	}
	return s.modify(ctx, id, func(inc *Incident, now time.Time) error {
		a := ActionItem{CreatedAt: now}
		if err := applyAction(&a, in, now); err != nil {
			return err
		}
		inc.Actions = append(inc.Actions, a)
		inc.record(now, EntryAction, in.By, "Action item added: "+a.Title+".")
		return nil
	})
}

// EditAction changes an action item (its title, owner, due day, or whether it is done).
func (s *Service) EditAction(ctx context.Context, id, actionID int64, in ActionInput) (*Incident, error) {
	return s.modify(ctx, id, func(inc *Incident, now time.Time) error {
		i := slices.IndexFunc(inc.Actions, func(a ActionItem) bool { return a.ID == actionID })
		if i < 0 {
			return errs.E(errs.NotFound, "incident %d has no action item %d", inc.ID, actionID)
		}
		a := &inc.Actions[i]
		wasDone := a.Done()
		if err := applyAction(a, in, now); err != nil {
			return err
		}
		if a.Done() && !wasDone {
			inc.record(now, EntryAction, in.By, "Action item done: "+a.Title+".")
		}
		return nil
	})
}

func applyAction(a *ActionItem, in ActionInput, now time.Time) error {
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		if t == "" || len(t) > 500 || strings.ContainsAny(t, "\r\n") {
			return errs.E(errs.Invalid, "title: one line, at most 500 characters")
		}
		a.Title = t
	}
	if in.Owner != nil {
		o := strings.TrimSpace(*in.Owner)
		if len(o) > 100 || strings.ContainsAny(o, "\r\n") {
			return errs.E(errs.Invalid, "owner: one name, at most 100 characters")
		}
		a.Owner = o
	}
	if in.Due != nil {
		a.Due = time.Time{}
		if !in.Due.IsZero() {
			y, m, d := in.Due.Date()
			a.Due = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
	}
	if in.Done != nil {
		switch {
		case *in.Done && !a.Done():
			a.DoneAt = now
		case !*in.Done:
			a.DoneAt = time.Time{}
		}
	}
	return nil
}

// announce tells the Announcer about a public update; failures are logged.
func (s *Service) announce(ctx context.Context, inc *Incident, e Entry) {
	if s.opts.Announcer == nil || inc.Page == "" {
		return
	}
	a := Announcement{IncidentID: inc.ID, Seq: len(inc.Updates()), Title: inc.Title, Impact: inc.Severity.Impact(), Status: e.Status, Body: e.Body,
		At: e.At, URL: s.PublicURL(inc)}
	if err := s.opts.Announcer.Announce(ctx, inc.Page, inc.ComponentIDs(), a); err != nil {
		s.opts.Logger.Warn("announcing an incident update failed", "incident", inc.ID, "err", err)
	}
}

// PublicURL is the incident's address on its status page, or "" when it has none.
func (s *Service) PublicURL(inc *Incident) string {
	if inc.Page == "" {
		return ""
	}
	return strings.TrimRight(s.opts.BaseURL(), "/") + fmt.Sprintf("/status/%s/incidents/%d", inc.Page, inc.ID)
}

// StatedLevels gives, for a page, the worst state its open incidents state for each
// component.
func (s *Service) StatedLevels(ctx context.Context, page string) (map[string]sla.Level, error) {
	open, err := s.opts.Store.Incidents(ctx, Filter{Page: page, State: "open", Limit: 500})
	if err != nil {
		return nil, err
	}
	out := map[string]sla.Level{}
	for _, inc := range open {
		for _, a := range inc.Components {
			out[a.Component] = max(out[a.Component], a.Level)
		}
	}
	return out, nil
}

// HistoryMonths is how many calendar months of incidents a page lists, this one included.
const HistoryMonths = 6

// Public lists what a page shows of its incidents: those open, and those opened or
// resolved in the last months, newest first.
func (s *Service) Public(ctx context.Context, page string) ([]PublicIncident, error) {
	since := s.opts.Clock.Now().AddDate(0, -HistoryMonths, 0)
	incs, err := s.opts.Store.Incidents(ctx, Filter{Page: page, Since: since, Limit: 200})
	if err != nil {
		return nil, err
	}
	out := make([]PublicIncident, 0, len(incs))
	for i := range incs {
		out = append(out, incs[i].Public())
	}
	return out, nil
}

// PublicByID is one incident of a page as the page shows it; another page's incident, or
// one on no page, is not found.
func (s *Service) PublicByID(ctx context.Context, page string, id int64) (*PublicIncident, error) {
	inc, err := s.opts.Store.IncidentByID(ctx, id)
	if err != nil || inc.Page != page || page == "" {
		return nil, errs.E(errs.NotFound, "no incident %d on this page", id)
	}
	p := inc.Public()
	return &p, nil
}
