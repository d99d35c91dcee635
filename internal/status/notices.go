package status

import (
	"slices"
	"strconv"
	"sync"
	"time"

	"vigie/internal/status/sla"
)

// What subscribers are told about a maintenance.
const (
	NoticeScheduled = "maintenance_scheduled" // announced (for the occurrence next at the time)
	NoticeReminder  = "maintenance_reminder"  // the page's NoticeBefore ahead of an occurrence
	NoticeStarted   = "maintenance_started"
	NoticeCompleted = "maintenance_completed"
	NoticeUpdated   = "maintenance_updated" // an update was posted
	NoticeCancelled = "maintenance_cancelled"
)

// NoticeHorizon is how late a notice may still go out. A notice more overdue than this (the
// server was down) is dropped: a day-old "maintenance completed" is noise, not news.
const NoticeHorizon = 24 * time.Hour

// MaintenanceNotice is one message the subscribers of a maintenance's components get.
type MaintenanceNotice struct {
	// Key names the notice for good, so that it is sent once however often it is found due:
	// "maintenance/12/20261129T010000Z/started".
	Key    string
	Event  string // one of the Notice* constants
	Due    time.Time
	Window sla.Window         // the occurrence it is about (for an update, the current or next one)
	Update *MaintenanceUpdate // for NoticeUpdated
}

// DueNotices lists the notices due at now, oldest first. Each occurrence moves through
// scheduled (the first one only), reminder, started and completed; only the latest step due
// is listed, so an occurrence whose start was missed (the server was down) is announced
// "started" and never "starts soon" after the fact. Updates and the cancellation are listed
// when due. Nothing due more than NoticeHorizon ago is listed. loc reads the recurrence;
// before is the page's NoticeBefore.
func (m *Maintenance) DueNotices(now time.Time, loc *time.Location, before time.Duration) []MaintenanceNotice {
	length := m.EndsAt.Sub(m.StartsAt)
	if length <= 0 || now.Before(m.CreatedAt) {
		return nil
	}
	id := "maintenance/" + strconv.FormatInt(m.ID, 10)
	oldest := now.Add(-NoticeHorizon)
	due := func(t time.Time) bool { return !t.Before(m.CreatedAt) && !t.After(now) && !t.Before(oldest) }
	// The plan is the maintenance as announced; a cancellation drops its steps from then on.
	plan := *m
	plan.CancelledAt = time.Time{}
	cancelled := !m.CancelledAt.IsZero()
	planned := func(t time.Time) bool { return due(t) && (!cancelled || t.Before(m.CancelledAt)) }
	// The occurrence next (or under way) when it was announced; asked for only when needed.
	first := sync.OnceValue(func() sla.Window { return plan.upcoming(m.CreatedAt, loc) })

	windows := plan.Windows(oldest, now.Add(before+time.Nanosecond), loc)
	// The first occurrence may lie further ahead: its announcement is due all the same.
	if due(m.CreatedAt) {
		if f := first(); f.From.After(now.Add(before)) {
			windows = append(windows, f)
		}
	}
	var out []MaintenanceNotice
	for _, w := range windows {
		if cancelled && !now.Before(m.CancelledAt) && w.To.After(m.CancelledAt) {
			continue // the cancellation is this occurrence's news
		}
		occurrence := id + "/" + w.From.UTC().Format("20060102T150405Z")
		var latest *MaintenanceNotice
		step := func(key, event string, at time.Time) {
			if planned(at) {
				latest = &MaintenanceNotice{Key: key, Event: event, Due: at, Window: w}
			}
		}
		if due(m.CreatedAt) && first().From.Equal(w.From) {
			if m.CreatedAt.Before(w.From) {
				step(id+"/scheduled", NoticeScheduled, m.CreatedAt)
			} else {
				// Announced while under way: the news is that it has started.
				step(occurrence+"/started", NoticeStarted, m.CreatedAt)
			}
		}
		// Steps that fell before the announcement were never news.
		if before > 0 && w.From.Add(-before).After(m.CreatedAt) {
			step(occurrence+"/reminder", NoticeReminder, w.From.Add(-before))
		}
		if w.From.After(m.CreatedAt) {
			step(occurrence+"/started", NoticeStarted, w.From)
		}
		step(occurrence+"/completed", NoticeCompleted, w.To)
		if latest != nil {
			out = append(out, *latest)
		}
	}
	for i := range m.Updates {
		if u := &m.Updates[i]; due(u.At) {
			w, _ := plan.Current(u.At, loc)
			out = append(out, MaintenanceNotice{Key: id + "/update/" + strconv.FormatInt(u.At.UnixMicro(), 10), Event: NoticeUpdated,
				Due: u.At, Window: w, Update: u})
		}
	}
	// A cancellation is news only while something of the plan was still to come.
	if c := m.CancelledAt; cancelled && due(c) {
		if left := plan.upcoming(c, loc); !left.From.IsZero() {
			out = append(out, MaintenanceNotice{Key: id + "/cancelled", Event: NoticeCancelled, Due: c, Window: left})
		}
	}
	slices.SortStableFunc(out, func(a, b MaintenanceNotice) int { return a.Due.Compare(b.Due) })
	return out
}

// upcoming is the occurrence under way at t or the next one; zero when none is left.
func (m *Maintenance) upcoming(t time.Time, loc *time.Location) sla.Window {
	if w, state := m.Current(t, loc); state == MaintenanceInProgress || state == MaintenanceScheduled {
		return w
	}
	return sla.Window{}
}
