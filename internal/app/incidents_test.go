package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
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

// TestIncidentFromAnAlertToAPublishedPostmortem: a real monitor goes down against an
// httptest server; its route opens an incident on the status page; acknowledging the alert
// and its recovery land on the incident's timeline; people resolve it through the API,
// edit the post-mortem and publish it; the public page, its JSON and its feeds show it, and
// never the internal note.
func TestIncidentFromAnAlertToAPublishedPostmortem(t *testing.T) {
	var healthy atomic.Bool
	healthy.Store(true)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer target.Close()
	var hooked atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hooked.Add(1) }))
	defer hook.Close()
	config := fmt.Sprintf(`storage:
  path: vigie.db
monitors:
  - {name: api-http, type: http, url: "%s/", interval: 1s, timeout: 500ms, failure_threshold: 2, success_threshold: 1}
receivers:
  - {name: ops, type: webhook, webhook: {url: "%s/"}}
routes:
  - receivers: [ops]
    group_wait: 0s
    incident: {severity: SEV2, page: acme, next_update: 20m}
status_pages:
  - slug: acme
    title: Acme status
    timezone: Europe/Paris
    groups:
      - name: Platform
        components:
          - {name: Public API, monitors: [api-http]}
`, target.URL, hook.URL)
	a, logs := start(t, t.TempDir(), config)
	base := "http://" + a.Addr().String()
	write, _, _ := a.Auth().CreateToken(context.Background(), "w", auth.ScopeWrite, "test")
	call := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+write)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var out map[string]any
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &out); err != nil && len(raw) > 0 {
			t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
		return r.StatusCode, out
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not in time\nlogs:\n%s", what, logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	incidents := func(query string) []any {
		_, out := call("GET", "/api/v1/incidents"+query, nil)
		list, _ := out["incidents"].([]any)
		return list
	}

	healthy.Store(false)
	waitFor("an incident opened by the route", func() bool { return len(incidents("")) == 1 })
	inc := incidents("")[0].(map[string]any)
	id := int64(inc["id"].(float64))
	path := fmt.Sprintf("/api/v1/incidents/%d", id)
	if inc["title"] != "Public API: major outage" || inc["severity"] != "SEV2" || inc["page"] != "acme" || inc["next_update_at"] == nil {
		t.Fatalf("incident opened from the alert: %v", inc)
	}
	// The component follows the incident's stated state on the public JSON.
	comp := func() string {
		r, err := http.Get(base + "/status/acme/api/v2/components.json")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var out struct{ Components []struct{ ID, Status string } }
		json.NewDecoder(r.Body).Decode(&out)
		for _, c := range out.Components {
			if c.ID == "acme.public-api" {
				return c.Status
			}
		}
		return ""
	}
	if got := comp(); got != "major_outage" {
		t.Fatalf("component status %q", got)
	}

	// Acknowledge the alert: the incident hears of it.
	_, al := call("GET", "/api/v1/alerts", nil)
	alertID := int64(al["alerts"].([]any)[0].(map[string]any)["id"].(float64))
	if code, _ := call("POST", fmt.Sprintf("/api/v1/alerts/%d/ack", alertID), nil); code != 200 {
		t.Fatalf("ack: %d", code)
	}
	_, inc = call("GET", path, nil)
	if inc["acknowledged_at"] == nil || inc["measures"].(map[string]any)["time_to_acknowledge_seconds"] == nil {
		t.Fatalf("the alert's acknowledgement is not on the incident: %v", inc)
	}
	if ttd := inc["measures"].(map[string]any)["time_to_detect_seconds"].(float64); ttd < 0.5 || ttd > 10 {
		t.Fatalf("time to detect %v s: from the first failing check to the alert, want about one interval", ttd)
	}

	// Bad requests change nothing.
	before, _ := json.Marshal(inc)
	for _, bad := range []struct {
		method, path string
		body         any
		want         string
	}{
		{"PATCH", path, map[string]any{"severity": "SEV9"}, "severity"},
		{"PATCH", path, map[string]any{"status": "done"}, "status"},
		{"PATCH", path, map[string]any{"components": map[string]string{"mail": "major_outage"}}, `no component "mail"`},
		{"PATCH", path, map[string]any{"components": map[string]string{"public-api": "broken"}}, "level"},
		{"PATCH", path, map[string]any{"lead": "x", "bogus": 1}, "unknown field"},
		{"POST", path + "/updates", map[string]any{"body": " "}, "body"},
		{"POST", path + "/updates", map[string]any{"body": "x", "next_update_in": "soon"}, "next_update_in"},
		{"POST", path + "/updates", map[string]any{"body": "x", "next_update_in": "1h", "next_update_at": "2030-01-01T00:00:00Z"}, "not both"},
		{"POST", path + "/notes", map[string]any{}, "body"},
		{"POST", path + "/actions", map[string]any{"title": "x", "due": "next week"}, "due"},
		{"PUT", path + "/postmortem", map[string]any{"markdown": ""}, "empty"},
		{"POST", "/api/v1/incidents", map[string]any{"title": "x", "severity": "SEV2", "page": "nope"}, "no status page"},
		{"GET", "/api/v1/incidents?state=closed", nil, "state"},
	} {
		code, out := call(bad.method, bad.path, bad.body)
		msg, _ := out["error"].(map[string]any)["message"].(string)
		if code != 400 || !strings.Contains(msg, bad.want) {
			t.Errorf("%s %s %v: %d %q, want 400 about %q", bad.method, bad.path, bad.body, code, msg, bad.want)
		}
	}
	if code, _ := call("POST", path+"/postmortem/publish", nil); code != 409 {
		t.Errorf("publishing an open incident's post-mortem: %d, want 409", code)
	}
	_, now := call("GET", path, nil)
	after, _ := json.Marshal(now)
	if !bytes.Equal(before, after) {
		t.Fatalf("bad requests changed the incident:\n%s\n%s", before, after)
	}

	// People work the incident.
	for _, step := range []struct {
		method, path string
		body         any
	}{
		{"PATCH", path, map[string]any{"lead": "alice", "logbook": map[string]any{"what_is_going_on": "The API answers 502.",
			"how_it_was_understood": "The upstream pool was exhausted.", "impacts": "API calls failed."}}},
		{"POST", path + "/notes", map[string]any{"body": "INTERNAL-NOTE-7f3a: restarted pgbouncer on db-2"}},
		{"POST", path + "/updates", map[string]any{"body": "We found the cause and are fixing it.", "status": "identified",
			"next_update_in": "30m", "eta": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}},
		{"POST", path + "/actions", map[string]any{"title": "Alert on pool saturation", "owner": "OWNER-carol", "due": "2030-01-15"}},
	} {
		if code, out := call(step.method, step.path, step.body); code/100 != 2 {
			t.Fatalf("%s %s: %d %v", step.method, step.path, code, out)
		}
	}
	healthy.Store(true)
	waitFor("the alert's recovery on the incident", func() bool {
		_, inc := call("GET", path, nil)
		return inc["mitigated_at"] != nil
	})
	code, resolved := call("POST", path+"/resolve", map[string]any{"body": "Fixed: the pool is sized for the workers."})
	if code != 200 || resolved["status"] != "resolved" || resolved["measures"].(map[string]any)["time_to_resolve_seconds"] == nil {
		t.Fatalf("resolve: %d %v", code, resolved)
	}
	var kinds []string
	for _, e := range resolved["timeline"].([]any) {
		kinds = append(kinds, e.(map[string]any)["kind"].(string))
	}
	for _, want := range []string{"alert_fired", "opened", "alert_acknowledged", "acknowledged", "note", "alert_resolved", "mitigated", "resolved"} {
		if !strings.Contains(strings.Join(kinds, " "), want) {
			t.Errorf("the timeline lacks %s: %v", want, kinds)
		}
	}

	// The post-mortem: generated, edited, published.
	code, pm := call("GET", path+"/postmortem", nil)
	draft, _ := pm["markdown"].(string)
	if code != 200 || pm["generated"] != true || !strings.Contains(draft, "## Root cause\n\nThe upstream pool was exhausted.") ||
		!strings.Contains(draft, "SLA: Public API lost") || strings.Contains(draft, "INTERNAL-NOTE") || strings.Contains(draft, "OWNER-carol") {
		t.Fatalf("generated post-mortem: %d\n%s", code, draft)
	}
	edited := strings.Replace(draft, "## Lessons\n\n_To be written._", "## Lessons\n\nSize pools from the worker count.", 1)
	if code, out := call("PUT", path+"/postmortem", map[string]any{"markdown": edited}); code != 200 || out["state"] != "draft" {
		t.Fatalf("save: %d %v", code, out)
	}
	if code, out := call("POST", path+"/postmortem/publish", nil); code != 200 || out["state"] != "published" {
		t.Fatalf("publish: %d %v", code, out)
	}

	// The public side.
	get := func(p string) string {
		t.Helper()
		r, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", p, r.StatusCode, b)
		}
		return string(b)
	}
	waitFor("the component back to operational", func() bool { return comp() == "operational" })
	pagePath := fmt.Sprintf("/status/acme/incidents/%d", id)
	html := get("/status/acme") + get(pagePath)
	for _, want := range []string{"Past incidents", "Public API: major outage", "post-mortem", "Size pools from the worker count.",
		"Fixed: the pool is sized for the workers.", `type="application/atom+xml"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the public pages lack %q", want)
		}
	}
	var list struct {
		Incidents []struct {
			ID, Name, Status, Impact string
			PostmortemBody           string                          `json:"postmortem_body"`
			IncidentUpdates          []struct{ Status, Body string } `json:"incident_updates"`
		}
	}
	jsonText := get("/status/acme/api/v2/incidents.json")
	if err := json.Unmarshal([]byte(jsonText), &list); err != nil || len(list.Incidents) != 1 {
		t.Fatalf("incidents.json: %v %s", err, jsonText)
	}
	got := list.Incidents[0]
	if got.Status != "postmortem" || got.Impact != "major" || !strings.Contains(got.PostmortemBody, "Size pools") ||
		len(got.IncidentUpdates) != 3 || got.IncidentUpdates[0].Status != "resolved" {
		t.Fatalf("incidents.json: %+v", got)
	}
	if un := get("/status/acme/api/v2/incidents/unresolved.json"); !strings.Contains(un, `"incidents": []`) {
		t.Fatalf("unresolved.json: %s", un)
	}
	atom, rss := get("/status/acme/feed.atom"), get("/status/acme/feed.rss")
	var feed struct {
		Entries []struct {
			Title   string `xml:"title"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(atom), &feed); err != nil || len(feed.Entries) != 1 || !strings.Contains(feed.Entries[0].Content, "Fixed: the pool") {
		t.Fatalf("atom: %v %s", err, atom)
	}
	public := html + jsonText + atom + rss + get("/status/acme/api/v2/summary.json")
	for _, secret := range []string{"INTERNAL-NOTE", "OWNER-carol", "alice", "api-http"} {
		if strings.Contains(public, secret) {
			t.Errorf("public output shows internal data %q", secret)
		}
	}
	if hooked.Load() == 0 {
		t.Fatal("the route's receiver got nothing: the alert did not go out, so the test proved nothing")
	}
}
