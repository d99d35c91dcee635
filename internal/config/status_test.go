package config

import (
	"testing"
	"time"
)

func TestStatusPagesLoad(t *testing.T) {
	c := mustLoad(t, "testdata/good/status.yaml")
	if len(c.StatusPages) != 1 {
		t.Fatalf("pages: %+v", c.StatusPages)
	}
	p := c.StatusPages[0]
	if p.Timezone != "Europe/Paris" || p.SLATarget != 99.95 || p.Weights != (StatusWeights{Degraded: 0, PartialOutage: 0.5}) {
		t.Fatalf("page settings: %+v", p)
	}
	if p.MaintenanceNoticeBefore != Duration(2*time.Hour) || p.Subscribers != (StatusSubscribers{Email: "status-mail", From: "Acme status <status@acme.example>"}) {
		t.Fatalf("subscriber settings: %+v, notice before %s", p.Subscribers, p.MaintenanceNoticeBefore)
	}
	comps := p.Groups[0].Components
	if comps[0].Rule != "share" || comps[1].Rule != "worst" || comps[1].Monitors[0] != "api" {
		t.Fatalf("components: %+v", comps)
	}
}

func TestComponentID(t *testing.T) {
	for in, want := range map[string]string{"Web app": "web-app", "  API (v2) ": "api-v2", "Élan": "lan", "DB--1": "db-1", "!!": ""} {
		if got := ComponentID(in); got != want {
			t.Errorf("ComponentID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaintenanceNoticeDefault(t *testing.T) {
	c := mustLoad(t, "testdata/good/monitors.yaml")
	var p StatusPage
	p.setDefaults()
	if p.MaintenanceNoticeBefore != Duration(24*time.Hour) || len(c.StatusPages) != 0 {
		t.Fatalf("default maintenance_notice_before: %s", p.MaintenanceNoticeBefore)
	}
}
