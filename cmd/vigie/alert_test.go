package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigie/internal/alert"
	"vigie/internal/store/sqlite"
)

// TestAlertAndSilenceCommands drives `vigie alert` and `vigie silence` on a database that
// holds one open alert, as a server would have left it.
func TestAlertAndSilenceCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "storage:\n  path: vigie.db\n")
	st, err := sqlite.Open(filepath.Join(dir, "vigie.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := &alert.Alert{Monitor: "db-primary", Kind: "down", Severity: "critical", Reason: "connection refused",
		Labels: map[string]string{"monitor": "db-primary"}, StartedAt: time.Now().Add(-5 * time.Minute)}
	if err := st.OpenAlert(ctx, a); err != nil {
		t.Fatal(err)
	}
	st.Close()

	r := vigie(t, "", "--config", cfg, "alert", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "db-primary") || !strings.Contains(r.stdout, "connection refused") {
		t.Fatalf("alert list: %+v", r)
	}
	for _, bad := range [][]string{{"alert", "ack"}, {"alert", "ack", "first"}, {"alert", "ack", "-3"}} {
		if r := vigie(t, "", append([]string{"--config", cfg}, bad...)...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", bad, r.code, r.stderr)
		}
	}
	if r := vigie(t, "", "--config", cfg, "alert", "ack", "99"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Fatalf("ack of a missing alert: %+v", r)
	}
	r = vigie(t, "", "--config", cfg, "alert", "ack", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "alert 1 (db-primary) acknowledged by cli") {
		t.Fatalf("alert ack: %+v", r)
	}
	r = vigie(t, "", "--config", cfg, "alert", "list", "--json")
	var alerts []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &alerts); err != nil || len(alerts) != 1 || alerts[0]["acked_at"] == "" {
		t.Fatalf("alert list --json after ack: %v %s", err, r.stdout)
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"silence", "add", "monitor=db-primary", "--for", "2h"}, "--reason"},
		{[]string{"silence", "add", "monitor", "--reason", "x"}, "not label=value"},
		{[]string{"silence", "add", "monitor=db", "--for", "-1h", "--reason", "x"}, "--for"},
		{[]string{"silence", "add", "monitor=db", "--reason", "x", "--start", "tomorrow"}, "--start"},
	} {
		if r := vigie(t, "", append([]string{"--config", cfg}, bad.args...)...); r.code != 2 || !strings.Contains(r.stderr, bad.want) {
			t.Errorf("%v: exit %d %q, want 2 about %s", bad.args, r.code, r.stderr, bad.want)
		}
	}
	if r := vigie(t, "", "--config", cfg, "silence", "list"); r.code != 0 || !strings.Contains(r.stdout, "No silence.") {
		t.Fatalf("bad input created a silence: %+v", r)
	}
	r = vigie(t, "", "--config", cfg, "silence", "add", "monitor=db-primary", "env=prod", "--for", "90m", "--reason", "PostgreSQL 17 upgrade")
	if r.code != 0 || !strings.Contains(r.stdout, "silence 1: env=prod monitor=db-primary until ") {
		t.Fatalf("silence add: %+v", r)
	}
	r = vigie(t, "", "--config", cfg, "silence", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "active") || !strings.Contains(r.stdout, "PostgreSQL 17 upgrade") {
		t.Fatalf("silence list: %+v", r)
	}
	if r := vigie(t, "", "--config", cfg, "silence", "expire", "1"); r.code != 0 {
		t.Fatalf("silence expire: %+v", r)
	}
	if r := vigie(t, "", "--config", cfg, "silence", "expire", "1"); r.code != 1 {
		t.Fatalf("expiring an ended silence again: %+v", r)
	}
	if r := vigie(t, "", "--config", cfg, "silence", "list"); !strings.Contains(r.stdout, "No silence.") {
		t.Fatalf("an expired silence is listed: %+v", r)
	}
}
