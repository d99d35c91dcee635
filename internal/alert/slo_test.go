package alert_test

import (
	"strings"
	"testing"
	"time"

	"vigie/internal/alert"
	"vigie/internal/notify"
)

// TestSLOAlertsRouteWorsenSilenceAndResolve feeds SLO verdicts to the engine the way the SLO
// evaluator does and checks that routes, silences and resolution treat them like monitor alerts.
func TestSLOAlertsRouteWorsenSilenceAndResolve(t *testing.T) {
	routes := []alert.Route{
		{Match: map[string]string{"type": "slo"}, Receivers: []string{"lead"}, NotifyOn: []string{alert.KindSLOPage}, SendResolved: true, Continue: true},
		{Match: map[string]string{"team": "shop"}, Receivers: []string{"ops"}, NotifyOn: []string{alert.KindSLOTicket, alert.KindSLOPage}, SendResolved: true, Repeat: time.Hour},
	}
	w := newWorld(t, routes)
	burn := func(slo, kind, reason string) {
		t.Helper()
		if err := w.alerts.ObserveBurn(w.ctx, alert.Burn{SLO: slo, Kind: kind, Reason: reason, Labels: map[string]string{"team": "shop"}, At: w.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	// A silence on one SLO by its label.
	if err := w.store.CreateSilence(w.ctx, &alert.Silence{Matchers: map[string]string{"slo": "search"}, StartsAt: w.clock.Now(),
		EndsAt: w.clock.Now().Add(24 * time.Hour), Author: "alice", Reason: "reindexing", CreatedAt: w.clock.Now()}); err != nil {
		t.Fatal(err)
	}

	burn("checkout", alert.KindSLOTicket, "error budget burning 1.2× over 3d and 1.4× over 6h")
	burn("search", alert.KindSLOPage, "error budget burning 20.0× over 1h and 22.0× over 5m")
	w.step(time.Minute)
	if got := w.rcv.kinds("ops"); got != "firing" || w.rcv.kinds("lead") != "" {
		t.Fatalf("a ticket: ops %q, lead %q; want one firing message to ops only (and nothing of the silenced SLO)", got, w.rcv.kinds("lead"))
	}
	m := w.rcv.last("ops")
	if m.Severity != notify.SeverityWarning || !strings.HasPrefix(m.Title, "[SLO TICKET] slo:checkout — error budget burning 1.2×") ||
		len(m.Alerts) != 1 || m.Alerts[0].URL != "https://vigie.example/slos/checkout" || m.Alerts[0].Labels["slo"] != "checkout" || m.Alerts[0].Labels["type"] != "slo" {
		t.Fatalf("ticket message: %+v", m)
	}

	// The burn speeds up: the same alert becomes a page, told again, now to the lead as well.
	burn("checkout", alert.KindSLOPage, "error budget burning 15.0× over 1h and 15.3× over 5m")
	w.step(time.Minute)
	if got := w.rcv.kinds("lead"); got != "firing" || w.rcv.kinds("ops") != "firing firing" {
		t.Fatalf("after the page: lead %q, ops %q", got, w.rcv.kinds("ops"))
	}
	if m := w.rcv.last("lead"); m.Severity != notify.SeverityCritical || !strings.HasPrefix(m.Title, "[SLO PAGE] slo:checkout") {
		t.Fatalf("page message: %+v", m)
	}
	open, err := w.store.OpenAlertFor(w.ctx, "slo:checkout", false)
	if err != nil || open.Kind != alert.KindSLOPage || open.Path() != "/slos/checkout" {
		t.Fatalf("open alert: %+v %v", open, err)
	}

	// Slowing to a ticket's rate keeps the page open, and quiet.
	burn("checkout", alert.KindSLOTicket, "error budget burning 3.1× over 1d and 3.5× over 2h")
	w.step(time.Minute)
	if still, _ := w.store.OpenAlertFor(w.ctx, "slo:checkout", false); still == nil || still.Kind != alert.KindSLOPage || still.ID != open.ID {
		t.Fatalf("after slowing down the alert is %+v", still)
	}
	if w.rcv.kinds("lead") != "firing" || w.rcv.kinds("ops") != "firing firing" {
		t.Fatalf("slowing down sent messages: lead %q, ops %q", w.rcv.kinds("lead"), w.rcv.kinds("ops"))
	}

	// No rule fires any more: resolved, and both routes that were told hear it.
	burn("checkout", "", "")
	burn("search", "", "")
	w.step(time.Minute)
	if w.rcv.kinds("lead") != "firing resolved" || w.rcv.kinds("ops") != "firing firing resolved" {
		t.Fatalf("resolution: lead %q, ops %q", w.rcv.kinds("lead"), w.rcv.kinds("ops"))
	}
	if _, err := w.store.OpenAlertFor(w.ctx, "slo:checkout", false); err == nil {
		t.Fatal("the SLO alert is still open")
	}
	// A monitor that happens to be called like the SLO has alerts of its own.
	if _, err := w.store.OpenAlertFor(w.ctx, "checkout", false); err == nil {
		t.Fatal("an SLO alert answers for a monitor of the same name")
	}
}
