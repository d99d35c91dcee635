package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const maintenanceConfig = `storage:
  path: vigie.db
monitors:
  - {name: db, type: tcp, target: "127.0.0.1:9"}
  - {name: web, type: tcp, target: "127.0.0.1:9"}
status_pages:
  - slug: acme
    title: Acme status
    timezone: Europe/Paris
    groups:
      - name: Platform
        components:
          - {name: Database, monitors: [db]}
          - {name: Web app, monitors: [web]}
`

// TestMaintenanceCommands schedules, lists, updates and cancels maintenances as an operator
// would from a shell.
func TestMaintenanceCommands(t *testing.T) {
	cfg := writeConfig(t, t.TempDir(), maintenanceConfig)
	tomorrow := time.Now().Add(24 * time.Hour).Format("2006-01-02")
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--component", "database", "--title", "x", "--start", tomorrow + " 02:00", "--duration", "1h"}, "--page is required"},
		{[]string{"--page", "acme", "--title", "x", "--start", tomorrow + " 02:00", "--duration", "1h"}, "--component is required"},
		{[]string{"--page", "acme", "--component", "database", "--title", "x", "--start", tomorrow + " 02:00", "--duration", "200h"}, "--duration"},
		{[]string{"--page", "globex", "--component", "database", "--title", "x", "--start", tomorrow + " 02:00", "--duration", "1h"}, "no such status page (there are acme)"},
		{[]string{"--page", "acme", "--component", "dns", "--title", "x", "--start", tomorrow + " 02:00", "--duration", "1h"}, `has no component "dns"`},
		{[]string{"--page", "acme", "--component", "database", "--title", "x", "--start", "tomorrow", "--duration", "1h"}, "--start: want a time"},
		{[]string{"--page", "acme", "--component", "database", "--title", "x", "--start", "2020-01-01 02:00", "--duration", "1h"}, "over already"},
		{[]string{"--page", "acme", "--component", "database", "--title", "x", "--start", tomorrow + " 02:00", "--duration", "1h", "--recurrence", "FREQ=SOMETIMES"}, "recurrence"},
	} {
		r := vigie(t, "", append([]string{"--config", cfg, "maintenance", "schedule"}, bad.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, bad.want) {
			t.Errorf("schedule %v: exit %d %q, want 2 about %q", bad.args, r.code, r.stderr, bad.want)
		}
	}
	if r := vigie(t, "", "--config", cfg, "maintenance", "list"); r.code != 0 || !strings.Contains(r.stdout, "No maintenance") {
		t.Fatalf("bad input scheduled something: %+v", r)
	}

	r := vigie(t, "", "--config", cfg, "maintenance", "schedule", "--page", "acme", "--component", "database,web-app", "--title", "Network swap",
		"--start", tomorrow+" 02:00", "--duration", "90m", "--body", "Short cuts.")
	if r.code != 0 || !strings.Contains(r.stdout, "maintenance 1 on acme: scheduled, ") || !strings.Contains(r.stdout, " 02:00 – 03:30 ") ||
		!strings.Contains(r.stdout, "(Europe/Paris), 1 h 30 min") {
		t.Fatalf("schedule: %+v", r)
	}
	r = vigie(t, "", "--config", cfg, "maintenance", "schedule", "--page", "acme", "--component", "database", "--title", "Patching",
		"--start", tomorrow+" 03:00", "--duration", "1h", "--recurrence", "FREQ=WEEKLY;BYDAY=SU")
	if r.code != 0 || !strings.Contains(r.stdout, "repeats every Sunday at 03:00 Europe/Paris") {
		t.Fatalf("schedule a recurring window: %+v", r)
	}
	if r := vigie(t, "", "--config", cfg, "maintenance", "update", "1", "--body", "Moved to the spare switch first."); r.code != 0 {
		t.Fatalf("update: %+v", r)
	}
	if r := vigie(t, "", "--config", cfg, "maintenance", "update", "9", "--body", "x"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Fatalf("update of a missing maintenance: %+v", r)
	}
	r = vigie(t, "", "--config", cfg, "maintenance", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "Network swap") || !strings.Contains(r.stdout, "Patching") || !strings.Contains(r.stdout, "every Sunday") {
		t.Fatalf("list: %+v", r)
	}
	if r := vigie(t, "", "--config", cfg, "maintenance", "cancel", "2"); r.code != 0 || !strings.Contains(r.stdout, "maintenance 2 cancelled") {
		t.Fatalf("cancel: %+v", r)
	}
	if r := vigie(t, "", "--config", cfg, "maintenance", "cancel", "2"); r.code != 1 || !strings.Contains(r.stderr, "was cancelled at") {
		t.Fatalf("cancel twice: %+v", r)
	}
	if r := vigie(t, "", "--config", cfg, "maintenance", "cancel", "two"); r.code != 2 {
		t.Fatalf("cancel with a bad id: %+v", r)
	}
	r = vigie(t, "", "--config", cfg, "maintenance", "list", "--json")
	var listed []struct {
		ID       int64
		State    string
		Timezone string
		Window   struct{ From, To time.Time }
		Updates  []struct{ Body, Author string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil || len(listed) != 1 || listed[0].ID != 1 || listed[0].State != "scheduled" ||
		listed[0].Timezone != "Europe/Paris" || listed[0].Window.To.Sub(listed[0].Window.From) != 90*time.Minute ||
		len(listed[0].Updates) != 1 || !strings.HasPrefix(listed[0].Updates[0].Author, "cli") {
		t.Fatalf("list --json: %v\n%s", err, r.stdout)
	}
	r = vigie(t, "", "--config", cfg, "maintenance", "list", "--all", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil || len(listed) != 2 || listed[1].State != "cancelled" {
		t.Fatalf("list --all --json: %v\n%s", err, r.stdout)
	}
}
