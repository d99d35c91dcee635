package status

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/schedule"
	"vigie/internal/status/sla"
)

// Maintenance is an announced window of work on some components of a page: one-off, or
// recurring by an RRULE or cron expression, each occurrence as long as the first.
type Maintenance struct {
	ID          int64
	Page        string
	Components  []string // component ids on the page
	Title, Body string
	StartsAt    time.Time // the first occurrence
	EndsAt      time.Time
	Recurrence  string // RRULE or cron; empty for a one-off window
	CancelledAt time.Time
	CreatedBy   string
	CreatedAt   time.Time
	Updates     []MaintenanceUpdate
}

// MaintenanceUpdate is a note posted on a maintenance, shown publicly.
type MaintenanceUpdate struct {
	At     time.Time
	Body   string
	Author string
}

// Maintenance states, as Statuspage names them.
const (
	MaintenanceScheduled  = "scheduled"
	MaintenanceInProgress = "in_progress"
	MaintenanceCompleted  = "completed"
	MaintenanceCancelled  = "cancelled"
)

// MaintenanceStore keeps maintenances.
type MaintenanceStore interface {
	CreateMaintenance(ctx context.Context, m *Maintenance) error
	// Maintenances lists every maintenance with its updates, oldest first.
	Maintenances(ctx context.Context) ([]Maintenance, error)
	MaintenanceByID(ctx context.Context, id int64) (*Maintenance, error)
	// CancelMaintenance ends a maintenance at `at`: what is left of it does not happen.
	CancelMaintenance(ctx context.Context, id int64, at time.Time) error
	AddMaintenanceUpdate(ctx context.Context, id int64, u MaintenanceUpdate) error
}

// MaxMaintenanceLength is the longest one window (each occurrence) may last.
const MaxMaintenanceLength = 7 * 24 * time.Hour

// MaintenanceRequest is a maintenance someone asks to announce on a page.
type MaintenanceRequest struct {
	Components       []string // ids of the page's components
	Title, Body      string
	StartsAt, EndsAt time.Time // the first occurrence
	Recurrence       string    // RRULE or cron, read in the page's zone; empty for once
	CreatedBy        string
}

// NewMaintenance checks a request against the page and returns the maintenance to store, or
// an errs.Invalid error that says what is wrong.
func (p *Page) NewMaintenance(r MaintenanceRequest, now time.Time) (*Maintenance, error) {
	m := &Maintenance{Page: p.Slug, Components: r.Components, Title: strings.TrimSpace(r.Title), Body: strings.TrimSpace(r.Body),
		StartsAt: r.StartsAt, EndsAt: r.EndsAt, Recurrence: strings.TrimSpace(r.Recurrence), CreatedBy: r.CreatedBy, CreatedAt: now}
	ids := p.ComponentIDs()
	switch {
	case len(r.Components) == 0:
		return nil, errs.E(errs.Invalid, "components: name at least one component of page %s (%s)", p.Slug, strings.Join(ids, ", "))
	case m.Title == "":
		return nil, errs.E(errs.Invalid, "title: say what the work is, e.g. \"Database upgrade\"")
	case r.StartsAt.IsZero():
		return nil, errs.E(errs.Invalid, "starts_at: give the start of the window")
	}
	for i, c := range r.Components {
		if !slices.Contains(ids, c) {
			return nil, errs.E(errs.Invalid, "components: page %s has no component %q (it has %s)", p.Slug, c, strings.Join(ids, ", "))
		}
		if slices.Contains(r.Components[:i], c) {
			return nil, errs.E(errs.Invalid, "components: %q is named twice", c)
		}
	}
	if length := m.EndsAt.Sub(m.StartsAt); length <= 0 || length > MaxMaintenanceLength {
		return nil, errs.E(errs.Invalid, "a maintenance window lasts more than nothing and at most 7 days, got %s", length)
	}
	if m.Recurrence != "" {
		if _, err := schedule.Parse(m.Recurrence, p.Location, m.StartsAt); err != nil {
			return nil, errs.E(errs.Invalid, "recurrence: %s", errs.MessageOf(err))
		}
	} else if !m.EndsAt.After(now) {
		return nil, errs.E(errs.Invalid, "the window is over already: announce what is to come or under way")
	}
	return m, nil
}

// maxOccurrences bounds how many windows of a recurring maintenance one question looks at.
const maxOccurrences = 1000

// Windows lists the maintenance's occurrences that overlap [from, to), each cut at the
// cancellation. loc is the zone its recurrence is read in.
func (m *Maintenance) Windows(from, to time.Time, loc *time.Location) []sla.Window {
	length := m.EndsAt.Sub(m.StartsAt)
	if length <= 0 {
		return nil
	}
	var starts []time.Time
	if m.Recurrence == "" {
		starts = []time.Time{m.StartsAt}
	} else if s, err := schedule.Parse(m.Recurrence, loc, m.StartsAt); err == nil {
		// Occurrences that start up to one length before `from` still overlap it.
		after := m.StartsAt.Add(-time.Nanosecond)
		if f := from.Add(-length); f.After(after) {
			after = f
		}
		starts = schedule.Between(s, after, to, maxOccurrences)
	}
	var out []sla.Window
	for _, st := range starts {
		w := sla.Window{From: st, To: st.Add(length)}
		if !m.CancelledAt.IsZero() && w.To.After(m.CancelledAt) {
			w.To = m.CancelledAt
		}
		if w.From.Before(w.To) && w.To.After(from) && w.From.Before(to) {
			out = append(out, w)
		}
	}
	return out
}

// Current returns the occurrence in progress at now, or the next one, and its state.
func (m *Maintenance) Current(now time.Time, loc *time.Location) (sla.Window, string) {
	length := m.EndsAt.Sub(m.StartsAt)
	ws := m.Windows(now, now.Add(400*24*time.Hour), loc)
	switch {
	case len(ws) > 0 && !ws[0].From.After(now):
		return ws[0], MaintenanceInProgress
	case len(ws) > 0:
		return ws[0], MaintenanceScheduled
	case !m.CancelledAt.IsZero():
		return sla.Window{From: m.StartsAt, To: m.StartsAt.Add(length)}, MaintenanceCancelled
	}
	return sla.Window{From: m.StartsAt, To: m.StartsAt.Add(length)}, MaintenanceCompleted
}

// Covers reports whether the maintenance concerns the component.
func (m *Maintenance) Covers(component string) bool {
	return slices.Contains(m.Components, component)
}

// Repeats says in words how the maintenance recurs ("every Sunday at 02:00 Europe/Paris"),
// or gives its expression when that is not easy; empty for a one-off window. An RRULE
// without a time of day repeats at the first window's, so that time is told too.
func (m *Maintenance) Repeats(loc *time.Location) string {
	if m.Recurrence == "" {
		return ""
	}
	text := schedule.Describe(m.Recurrence, loc)
	upper := strings.ToUpper(m.Recurrence)
	if text == m.Recurrence && strings.Contains(upper, "FREQ=") && !strings.Contains(upper, "BYHOUR") && !strings.Contains(upper, "BYMINUTE") {
		start := m.StartsAt.In(loc)
		withTime := fmt.Sprintf("%s;BYHOUR=%d;BYMINUTE=%d", strings.TrimSuffix(m.Recurrence, ";"), start.Hour(), start.Minute())
		if described := schedule.Describe(withTime, loc); described != withTime {
			return described
		}
	}
	return text
}
