package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"vigie/internal/auth"
)

// TestStatusPages drives the public pages through the whole server: HTML, Statuspage-shaped
// JSON, badges, a private page, a custom host, caching headers, and nothing of the admin side.
func TestStatusPages(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer target.Close()
	config := fmt.Sprintf(`storage:
  path: vigie.db
monitors:
  - {name: web, type: http, url: "%s/", interval: 1s, timeout: 500ms, failure_threshold: 1, success_threshold: 1, labels: {tenant: acme}}
  - {name: broken, type: tcp, target: "127.0.0.1:9", interval: 1s, timeout: 500ms, failure_threshold: 1}
status_pages:
  - slug: acme
    title: Acme status
    host: status.acme.test
    groups:
      - name: Platform
        components:
          - {name: Web app, description: The shop., monitors: [web]}
          - {name: Legacy, monitors: [broken]}
  - slug: internal
    title: Internal status
    private: {token: internal-page-token-0123}
    groups:
      - name: Ops
        components:
          - {name: Web app, monitors: [web]}
`, target.URL)
	a, logs := start(t, t.TempDir(), config)
	base := "http://" + a.Addr().String()
	// Wait until both monitors have a verdict (and the 30 s view cache is past its first build).
	read, _, _ := a.Auth().CreateToken(context.Background(), "ro", auth.ScopeRead, "test")
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, body := get(t, http.DefaultClient, base+"/api/v1/monitors", read)
		if strings.Count(body, `"state": "up"`) == 1 && strings.Count(body, `"state": "down"`) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("monitors never settled: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	fetch := func(path string, header map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		if h := header["Host"]; h != "" {
			req.Host = h
		}
		if req.Header.Get("Accept-Encoding") == "" {
			req.Header.Set("Accept-Encoding", "identity")
		}
		r, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r, string(b)
	}
	r, page := fetch("/status/acme", nil)
	if r.StatusCode != 200 || !strings.Contains(page, "Acme status") || !strings.Contains(page, "Web app") || !strings.Contains(page, "The shop.") {
		t.Fatalf("page: %d\n%s", r.StatusCode, page)
	}
	if len(page) > 100<<10 {
		t.Fatalf("page is %d bytes, want under 100 KB", len(page))
	}
	// Nothing of the admin side: no monitor names, targets, labels, or navigation.
	for _, secret := range []string{"broken", target.URL, "tenant", "/monitors", "csrf", "127.0.0.1:9"} {
		if strings.Contains(page, secret) {
			t.Errorf("the public page shows %q", secret)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("status page CSP %q", csp)
	}
	etag := r.Header.Get("ETag")
	if r, _ := fetch("/status/acme/", map[string]string{"If-None-Match": etag}); r.StatusCode != 304 {
		t.Errorf("If-None-Match with the current ETag: %d, want 304", r.StatusCode)
	}
	r, gz := fetch("/status/acme", map[string]string{"Accept-Encoding": "gzip"})
	if r.Header.Get("Content-Encoding") != "gzip" {
		t.Fatal("no gzip for a client that accepts it")
	}
	zr, err := gzip.NewReader(bytes.NewReader([]byte(gz)))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != page {
		t.Fatal("the gzip body differs from the plain one")
	}

	// The JSON reads like Statuspage's API v2.
	_, body := fetch("/status/acme/api/v2/summary.json", nil)
	var summary struct {
		Page struct {
			ID, Name, URL string
			TimeZone      string `json:"time_zone"`
		}
		Status     struct{ Indicator, Description string }
		Components []struct {
			ID, Name, Status string
			GroupID          *string `json:"group_id"`
			Group            bool
			Components       []string
		}
		Incidents             []any
		ScheduledMaintenances []any `json:"scheduled_maintenances"`
	}
	if err := json.Unmarshal([]byte(body), &summary); err != nil {
		t.Fatalf("summary.json: %v\n%s", err, body)
	}
	if summary.Status.Indicator != "major" || summary.Status.Description != "Major outage" || summary.Page.TimeZone != "UTC" || !strings.HasSuffix(summary.Page.URL, "/status/acme") {
		t.Fatalf("summary status: %+v", summary)
	}
	want := map[string]string{"acme.platform": "major_outage", "acme.web-app": "operational", "acme.legacy": "major_outage"}
	if len(summary.Components) != 3 || !summary.Components[0].Group || len(summary.Components[0].Components) != 2 {
		t.Fatalf("components: %+v", summary.Components)
	}
	for _, c := range summary.Components {
		if want[c.ID] != c.Status {
			t.Errorf("component %s is %q, want %q", c.ID, c.Status, want[c.ID])
		}
		if !c.Group && (c.GroupID == nil || *c.GroupID != "acme.platform") {
			t.Errorf("component %s has group_id %v", c.ID, c.GroupID)
		}
	}
	if summary.Incidents == nil || summary.ScheduledMaintenances == nil {
		t.Error("incidents and scheduled_maintenances must be arrays, not null")
	}
	for _, path := range []string{"/status/acme/api/v2/status.json", "/status/acme/api/v2/components.json"} {
		if r, body := fetch(path, nil); r.StatusCode != 200 || !json.Valid([]byte(body)) || r.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: %d %q", path, r.StatusCode, body)
		}
	}

	// Badges.
	if r, svg := fetch("/status/acme/badge.svg?component=web-app", nil); r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg, "Web app: operational") {
		t.Errorf("status badge: %d %s", r.StatusCode, svg)
	}
	if _, svg := fetch("/status/acme/badge.svg?component=legacy&show=uptime&days=7", nil); !strings.Contains(svg, "Legacy: 0.00%") {
		t.Errorf("uptime badge: %s", svg)
	}
	for path, code := range map[string]int{"/status/acme/badge.svg?component=nope": 404, "/status/acme/badge.svg?show=uptime&days=5": 400,
		"/status/acme/badge.svg?show=pie": 400, "/status/nope": 404} {
		if r, _ := fetch(path, nil); r.StatusCode != code {
			t.Errorf("%s: %d, want %d", path, r.StatusCode, code)
		}
	}

	// A private page is not found without its token, found with it, then by its cookie.
	for _, path := range []string{"/status/internal", "/status/internal?token=wrong-token-0000000", "/status/internal/api/v2/summary.json"} {
		if r, _ := fetch(path, nil); r.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, r.StatusCode)
		}
	}
	r, body = fetch("/status/internal?token=internal-page-token-0123", nil)
	if r.StatusCode != 200 || !strings.Contains(body, "Internal status") || r.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("private page with its token: %d %q", r.StatusCode, r.Header.Get("Cache-Control"))
	}
	cookie := r.Header.Get("Set-Cookie")
	if !strings.Contains(cookie, "HttpOnly") {
		t.Fatalf("cookie %q", cookie)
	}
	if r, _ := fetch("/status/internal/api/v2/status.json", map[string]string{"Cookie": strings.Split(cookie, ";")[0]}); r.StatusCode != 200 {
		t.Errorf("private JSON with the cookie: %d", r.StatusCode)
	}
	if strings.Contains(logs.String(), "internal-page-token-0123") {
		t.Error("a private page's token reached the logs")
	}

	// The page's own host name serves it at the root.
	if r, body := fetch("/", map[string]string{"Host": "status.acme.test"}); r.StatusCode != 200 || !strings.Contains(body, "Acme status") {
		t.Errorf("custom host: %d", r.StatusCode)
	}
	if r, _ := fetch("/api/v2/summary.json", map[string]string{"Host": "status.acme.test:443"}); r.StatusCode != 200 {
		t.Errorf("custom host JSON: %d", r.StatusCode)
	}
}
