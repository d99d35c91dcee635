package alert_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"vigie/internal/alert"
)

// TestChangedFollowsAnAlert: the Changed hook hears of an alert when it is first sent (not
// during its group wait, not while a silence holds it), acknowledged and resolved.
func TestChangedFollowsAnAlert(t *testing.T) {
	var mu sync.Mutex
	var heard []string
	routes := []alert.Route{opsRoute()}
	w := newWorld(t, routes)
	w.alerts = alert.NewEngine(alert.Options{Store: w.store, Outbox: w.outbox, Clock: w.clock,
		Routes: func() []alert.Route { return routes }, BaseURL: func() string { return "https://vigie.example" },
		Changed: func(_ context.Context, a alert.Alert) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case !a.Firing():
				heard = append(heard, "resolved")
			case !a.AckedAt.IsZero():
				heard = append(heard, "acked by "+a.AckedBy)
			default:
				heard = append(heard, "sent")
			}
		}})
	got := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(heard)
	}
	w.run(time.Minute)
	w.healthy.Store(false)
	w.step(30 * time.Second)
	w.step(30 * time.Second) // down now, within the group wait
	if h := got(); len(h) != 0 {
		t.Fatalf("heard %v before the alert was sent", h)
	}
	w.run(2 * time.Minute)
	if h := got(); !slices.Equal(h, []string{"sent"}) {
		t.Fatalf("after sending: %v", h)
	}
	open, _ := w.store.PendingAlerts(w.ctx)
	if _, err := w.alerts.Ack(w.ctx, []int64{open[0].ID}, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.alerts.Ack(w.ctx, []int64{open[0].ID}, "bob"); err != nil { // already acknowledged: nothing new
		t.Fatal(err)
	}
	w.healthy.Store(true)
	w.run(2 * time.Minute)
	if h := got(); !slices.Equal(h, []string{"sent", "acked by alice", "resolved"}) {
		t.Fatalf("heard %v", h)
	}
	if m := alert.Matching([]alert.Route{{Match: map[string]string{"team": "db"}}, {Continue: true}, {}, {}}, map[string]string{"team": "web"}); !slices.Equal(m, []int{1, 2}) {
		t.Fatalf("Matching = %v, want the catch-all that continues and the next", m)
	}
}
