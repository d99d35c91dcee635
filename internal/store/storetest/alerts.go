package storetest

import (
	"testing"
	"time"

	"vigie/internal/alert"
	"vigie/internal/errs"
)

// testAlerts: one outage alert and one certificate alert may be open per monitor, and an
// acknowledgement survives a later write from an older copy of the alert.
func testAlerts(t *testing.T, db DB) {
	ctx := t.Context()
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	down := &alert.Alert{Monitor: "web", Kind: "down", Severity: "critical", StartedAt: at, Labels: map[string]string{"monitor": "web"}}
	cert := &alert.Alert{Monitor: "web", Kind: alert.KindCert, Severity: "warning", StartedAt: at}
	for _, a := range []*alert.Alert{down, cert} {
		if err := db.Store.OpenAlert(ctx, a); err != nil {
			t.Fatalf("opening %s: %v", a.Kind, err)
		}
	}
	again := &alert.Alert{Monitor: "web", Kind: "degraded", Severity: "warning", StartedAt: at}
	if err := db.Store.OpenAlert(ctx, again); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a second open outage alert for one monitor: %v, want a conflict", err)
	}
	for _, c := range []struct {
		cert bool
		want int64
	}{{false, down.ID}, {true, cert.ID}} {
		got, err := db.Store.OpenAlertFor(ctx, "web", c.cert)
		if err != nil || got.ID != c.want {
			t.Fatalf("OpenAlertFor(cert=%v) = %+v, %v; want id %d", c.cert, got, err, c.want)
		}
	}

	stale, err := db.Store.AlertByID(ctx, down.ID)
	if err != nil {
		t.Fatal(err)
	}
	acked := *stale
	acked.AckedAt, acked.AckedBy = at.Add(time.Minute), "alice"
	if err := db.Store.UpdateAlert(ctx, &acked); err != nil {
		t.Fatal(err)
	}
	stale.LastNotifiedAt = at.Add(2 * time.Minute) // the server's round, begun before the ack
	if err := db.Store.UpdateAlert(ctx, stale); err != nil {
		t.Fatal(err)
	}
	got, err := db.Store.AlertByID(ctx, down.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.AckedAt.Equal(acked.AckedAt) || got.AckedBy != "alice" || !got.LastNotifiedAt.Equal(stale.LastNotifiedAt) {
		t.Fatalf("after a stale write: acked %v by %q, last notified %v", got.AckedAt, got.AckedBy, got.LastNotifiedAt)
	}
}
