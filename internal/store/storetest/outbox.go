package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"vigie/internal/notify"
)

func enqueue(t *testing.T, db DB, key string, at time.Time) *notify.Notification {
	t.Helper()
	n := &notify.Notification{Key: key, Receiver: "ops", NextAttemptAt: at, CreatedAt: at,
		Message: notify.Message{Key: key, Kind: notify.KindFiring, Title: "[DOWN] web", Alerts: []notify.Alert{{Monitor: "web", State: "down", StartedAt: at}}}}
	if err := db.Store.EnqueueNotification(ctx, n); err != nil {
		t.Fatal(err)
	}
	return n
}

func testOutbox(t *testing.T, db DB) {
	s := db.Store
	a := enqueue(t, db, "k1", t0)
	if a.ID == 0 || a.State != notify.StatePending {
		t.Fatalf("enqueued %+v", a)
	}
	// The same key again stores nothing: at most one notification per key.
	if again := enqueue(t, db, "k1", t0.Add(time.Minute)); again.ID != 0 {
		t.Fatalf("a second enqueue of k1 stored row %d", again.ID)
	}
	enqueue(t, db, "k2", t0.Add(time.Hour)) // not due yet

	got, err := s.ClaimNotifications(ctx, t0, time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].Key != "k1" || got[0].Message.Alerts[0].Monitor != "web" {
		t.Fatalf("claim = %+v, %v", got, err)
	}
	// Leased: nobody else gets it until the lease runs out.
	if again, _ := s.ClaimNotifications(ctx, t0.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
		t.Fatalf("claimed a leased notification: %+v", again)
	}
	if again, _ := s.ClaimNotifications(ctx, t0.Add(time.Minute), time.Minute, 10); len(again) != 1 {
		t.Fatalf("an expired lease was not reclaimed: %+v", again)
	}

	fail := notify.Attempt{At: t0.Add(time.Minute), Duration: 20 * time.Millisecond, Error: "503"}
	if err := s.RecordAttempt(ctx, a.ID, fail, notify.Outcome{State: notify.StatePending, NextAttemptAt: t0.Add(2 * time.Minute), LastError: "503"}); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.ClaimNotifications(ctx, t0.Add(90*time.Second), time.Minute, 10); len(again) != 0 {
		t.Fatal("claimed before its next attempt time")
	}
	ok := notify.Attempt{At: t0.Add(2 * time.Minute), Duration: 10 * time.Millisecond, OK: true}
	if err := s.RecordAttempt(ctx, a.ID, ok, notify.Outcome{State: notify.StateSent}); err != nil {
		t.Fatal(err)
	}
	n, attempts, err := s.NotificationByID(ctx, a.ID)
	if err != nil || n.State != notify.StateSent || n.Attempts != 2 || !n.SentAt.Equal(ok.At) || len(attempts) != 2 ||
		attempts[0].OK || !attempts[1].OK || attempts[0].Error != "503" || attempts[0].Duration != 20*time.Millisecond {
		t.Fatalf("after two attempts: %+v %+v %v", n, attempts, err)
	}
	if err := s.RecordAttempt(ctx, 999999, ok, notify.Outcome{State: notify.StateSent}); err == nil {
		t.Fatal("attempt on a missing notification accepted")
	}

	sent, _ := s.ListNotifications(ctx, notify.StateSent, 10)
	all, _ := s.ListNotifications(ctx, "", 10)
	if len(sent) != 1 || len(all) != 2 || all[0].Key != "k2" {
		t.Fatalf("lists: sent %d, all %+v", len(sent), all)
	}
	if err := s.ResendNotification(ctx, a.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.ClaimNotifications(ctx, t0.Add(time.Hour), time.Minute, 10); len(due) != 2 {
		t.Fatalf("after resend, %d due, want 2", len(due))
	}
	if n, err := s.DeleteNotificationsBefore(ctx, t0.Add(2*time.Hour)); err != nil || n != 0 {
		t.Fatalf("pending notifications must not be pruned: %d, %v", n, err)
	}
}

// testConcurrentClaims checks that workers claiming at once never get the same notification.
func testConcurrentClaims(t *testing.T, db DB) {
	for i := range 60 {
		enqueue(t, db, fmt.Sprintf("c%d", i), t0)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				got, err := db.Store.ClaimNotifications(ctx, t0, time.Hour, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, n := range got {
					seen[n.Key]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 60 {
		t.Fatalf("claimed %d distinct notifications, want 60", len(seen))
	}
	for k, c := range seen {
		if c != 1 {
			t.Fatalf("%s claimed %d times", k, c)
		}
	}
}
