package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"vigie/internal/clock"
	"vigie/internal/notify"
	"vigie/internal/store/storetest"
)

// jsonReceiver posts messages to a real HTTP server with the shared helper, as providers do.
type jsonReceiver struct{ url string }

func (r jsonReceiver) Notify(ctx context.Context, m notify.Message) error {
	return notify.PostJSON(ctx, http.DefaultClient, r.url, nil, m)
}

// server is a receiver that can be switched between answers.
type server struct {
	mu       sync.Mutex
	status   int
	header   http.Header
	received map[string]int // message key -> deliveries
	ts       *httptest.Server
}

func newServer(t *testing.T) *server {
	s := &server{status: 200, received: map[string]int{}}
	s.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for k, v := range s.header {
			w.Header()[k] = v
		}
		if s.status != 200 {
			w.WriteHeader(s.status)
			return
		}
		var m notify.Message
		json.NewDecoder(r.Body).Decode(&m)
		s.received[m.Key]++
	}))
	t.Cleanup(s.ts.Close)
	return s
}

func (s *server) answer(status int, header http.Header) {
	s.mu.Lock()
	s.status, s.header = status, header
	s.mu.Unlock()
}

func newDispatcher(store notify.Store, clk clock.Clock, receivers map[string]notify.Notifier) *notify.Dispatcher {
	return notify.NewDispatcher(notify.Options{Store: store, Clock: clk, Receivers: func() map[string]notify.Notifier { return receivers }})
}

func msg(key string) notify.Message {
	return notify.Message{Key: key, Kind: notify.KindFiring, Title: "[DOWN] " + key}
}

// A receiver down for ten minutes while alerts fire, and vigie restarted meanwhile: every
// notification arrives once the receiver is back.
func TestReceiverOutageAcrossRestart(t *testing.T) {
	ctx := context.Background()
	store := storetest.OpenSQLite(t).Store
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	srv := newServer(t)
	receivers := map[string]notify.Notifier{"ops": jsonReceiver{srv.ts.URL}}
	d := newDispatcher(store, clk, receivers)

	srv.answer(http.StatusServiceUnavailable, nil)
	var keys []string
	for i := range 10 {
		key := fmt.Sprintf("alert-%d", i)
		keys = append(keys, key)
		if err := d.Enqueue(ctx, "ops", msg(key)); err != nil {
			t.Fatal(err)
		}
		d.RunOnce(ctx)
		clk.Advance(30 * time.Second)
	}
	// Halfway through the outage vigie restarts: a new dispatcher on the same store.
	d = newDispatcher(store, clk, receivers)
	for clk.Advance(30 * time.Second); clk.Now().Before(time.Date(2026, 11, 23, 12, 10, 0, 0, time.UTC)); clk.Advance(30 * time.Second) {
		d.RunOnce(ctx)
	}
	pending, _ := store.ListNotifications(ctx, notify.StatePending, 100)
	if len(pending) != 10 {
		t.Fatalf("%d pending during the outage, want 10", len(pending))
	}
	srv.answer(http.StatusOK, nil)
	for range 12 { // MaxBackoff is 5 minutes: all must be through within it
		clk.Advance(30 * time.Second)
		d.RunOnce(ctx)
	}
	for _, k := range keys {
		if srv.received[k] < 1 {
			t.Errorf("%s never arrived", k)
		}
	}
	sent, _ := store.ListNotifications(ctx, notify.StateSent, 100)
	if len(sent) != 10 {
		t.Fatalf("%d sent, want 10", len(sent))
	}
	_, attempts, _ := store.NotificationByID(ctx, sent[len(sent)-1].ID)
	if len(attempts) < 3 || attempts[0].OK || !attempts[len(attempts)-1].OK {
		t.Fatalf("the first notification's attempts: %+v", attempts)
	}
}

func TestRefusedNotificationsFailAfterABound(t *testing.T) {
	ctx := context.Background()
	store := storetest.OpenSQLite(t).Store
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	srv := newServer(t)
	srv.answer(http.StatusBadRequest, nil)
	d := newDispatcher(store, clk, map[string]notify.Notifier{"ops": jsonReceiver{srv.ts.URL}})
	d.Enqueue(ctx, "ops", msg("bad"))
	d.Enqueue(ctx, "gone", msg("to-a-removed-receiver"))
	for range 20 {
		d.RunOnce(ctx)
		clk.Advance(time.Minute)
	}
	failed, _ := store.ListNotifications(ctx, notify.StateFailed, 10)
	if len(failed) != 2 {
		t.Fatalf("%d failed, want 2", len(failed))
	}
	for _, n := range failed {
		if n.Attempts != notify.MaxRefusals {
			t.Errorf("%s failed after %d attempts, want %d", n.Key, n.Attempts, notify.MaxRefusals)
		}
	}
	// Re-sending by hand makes it pending again, and it goes once the receiver accepts.
	srv.answer(http.StatusOK, nil)
	var ops notify.Notification
	for _, n := range failed {
		if n.Receiver == "ops" {
			ops = n
		}
	}
	if err := store.ResendNotification(ctx, ops.ID, clk.Now()); err != nil {
		t.Fatal(err)
	}
	d.RunOnce(ctx)
	if n, _, _ := store.NotificationByID(ctx, ops.ID); n.State != notify.StateSent {
		t.Fatalf("after resend: %s", n.State)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	ctx := context.Background()
	store := storetest.OpenSQLite(t).Store
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	srv := newServer(t)
	srv.answer(http.StatusTooManyRequests, http.Header{"Retry-After": {"120"}})
	d := newDispatcher(store, clk, map[string]notify.Notifier{"ops": jsonReceiver{srv.ts.URL}})
	d.Enqueue(ctx, "ops", msg("slow-down"))
	d.RunOnce(ctx)
	all, _ := store.ListNotifications(ctx, "", 1)
	if want := clk.Now().Add(120 * time.Second); !all[0].NextAttemptAt.Equal(want) {
		t.Fatalf("next attempt at %s, want %s (Retry-After: 120)", all[0].NextAttemptAt, want)
	}
	if n, _ := d.RunOnce(ctx); n != 0 {
		t.Fatal("tried again before Retry-After")
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 5 * time.Minute, 5 * time.Minute}
	for i, w := range want {
		if got := notify.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %s, want %s", i+1, got, w)
		}
	}
	if notify.Key("a", "bc") == notify.Key("ab", "c") {
		t.Error("Key does not separate its parts")
	}
}

// Receivers made at run time (a status page's subscribers) are resolved by Lookup at each
// attempt and get the same retries and resend as configured ones; one that is gone fails at
// once.
func TestLookupResolvesRuntimeReceivers(t *testing.T) {
	ctx := context.Background()
	store := storetest.OpenSQLite(t).Store
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	srv := newServer(t)
	var mu sync.Mutex
	subscribers := map[string]bool{"subscriber:1": true, "subscriber:2": true}
	lookups := 0
	d := notify.NewDispatcher(notify.Options{Store: store, Clock: clk,
		Receivers: func() map[string]notify.Notifier { return map[string]notify.Notifier{"ops": jsonReceiver{srv.ts.URL}} },
		Lookup: func(_ context.Context, name string) (notify.Notifier, error) {
			mu.Lock()
			defer mu.Unlock()
			lookups++
			if !subscribers[name] {
				return nil, fmt.Errorf("%s unsubscribed: %w", name, notify.ErrGone)
			}
			return jsonReceiver{srv.ts.URL}, nil
		}})
	for _, r := range []string{"subscriber:1", "subscriber:2", "ops"} {
		if err := d.Enqueue(ctx, r, msg("notice-"+r)); err != nil {
			t.Fatal(err)
		}
	}
	// The receiver is down: both subscribers' messages wait and back off.
	srv.answer(http.StatusBadGateway, nil)
	d.RunOnce(ctx)
	pending, _ := store.ListNotifications(ctx, notify.StatePending, 10)
	if len(pending) != 3 || lookups != 2 {
		t.Fatalf("after a failed round: %d pending, %d lookups; want 3 pending and a lookup per subscriber message only", len(pending), lookups)
	}
	for _, n := range pending {
		if n.Attempts != 1 || !n.NextAttemptAt.Equal(clk.Now().Add(notify.BaseBackoff)) {
			t.Fatalf("%s: %d attempts, next at %s; want a backoff of %s", n.Receiver, n.Attempts, n.NextAttemptAt, notify.BaseBackoff)
		}
	}
	// Subscriber 2 unsubscribes meanwhile; the receiver comes back.
	mu.Lock()
	delete(subscribers, "subscriber:2")
	mu.Unlock()
	srv.answer(http.StatusOK, nil)
	clk.Advance(notify.BaseBackoff)
	d.RunOnce(ctx)
	if srv.received["notice-subscriber:1"] != 1 || srv.received["notice-subscriber:2"] != 0 {
		t.Fatalf("received %v: want subscriber 1's notice once and none for subscriber 2", srv.received)
	}
	failed, _ := store.ListNotifications(ctx, notify.StateFailed, 10)
	if len(failed) != 1 || failed[0].Receiver != "subscriber:2" || failed[0].Attempts != 2 || !strings.Contains(failed[0].LastError, "unsubscribed") {
		t.Fatalf("failed: %+v; want subscriber 2's notice failed at once with the reason", failed)
	}
	// A resend goes through the lookup again.
	sent, _ := store.ListNotifications(ctx, notify.StateSent, 10)
	for _, n := range sent {
		if n.Receiver == "subscriber:1" {
			if err := store.ResendNotification(ctx, n.ID, clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	d.RunOnce(ctx)
	if srv.received["notice-subscriber:1"] != 2 {
		t.Fatalf("resend: subscriber 1's notice arrived %d times, want 2", srv.received["notice-subscriber:1"])
	}
}
