package status

import (
	"context"
	"slices"
	"time"

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
