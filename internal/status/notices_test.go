package status_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"vigie/internal/status"
)

// events lists what DueNotices says at now, as "event@offset-from-t0".
func events(m *status.Maintenance, now time.Time, loc *time.Location, before time.Duration, t0 time.Time) string {
	var parts []string
	for _, n := range m.DueNotices(now, loc, before) {
		parts = append(parts, fmt.Sprintf("%s@%s", strings.TrimPrefix(n.Event, "maintenance_"), n.Due.Sub(t0)))
	}
	return strings.Join(parts, " ")
}

func TestDueNotices(t *testing.T) {
	loc := paris(t)
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, loc) // a Monday
	h := time.Hour
	oneOff := func(start, length time.Duration) *status.Maintenance {
		return &status.Maintenance{ID: 7, Page: "acme", Components: []string{"db"}, Title: "Upgrade",
			StartsAt: t0.Add(start), EndsAt: t0.Add(start + length), CreatedAt: t0}
	}
	cancelled := func(m *status.Maintenance, at time.Duration) *status.Maintenance {
		m.CancelledAt = t0.Add(at)
		return m
	}
	updated := func(m *status.Maintenance, at time.Duration) *status.Maintenance {
		m.Updates = append(m.Updates, status.MaintenanceUpdate{At: t0.Add(at), Body: "Moved the backup first.", Author: "alice"})
		return m
	}
	for _, tc := range []struct {
		name   string
		m      *status.Maintenance
		before time.Duration
		at     time.Duration // now, from t0
		want   string
	}{
		{"announced", oneOff(48*h, 2*h), 24 * h, 0, "scheduled@0s"},
		{"announced, still the latest step", oneOff(48*h, 2*h), 24 * h, 23 * h, "scheduled@0s"},
		{"reminder a day ahead", oneOff(48*h, 2*h), 24 * h, 24 * h, "reminder@24h0m0s"},
		{"started", oneOff(48*h, 2*h), 24 * h, 48 * h, "started@48h0m0s"},
		{"completed", oneOff(48*h, 2*h), 24 * h, 50 * h, "completed@50h0m0s"},
		{"completed a day ago is old news", oneOff(48*h, 2*h), 24 * h, 74*h + time.Minute, ""},
		{"no reminder when turned off", oneOff(48*h, 2*h), 0, 20 * h, "scheduled@0s"},
		{"announced a day ago is old news", oneOff(48*h, 2*h), 0, 24*h + time.Second, ""},
		{"announced inside the reminder window: no reminder", oneOff(2*h, h), 24 * h, h, "scheduled@0s"},
		{"announced under way: started", oneOff(-time.Minute, 2*h), 24 * h, 0, "started@0s"},
		{"down through the reminder: the start, never a late reminder", oneOff(48*h, 2*h), 24 * h, 49 * h, "started@48h0m0s"},
		{"down through it all: the end only", oneOff(48*h, 2*h), 24 * h, 51 * h, "completed@50h0m0s"},
		{"cancelled before it started", cancelled(oneOff(48*h, 2*h), 30*h), 24 * h, 49 * h, "cancelled@30h0m0s"},
		{"cancelled a day ago is old news", cancelled(oneOff(48*h, 2*h), 30*h), 24 * h, 55 * h, ""},
		{"cancelled under way: no completion", cancelled(oneOff(48*h, 2*h), 49*h), 24 * h, 49 * h, "cancelled@49h0m0s"},
		{"cancelled after it was over: nothing to tell", cancelled(oneOff(2*h, h), 10*h), 24 * h, 10 * h, "completed@3h0m0s"},
		{"an update", updated(oneOff(48*h, 2*h), 26*h), 24 * h, 26 * h, "reminder@24h0m0s updated@26h0m0s"},
		{"an update after a cancellation still goes", updated(cancelled(oneOff(48*h, 2*h), 30*h), 31*h), 24 * h, 31 * h, "cancelled@30h0m0s updated@31h0m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := events(tc.m, t0.Add(tc.at), loc, tc.before, t0); got != tc.want {
				t.Errorf("at t0+%s: %q, want %q", tc.at, got, tc.want)
			}
		})
	}
}

// A weekly window is announced once, then reminded, started and completed each week; keys
// stay the same whenever they are asked for, and each occurrence has its own.
func TestDueNoticesOfARecurringWindow(t *testing.T) {
	loc := paris(t)
	created := time.Date(2026, 10, 19, 10, 0, 0, 0, loc) // Monday; DST ends on Sunday 25 October at 03:00
	m := &status.Maintenance{ID: 3, Page: "acme", Components: []string{"db"}, Title: "Patching",
		StartsAt: time.Date(2026, 10, 25, 4, 30, 0, 0, loc), EndsAt: time.Date(2026, 10, 25, 5, 30, 0, 0, loc),
		Recurrence: "FREQ=WEEKLY;BYDAY=SU", CreatedAt: created}
	seen := map[string]string{} // key -> event
	var order []string
	for now := created; now.Before(time.Date(2026, 11, 9, 0, 0, 0, 0, loc)); now = now.Add(10 * time.Minute) {
		for _, n := range m.DueNotices(now, loc, 24*time.Hour) {
			if e, ok := seen[n.Key]; ok && e != n.Event {
				t.Fatalf("key %s named %s, then %s", n.Key, e, n.Event)
			}
			if _, ok := seen[n.Key]; !ok {
				seen[n.Key] = n.Event
				order = append(order, strings.TrimPrefix(n.Event, "maintenance_")+" "+n.Window.From.In(loc).Format("Jan 2 15:04 MST"))
			}
		}
	}
	want := []string{
		"scheduled Oct 25 04:30 CET",
		"reminder Oct 25 04:30 CET", "started Oct 25 04:30 CET", "completed Oct 25 04:30 CET",
		"reminder Nov 1 04:30 CET", "started Nov 1 04:30 CET", "completed Nov 1 04:30 CET",
		"reminder Nov 8 04:30 CET", "started Nov 8 04:30 CET", "completed Nov 8 04:30 CET",
	}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Fatalf("notices over three weeks, polled every 10 minutes:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
}
