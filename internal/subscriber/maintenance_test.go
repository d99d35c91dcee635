package subscriber_test

import (
	"strings"
	"testing"
	"time"

	"vigie/internal/status"
	"vigie/internal/subscriber"
)

// noticesOf lists the maintenance notices in the outbox for a receiver, as "event: title".
func (f *fixture) noticesOf(receiver string) []string {
	var out []string
	for _, n := range f.outbox() {
		if n.Receiver == receiver && strings.HasPrefix(n.Message.Notice.Event, "maintenance_") {
			out = append(out, strings.TrimPrefix(n.Message.Notice.Event, "maintenance_")+": "+n.Message.Title)
		}
	}
	return out
}

func (f *fixture) round(svc *subscriber.Service) int {
	f.t.Helper()
	n, err := svc.RunOnce(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// A maintenance is told when scheduled, a day ahead, at its start and end, and when updated;
// a restart in the middle neither repeats a notice nor skips the one that came due while the
// server was down.
func TestMaintenanceNoticesOverAMovedClock(t *testing.T) {
	f := newFixture(t)
	db := f.subscribe("db@example.net", "db")
	web := f.subscribe("web@example.net", "web")
	start := f.clock.Now().Add(48 * time.Hour)
	m, err := f.page.NewMaintenance(status.MaintenanceRequest{Components: []string{"db"}, Title: "Database upgrade",
		Body: "PostgreSQL 17.", StartsAt: start, EndsAt: start.Add(90 * time.Minute), CreatedBy: "alice"}, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateMaintenance(ctx, m); err != nil {
		t.Fatal(err)
	}
	svc := f.svc
	if n := f.round(svc); n != 1 {
		t.Fatalf("first round announced %d notices, want the schedule", n)
	}
	if n := f.round(svc); n != 0 {
		t.Fatalf("second round announced %d more", n)
	}
	m1 := f.last(db.Receiver())
	for _, want := range []string{"Scheduled maintenance: Database upgrade", "When: Wed 25 Nov 2026 09:00 – 10:30 CET (Europe/Paris), 1 h 30 min",
		"Affects: Database", "PostgreSQL 17."} {
		if !strings.Contains(m1.Text, want) {
			t.Errorf("scheduled notice lacks %q:\n%s", want, m1.Text)
		}
	}

	f.clock.Advance(24 * time.Hour)
	f.round(svc)
	// The server stops before the start and comes back during the window.
	f.clock.Advance(24*time.Hour + 10*time.Minute)
	svc = f.service()
	if n := f.round(svc); n != 1 {
		t.Fatalf("after the restart %d notices, want the start only", n)
	}
	if err := f.store.AddMaintenanceUpdate(ctx, m.ID, status.MaintenanceUpdate{At: f.clock.Now(), Body: "Half way.", Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	f.round(svc)
	f.clock.Advance(80 * time.Minute)
	f.round(svc)
	f.clock.Advance(48 * time.Hour)
	if n := f.round(svc); n != 0 {
		t.Fatalf("%d notices after it was all over", n)
	}
	want := []string{
		"scheduled: [Acme status] Scheduled maintenance: Database upgrade",
		"reminder: [Acme status] Maintenance in 24 h: Database upgrade",
		"started: [Acme status] Maintenance in progress: Database upgrade",
		"updated: [Acme status] Maintenance update: Database upgrade",
		"completed: [Acme status] Maintenance completed: Database upgrade",
	}
	if got := f.noticesOf(db.Receiver()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("db's subscriber got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := f.noticesOf(web.Receiver()); len(got) != 0 {
		t.Fatalf("web's subscriber got notices of a database maintenance: %v", got)
	}
	sent, err := f.svc.SentNotices(ctx, m.ID)
	if err != nil || len(sent) != 5 || sent[0].Recipients != 1 || sent[4].Event != status.NoticeCompleted {
		t.Fatalf("recorded notices: %+v, %v", sent, err)
	}
}

// A crash after the messages are in the outbox but before the notice is recorded: the next
// round announces it again, and the outbox keeps one message per subscriber.
func TestNoticeAnnouncedTwiceIsSentOnce(t *testing.T) {
	f := newFixture(t)
	sub := f.subscribe("gina@example.net")
	m := &status.Maintenance{Page: "acme", Components: []string{"web"}, Title: "Network", StartsAt: f.clock.Now().Add(time.Hour),
		EndsAt: f.clock.Now().Add(2 * time.Hour), CreatedBy: "alice", CreatedAt: f.clock.Now()}
	if err := f.store.CreateMaintenance(ctx, m); err != nil {
		t.Fatal(err)
	}
	due := m.DueNotices(f.clock.Now(), f.page.Location, f.page.NoticeBefore)
	if len(due) != 1 {
		t.Fatalf("due: %+v", due)
	}
	// What RunOnce does before it records, as if it died there:
	if _, err := f.svc.Announce(ctx, f.page, m.Components, subscriber.Notice{Key: due[0].Key, Event: due[0].Event, Title: "x"}); err != nil {
		t.Fatal(err)
	}
	if n := f.round(f.service()); n != 1 {
		t.Fatalf("the restarted loop announced %d", n)
	}
	if got := f.noticesOf(sub.Receiver()); len(got) != 1 {
		t.Fatalf("the subscriber has %d messages for one notice: %v", len(got), got)
	}
}

func TestCancelledRecurringMaintenance(t *testing.T) {
	f := newFixture(t)
	sub := f.subscribe("hal@example.net")
	loc := f.page.Location
	m := &status.Maintenance{Page: "acme", Components: []string{"db", "api"}, Title: "Patching", Recurrence: "FREQ=WEEKLY;BYDAY=SU",
		StartsAt: time.Date(2026, 11, 29, 2, 0, 0, 0, loc), EndsAt: time.Date(2026, 11, 29, 3, 0, 0, 0, loc), CreatedBy: "alice", CreatedAt: f.clock.Now()}
	if err := f.store.CreateMaintenance(ctx, m); err != nil {
		t.Fatal(err)
	}
	f.round(f.svc)
	f.clock.Advance(time.Hour)
	if err := f.store.CancelMaintenance(ctx, m.ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.round(f.svc)
	f.clock.Advance(14 * 24 * time.Hour)
	f.round(f.svc)
	got := f.noticesOf(sub.Receiver())
	if len(got) != 2 || !strings.HasPrefix(got[0], "scheduled: ") || !strings.HasPrefix(got[1], "cancelled: ") {
		t.Fatalf("notices: %v; want scheduled and cancelled, nothing after", got)
	}
	text := f.last(sub.Receiver()).Text
	for _, want := range []string{"Maintenance cancelled: Patching", "every later occurrence", "Affects: Database, Public API", "Repeats: every Sunday at 02:00 Europe/Paris"} {
		if !strings.Contains(text, want) {
			t.Errorf("cancel notice lacks %q:\n%s", want, text)
		}
	}
}
