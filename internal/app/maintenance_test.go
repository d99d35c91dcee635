package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vigie/internal/auth"
)

// TestMaintenanceHoldsAlertsAndShows: a maintenance announced through the API holds back the
// alert of a monitor behind its component and shows on the status page; cancelling it lets
// the alert out.
func TestMaintenanceHoldsAlertsAndShows(t *testing.T) {
	var got atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
	defer hook.Close()
	config := fmt.Sprintf(`storage:
  path: vigie.db
monitors:
  - {name: legacy, type: tcp, target: "127.0.0.1:9", interval: 1s, timeout: 500ms, failure_threshold: 1}
receivers:
  - {name: ops, type: webhook, webhook: {url: "%s/"}}
routes:
  - {receivers: [ops], group_wait: 0s}
status_pages:
  - slug: acme
    title: Acme status
    timezone: Europe/Paris
    groups:
      - name: Platform
        components:
          - {name: Legacy, monitors: [legacy]}
`, hook.URL)
	a, _ := start(t, t.TempDir(), config)
	base := "http://" + a.Addr().String()
	write, _, _ := a.Auth().CreateToken(context.Background(), "w", auth.ScopeWrite, "test")
	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+write)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	now := time.Now().UTC()
	ts := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	for body, want := range map[string]string{
		`{"page": "nope", "components": ["legacy"], "title": "x", "starts_at": "` + ts(0) + `", "duration": "1h"}`:                                   "no status page",
		`{"page": "acme", "components": ["web"], "title": "x", "starts_at": "` + ts(0) + `", "duration": "1h"}`:                                      `no component "web"`,
		`{"page": "acme", "components": ["legacy"], "title": " ", "starts_at": "` + ts(0) + `", "duration": "1h"}`:                                   "title",
		`{"page": "acme", "components": ["legacy"], "title": "x", "starts_at": "` + ts(-3*time.Hour) + `", "duration": "1h"}`:                        "over already",
		`{"page": "acme", "components": ["legacy"], "title": "x", "starts_at": "` + ts(0) + `", "duration": "1h", "recurrence": "FREQ=FORTNIGHTLY"}`: "recurrence",
		`{"page": "acme", "components": ["legacy"], "title": "x", "starts_at": "` + ts(0) + `", "duration": "9d"}`:                                   "duration",
		`{"page": "acme", "components": ["legacy"], "title": "x", "starts_at": "` + ts(0) + `", "duration": "200h"}`:                                 "at most 7 days",
	} {
		code, resp := call("POST", "/api/v1/maintenances", body)
		var e struct{ Error struct{ Message string } }
		json.Unmarshal([]byte(resp), &e)
		if code != 400 || !strings.Contains(e.Error.Message, want) {
			t.Errorf("POST %s: %d %s, want 400 about %q", body, code, resp, want)
		}
	}
	if _, list := call("GET", "/api/v1/maintenances", ""); strings.Contains(list, `"id"`) {
		t.Fatalf("bad input created a maintenance: %s", list)
	}
	code, created := call("POST", "/api/v1/maintenances", `{"page": "acme", "components": ["legacy"], "title": "Decommissioning", "body": "The legacy service goes away.", "starts_at": "`+ts(-time.Minute)+`", "duration": "2h"}`)
	var m struct {
		ID    int64
		State string
	}
	json.Unmarshal([]byte(created), &m)
	if code != 201 || m.State != "in_progress" {
		t.Fatalf("create: %d %s", code, created)
	}
	if code, _ := call("POST", fmt.Sprintf("/api/v1/maintenances/%d/updates", m.ID), `{"body": "Half way there."}`); code != 201 {
		t.Fatalf("update: %d", code)
	}

	// The monitor is down within a second; its alert is held while the maintenance lasts.
	time.Sleep(3 * time.Second)
	if n := got.Load(); n != 0 {
		t.Fatalf("%d messages sent during the maintenance", n)
	}
	_, page := call("GET", "/status/acme", "")
	for _, want := range []string{"Maintenance in progress: Decommissioning", "The legacy service goes away.", "Half way there.", "under maintenance"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	_, summary := call("GET", "/status/acme/api/v2/summary.json", "")
	if !strings.Contains(summary, `"status": "under_maintenance"`) || !strings.Contains(summary, `"name": "Decommissioning"`) {
		t.Errorf("summary.json: %s", summary)
	}

	if code, _ := call("POST", fmt.Sprintf("/api/v1/maintenances/%d/cancel", m.ID), ""); code != 200 {
		t.Fatalf("cancel: %d", code)
	}
	if code, _ := call("POST", fmt.Sprintf("/api/v1/maintenances/%d/cancel", m.ID), ""); code != 409 {
		t.Fatalf("cancel twice: %d, want 409", code)
	}
	deadline := time.Now().Add(15 * time.Second)
	for got.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the alert never went out after the maintenance was cancelled")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, page := call("GET", "/status/acme", ""); strings.Contains(page, "Maintenance in progress") {
		t.Error("a cancelled maintenance is still shown")
	}
}
