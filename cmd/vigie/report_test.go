package main

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigie/internal/monitor"
	"vigie/internal/store/sqlite"
)

// reportConfig writes a configuration with one status page, acme, whose one component is
// backed by the monitor web, and stores events for it; it returns the configuration's path.
func reportConfig(t *testing.T, events []monitor.Event) string {
	t.Helper()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `storage:
  path: vigie.db
monitors:
  - {name: web, type: tcp, target: "127.0.0.1:9", interval: 1m}
status_pages:
  - slug: acme
    title: Acme status
    groups:
      - name: Platform
        components:
          - {name: Web app, monitors: [web]}
`)
	st, err := sqlite.Open(filepath.Join(dir, "vigie.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if err := st.InsertEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	return cfg
}

// TestReportSLACommand prints last month's SLA report of a page from a database holding a
// 30-minute outage, in each format, and refuses bad flags with exit 2.
func TestReportSLACommand(t *testing.T) {
	y, m, _ := time.Now().UTC().Date()
	last := time.Date(y, m-1, 1, 0, 0, 0, 0, time.UTC)
	cfg := reportConfig(t, []monitor.Event{
		{Monitor: "web", At: last.Add(-24 * time.Hour), State: monitor.StateUp},
		{Monitor: "web", At: last.Add(9*24*time.Hour + 14*time.Hour), State: monitor.StateDown},
		{Monitor: "web", At: last.Add(9*24*time.Hour + 14*time.Hour + 30*time.Minute), State: monitor.StateUp},
	})
	month := last.Format("2006-01")
	days := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Sub(last).Hours() / 24

	r := vigie(t, "", "--config", cfg, "report", "sla", "--page", "acme", "--month", month)
	for _, want := range []string{"SLA report — Acme status (acme) — " + last.Format("January 2006") + ", UTC, complete", "Web app", "30 min", "Downtime episodes:", "major outage"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q: %+v", want, r)
		}
	}
	r = vigie(t, "", "--config", cfg, "report", "sla", "--page", "acme", "--month", month, "--format", "json")
	var doc struct {
		Month      string
		Components []struct {
			Used     float64 `json:"used_seconds"`
			Budget   float64 `json:"budget_seconds"`
			Breached bool
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Month != month || len(doc.Components) != 1 ||
		doc.Components[0].Used != 1800 || math.Abs(doc.Components[0].Budget-days*86.4) > 1e-6 || doc.Components[0].Breached != (1800 > days*86.4) {
		t.Errorf("json: %v %s", err, r.stdout)
	}
	if r = vigie(t, "", "--config", cfg, "report", "sla", "--page", "acme", "--month", month, "--format", "csv"); r.code != 0 || !strings.HasPrefix(r.stdout, "row,component,") || strings.Count(r.stdout, "\n") != 4 {
		t.Errorf("csv: %+v", r)
	}
	if r = vigie(t, "", "--config", cfg, "report", "sla", "--page", "acme", "--month", month, "--format", "html"); r.code != 0 || !strings.HasPrefix(r.stdout, "<!doctype html>") || !strings.Contains(r.stdout, "@media print") {
		t.Errorf("html: code %d, %.200s", r.code, r.stdout)
	}

	next := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--month", month}, `required flag(s) "page" not set`},
		{[]string{"--page", "nope", "--month", month}, `--page: no status page "nope" (pages: acme)`},
		{[]string{"--page", "acme", "--month", "2026-13"}, `--month "2026-13": 13 is not a month (01 to 12)`},
		{[]string{"--page", "acme", "--month", next}, "month " + next + " has not begun"},
		{[]string{"--page", "acme", "--format", "pdf"}, `--format "pdf": want one of [table csv json html]`},
	} {
		r := vigie(t, "", append([]string{"--config", cfg, "report", "sla"}, bad.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, bad.want) {
			t.Errorf("%v: exit %d %q, want 2 about %q", bad.args, r.code, r.stderr, bad.want)
		}
	}
}

func TestReportWeeklyCommand(t *testing.T) {
	// Last week's Wednesday, 14:00 UTC: 20 minutes down.
	monday := time.Now().UTC().Truncate(24 * time.Hour)
	for monday.Weekday() != time.Monday {
		monday = monday.Add(-24 * time.Hour)
	}
	wed := monday.Add(-5*24*time.Hour + 14*time.Hour)
	cfg := reportConfig(t, []monitor.Event{
		{Monitor: "web", At: monday.Add(-30 * 24 * time.Hour), State: monitor.StateUp},
		{Monitor: "web", At: wed, State: monitor.StateDown},
		{Monitor: "web", At: wed.Add(20 * time.Minute), State: monitor.StateUp},
	})

	r := vigie(t, "", "--config", cfg, "report", "weekly", "--page", "acme")
	if r.code != 0 || !strings.Contains(r.stdout, "Weekly report — Acme status — week ") || !strings.Contains(r.stdout, "Downtime: 20 min in 1 episode") {
		t.Errorf("text: %+v", r)
	}
	r = vigie(t, "", "--config", cfg, "report", "weekly", "--page", "acme", "--format", "json")
	var doc struct {
		Components []struct {
			Downtime float64 `json:"downtime_seconds"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Components) != 1 || doc.Components[0].Downtime != 1200 {
		t.Errorf("json: %v %s", err, r.stdout)
	}
	if r = vigie(t, "", "--config", cfg, "report", "weekly", "--page", "acme", "--format", "html"); r.code != 0 || !strings.Contains(r.stdout, "<!DOCTYPE html>") {
		t.Errorf("html: %d %.100s", r.code, r.stdout)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--page", "acme", "--week", "2026-W99"}, `--week "2026-W99": 2026 has weeks 01 to 53`},
		{[]string{"--page", "acme", "--format", "csv"}, `--format "csv": want one of [text json html]`},
		{[]string{"--page", "nope"}, `--page: no status page "nope" (pages: acme)`},
	} {
		r := vigie(t, "", append([]string{"--config", cfg, "report", "weekly"}, bad.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, bad.want) {
			t.Errorf("%v: exit %d %q, want 2 about %q", bad.args, r.code, r.stderr, bad.want)
		}
	}
}
