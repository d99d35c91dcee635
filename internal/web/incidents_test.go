package web_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"vigie/internal/auth"
	"vigie/internal/clock"
	"vigie/internal/incident"
	"vigie/internal/monitor"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store/storetest"
	"vigie/internal/testutil"
	"vigie/internal/web"
)

// incidentEnv is a server with a status page, monitors' history and the logbook.
type incidentEnv struct {
	*env
	svc  *incident.Service
	page *status.Page
}

func newIncidentEnv(t *testing.T) *incidentEnv {
	t.Helper()
	db := storetest.OpenSQLite(t)
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, paris)
	e := &incidentEnv{env: &env{t: t, clock: clock.NewFake(now), logs: &testutil.LogBuffer{}, store: db.Store}}
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	ctx := context.Background()
	for _, ev := range []monitor.Event{
		{Monitor: "api", At: now.AddDate(0, 0, -80), State: monitor.StateUp},
		{Monitor: "web", At: now.AddDate(0, 0, -80), State: monitor.StateUp},
		{Monitor: "api", At: now.Add(-40 * 24 * time.Hour), State: monitor.StateDown},
		{Monitor: "api", At: now.Add(-40*24*time.Hour + 35*time.Minute), State: monitor.StateUp},
		{Monitor: "api", At: now.Add(-25 * time.Minute), State: monitor.StateDown},
	} {
		if err := db.Store.InsertEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	snaps := []monitor.Snapshot{{Definition: &monitor.Definition{Name: "web"}, State: monitor.StateUp},
		{Definition: &monitor.Definition{Name: "api"}, State: monitor.StateDown}}
	e.page = &status.Page{Slug: "acme", Title: "Acme Cloud status", Description: "Live status of Acme's hosted services.",
		Location: paris, Target: 0.999, Weights: sla.DefaultWeights(), Groups: []status.Group{
			{ID: "apps", Name: "Applications", Components: []status.Component{
				{ID: "web", Name: "Web app", Monitors: []string{"web"}},
				{ID: "api", Name: "Public API", Monitors: []string{"api"}},
			}}}}
	pages := func() []*status.Page { return []*status.Page{e.page} }
	var svc *incident.Service
	st := status.NewService(status.Options{History: db.Store, Clock: e.clock, Monitors: func() []monitor.Snapshot { return snaps },
		Maintenances: db.Store, Pages: pages,
		Stated: func(ctx context.Context, page string) (map[string]sla.Level, error) {
			return svc.StatedLevels(ctx, page)
		}})
	svc = incident.NewService(incident.Options{Store: db.Store, Clock: e.clock, Logger: log, Pages: pages, SLA: st,
		Changed: st.Invalidate, BaseURL: func() string { return "https://status.acme.example" }})
	e.svc = svc
	var err error
	if e.auth, err = auth.NewService(auth.Options{Store: db.Store, Clock: e.clock, Hash: cheap}); err != nil {
		t.Fatal(err)
	}
	e.srv, err = web.New(web.Options{Auth: e.auth, Health: db.Store, Clock: e.clock, Logger: log, Status: st, StatusPages: pages,
		Maintenances: db.Store, Incidents: svc, Settings: func() web.Settings { return web.Settings{BaseURL: "https://status.acme.example"} }})
	if err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.ts.Close)
	return e
}

// secrets are written in every internal field; none may reach a public answer. (The
// logbook reaches one only through a post-mortem someone chose to publish.)
var secrets = []string{"NOTE-8c1e", "LEAD-8c1e", "COMMS-8c1e", "OWNER-8c1e", "LOGBOOK-8c1e", "DRAFT-8c1e", "REMIND-8c1e"}

// seed records three incidents: one resolved 40 days ago with a published post-mortem (and
// a later, unpublished draft), one resolved last week, and one open now with updates.
func (e *incidentEnv) seed() (past, recent, open *incident.Incident) {
	t := e.t
	t.Helper()
	ctx := context.Background()
	at := func(d time.Duration) { e.clock.Advance(d) }
	must := func(inc *incident.Incident, err error) *incident.Incident {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	ptr := func(s string) *string { return &s }
	start := e.clock.Now()
	// Incidents are written in time order: move the clock back, then forward.
	e.clock.Advance(-40 * 24 * time.Hour)
	past = must(e.svc.Open(ctx, incident.Draft{Title: "Public API unavailable", Severity: incident.SEV1, Page: "acme", By: "alice",
		Components: []incident.Affected{{Component: "api", Level: sla.MajorOutage}}, Lead: "LEAD-8c1e", Comms: "COMMS-8c1e",
		Message: "The public API does not answer. We are on it.", Logbook: incident.Logbook{WhatIsGoingOn: "The API pods were crash-looping.",
			HowUnderstood: "A bad configuration push.", WhatWasDone: "Rolled back.", Impacts: "All API calls failed for 35 minutes.",
			HowToAvoid: "Validate configuration before pushing."}}))
	must(e.svc.AddNote(ctx, past.ID, "NOTE-8c1e: kubectl rollout undo deploy/api", "alice"))
	must(e.svc.AddAction(ctx, past.ID, incident.ActionInput{Title: ptr("Validate config in CI"), Owner: ptr("OWNER-8c1e"), By: "alice"}))
	at(12 * time.Minute)
	must(e.svc.PostUpdate(ctx, past.ID, incident.Update{Body: "Cause identified: a configuration change. Rolling back.", Status: incident.Identified, By: "alice"}))
	at(23 * time.Minute)
	must(e.svc.Resolve(ctx, past.ID, "The API is back. We will publish a post-mortem.", "alice"))
	at(2 * time.Hour)
	if _, err := e.svc.PublishPostmortem(ctx, past.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	draft := must(e.svc.Get(ctx, past.ID)).Postmortem.Markdown + "\nDRAFT-8c1e not yet published.\n"
	must(e.svc.SavePostmortem(ctx, past.ID, draft, "alice"))

	e.clock.Advance(start.Sub(e.clock.Now()) - 6*24*time.Hour)
	recent = must(e.svc.Open(ctx, incident.Draft{Title: "Slow dashboards", Severity: incident.SEV3, Page: "acme", By: "bob",
		Components: []incident.Affected{{Component: "web", Level: sla.Degraded}}, Message: "Dashboards load slowly; we are looking.",
		Logbook: incident.Logbook{WhatIsGoingOn: "LOGBOOK-8c1e: the report cache was cold"}}))
	at(50 * time.Minute)
	must(e.svc.Resolve(ctx, recent.ID, "Dashboards are fast again.", "bob"))

	e.clock.Advance(start.Sub(e.clock.Now()) - 20*time.Minute)
	open = must(e.svc.Open(ctx, incident.Draft{Title: "Public API errors", Severity: incident.SEV2, Page: "acme", By: "carol",
		Components: []incident.Affected{{Component: "api", Level: sla.PartialOutage}}, Remind: nil, Lead: "LEAD-8c1e",
		Message: "Some API calls fail with 502. We are investigating.", StartedAt: e.clock.Now().Add(-5 * time.Minute)}))
	must(e.svc.AddNote(ctx, open.ID, "NOTE-8c1e: db-2 at 100% CPU", "carol"))
	at(10 * time.Minute)
	next, eta := e.clock.Now().Add(30*time.Minute), e.clock.Now().Add(90*time.Minute)
	open = must(e.svc.PostUpdate(ctx, open.ID, incident.Update{Body: "We found the cause: an overloaded database.\nA fix is being deployed.",
		Status: incident.Identified, NextUpdateAt: &next, ETA: &eta, By: "carol"}))
	e.clock.Advance(start.Sub(e.clock.Now()))
	return past, recent, open
}

// publicAnswers fetches everything a status page serves to anyone.
func (e *incidentEnv) publicAnswers(ids ...int64) map[string]string {
	out := map[string]string{}
	b := e.browser()
	paths := []string{"/status/acme", "/status/acme/api/v2/summary.json", "/status/acme/api/v2/incidents.json",
		"/status/acme/api/v2/incidents/unresolved.json", "/status/acme/api/v2/components.json", "/status/acme/api/v2/status.json",
		"/status/acme/feed.atom", "/status/acme/feed.rss"}
	for _, id := range ids {
		paths = append(paths, fmt.Sprintf("/status/acme/incidents/%d", id))
	}
	for _, p := range paths {
		r := b.get(p)
		if r.status != 200 {
			e.t.Fatalf("GET %s: %d %s", p, r.status, r.body)
		}
		out[p] = r.body
	}
	return out
}

// TestIncidentInternalsNeverPublic: notes, roles, owners, the logbook, reminders and an
// unpublished draft appear in no public page, JSON or feed; the public updates do.
func TestIncidentInternalsNeverPublic(t *testing.T) {
	e := newIncidentEnv(t)
	past, recent, open := e.seed()
	if _, err := e.svc.Edit(context.Background(), open.ID, incident.Changes{Comms: ptrTo("COMMS-8c1e"), By: "carol"}); err != nil {
		t.Fatal(err)
	}
	answers := e.publicAnswers(past.ID, recent.ID, open.ID)
	for path, body := range answers {
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s shows %q", path, s)
			}
		}
	}
	for path, want := range map[string]string{
		"/status/acme":                                    "A fix is being deployed.",
		"/status/acme/api/v2/summary.json":                "We found the cause: an overloaded database.",
		"/status/acme/api/v2/incidents.json":              "Validate configuration before pushing.",
		"/status/acme/feed.atom":                          "Dashboards are fast again.",
		"/status/acme/feed.rss":                           "Some API calls fail with 502.",
		fmt.Sprintf("/status/acme/incidents/%d", past.ID): "Validate configuration before pushing.",
	} {
		if !strings.Contains(answers[path], want) {
			t.Errorf("%s lacks %q: the leak check would see nothing", path, want)
		}
	}
	// The admin API does show them, to whoever holds a token.
	tok := e.token(auth.ScopeRead)
	if r := api(e.env, "GET", fmt.Sprintf("/api/v1/incidents/%d", open.ID), tok, nil); !strings.Contains(r.body, "NOTE-8c1e") {
		t.Fatalf("the admin API hides the note: %s", r.body)
	}
	if r := e.browser().get(fmt.Sprintf("/status/other/incidents/%d", open.ID)); r.status != 404 {
		t.Fatalf("an incident under another slug: %d", r.status)
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestStatusPageShowsIncidents(t *testing.T) {
	e := newIncidentEnv(t)
	past, _, open := e.seed()
	page := e.browser().get("/status/acme").body
	for _, want := range []string{
		`<link rel="alternate" type="application/atom+xml"`, `href="/status/acme/feed.rss"`,
		"Estimated resolution: <strong>Mon 23 Nov 16:20 CET</strong>", "Next update by Mon 23 Nov 15:20 CET",
		"Public API <span class=\"lvl part\">(partial outage)</span>", "Past incidents", "November 2026", "October 2026",
		"No incidents reported.", "Slow dashboards", "resolved after 50 min", `<span class="tag">post-mortem</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The monitors say down (major); the incident says partial: the worse wins.
	comps := e.browser().get("/status/acme/api/v2/components.json").body
	if !regexp.MustCompile(`"id": "acme.api",\s+"name": "Public API",\s+"status": "major_outage"`).MatchString(comps) {
		t.Fatalf("components.json: %s", comps)
	}
	if !regexp.MustCompile(`"id": "acme.web",\s+"name": "Web app",\s+"status": "operational"`).MatchString(comps) {
		t.Fatalf("components.json: %s", comps)
	}
	if _, err := e.svc.Edit(context.Background(), open.ID, incident.Changes{Components: &[]incident.Affected{
		{Component: "api", Level: sla.PartialOutage}, {Component: "web", Level: sla.Degraded}}, By: "carol"}); err != nil {
		t.Fatal(err)
	}
	comps = e.browser().get("/status/acme/api/v2/components.json").body
	if !regexp.MustCompile(`"id": "acme.web",\s+"name": "Web app",\s+"status": "degraded_performance"`).MatchString(comps) {
		t.Fatalf("the web component does not follow the incident's stated state: %s", comps)
	}
	inc := e.browser().get(fmt.Sprintf("/status/acme/incidents/%d", past.ID)).body
	for _, want := range []string{"<h2>Post-mortem: Public API unavailable</h2>", "<h3>Root cause</h3>", "Resolved", "lasted 35 min"} {
		if !strings.Contains(inc, want) {
			t.Errorf("the incident page lacks %q", want)
		}
	}
	if r := e.browser().get("/status/acme/incidents/999"); r.status != 404 {
		t.Fatalf("a missing incident: %d", r.status)
	}
	var feed struct {
		Channel struct {
			Items []struct {
				Title string `xml:"title"`
				GUID  string `xml:"guid"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	rss := e.browser().get("/status/acme/feed.rss")
	if err := xml.Unmarshal([]byte(rss.body), &feed); err != nil || len(feed.Channel.Items) != 3 || feed.Channel.Items[0].Title != "Public API errors" ||
		!strings.HasPrefix(rss.header.Get("Content-Type"), "application/rss+xml") {
		t.Fatalf("rss: %v %+v", err, feed)
	}
}

func TestIncidentAdminForms(t *testing.T) {
	e := newIncidentEnv(t)
	e.addUser("alice")
	b := e.browser()
	if r := b.login("alice", password, ""); r.status != 303 {
		t.Fatalf("login: %d", r.status)
	}
	tok := b.csrf("/incidents")
	// A bad form comes back with the error and the typed text, and opens nothing.
	r := b.post("/incidents", url.Values{"csrf": {tok}, "title": {"Checkout fails"}, "severity": {"SEV7"}, "page": {"acme"}})
	if r.status != 400 || !strings.Contains(r.body, "severity: want SEV1") || !strings.Contains(r.body, `value="Checkout fails"`) {
		t.Fatalf("bad open form: %d", r.status)
	}
	if list, _ := e.svc.List(context.Background(), incident.Filter{}); len(list) != 0 {
		t.Fatal("a bad form opened an incident")
	}
	r = b.post("/incidents", url.Values{"csrf": {tok}, "title": {"Checkout fails"}, "severity": {"SEV2"}, "page": {"acme"},
		"level.acme.api": {"major_outage"}, "level.acme.web": {""}, "message": {"Checkout fails for some customers."}, "next_update": {"30m"}})
	if r.status != 201 || !strings.Contains(r.body, "Incident 1 opened.") {
		t.Fatalf("open: %d %s", r.status, r.body)
	}
	inc, _ := e.svc.Get(context.Background(), 1)
	if len(inc.Components) != 1 || inc.Components[0].Level != sla.MajorOutage || inc.NextUpdateAt.IsZero() || len(inc.Updates()) != 1 {
		t.Fatalf("opened from the form: %+v", inc)
	}
	for _, step := range []struct {
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"/incidents/1/update", url.Values{"status": {"identified"}, "body": {"Payment provider timeouts."}, "next_update": {"1h"}, "eta": {"2h"},
			"level.acme.api": {"partial_outage"}}, 200, "Public update posted."},
		{"/incidents/1/update", url.Values{"status": {"fixed"}, "body": {"x"}}, 400, "status: want"},
		{"/incidents/1/note", url.Values{"body": {"Provider ticket #4411"}}, 200, "Note added."},
		{"/incidents/1/logbook", url.Values{"title": {"Checkout fails"}, "severity": {"SEV1"}, "lead": {"alice"}, "impacts": {"10% of orders failed."}}, 200, "Logbook saved."},
		{"/incidents/1/actions", url.Values{"title": {"Retry payments"}, "owner": {"bob"}, "due": {"2026-12-01"}}, 200, "Action item added."},
		{"/incidents/1/actions", url.Values{"title": {"x"}, "due": {"soon"}}, 400, "due: want a day"},
		{"/incidents/1/actions/1/done", url.Values{"done": {"true"}}, 200, "Action item updated."},
		{"/incidents/1/resolve", url.Values{"body": {"Payments work again."}}, 200, "Resolved."},
		{"/incidents/1/update", url.Values{"status": {"resolved"}, "body": {"more"}}, 409, "is resolved"},
	} {
		step.form.Set("csrf", tok)
		r := b.post(step.path, step.form)
		if r.status != step.status || !strings.Contains(r.body, step.want) {
			t.Errorf("POST %s: %d, want %d with %q", step.path, r.status, step.status, step.want)
		}
	}
	inc, _ = e.svc.Get(context.Background(), 1)
	if inc.Status != incident.Resolved || inc.Severity != incident.SEV1 || inc.Logbook.Impacts != "10% of orders failed." ||
		!inc.Actions[0].Done() || inc.Components[0].Level != sla.PartialOutage || len(inc.Notes()) != 1 {
		t.Fatalf("after the forms: %+v", inc)
	}
	if r := b.post("/incidents/1/note", url.Values{"csrf": {tok}, "body": {"Refunds sent after the fact."}}); r.status != 200 {
		t.Fatalf("a note on a resolved incident: %d", r.status)
	}
	page := b.get("/incidents/1").body
	for _, want := range []string{"Time to resolve", "Provider ticket #4411", "Refunds sent after the fact.", `<svg class="itl"`, "Retry payments", "post-mortem (none)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the incident page lacks %q", want)
		}
	}
	pm := b.get("/incidents/1/postmortem")
	if pm.status != 200 || !strings.Contains(pm.body, "# Post-mortem: Checkout fails") || !strings.Contains(pm.body, "<h2>Post-mortem: Checkout fails</h2>") {
		t.Fatalf("post-mortem page: %d", pm.status)
	}
	r = b.post("/incidents/1/postmortem", url.Values{"csrf": {tok}, "do": {"preview"}, "markdown": {"# Edited\n\n**bold**"}})
	if !strings.Contains(r.body, "<strong>bold</strong>") || !strings.Contains(r.body, "This text is not saved.") {
		t.Fatalf("preview: %d", r.status)
	}
	if inc, _ := e.svc.Get(context.Background(), 1); inc.Postmortem != nil {
		t.Fatal("a preview saved the post-mortem")
	}
	r = b.post("/incidents/1/postmortem", url.Values{"csrf": {tok}, "do": {"publish"}, "markdown": {"# Edited\n\nAll good."}})
	if r.status != 200 || !strings.Contains(r.body, "Published on the status page.") {
		t.Fatalf("publish: %d", r.status)
	}
	if p, _ := e.svc.PublicByID(context.Background(), "acme", 1); p.Postmortem == nil || p.Postmortem.Markdown != "# Edited\n\nAll good." {
		t.Fatalf("published: %+v", p.Postmortem)
	}
	r = b.post("/incidents/1/postmortem", url.Values{"csrf": {tok}, "do": {"save"}, "markdown": {" "}})
	if r.status != 400 || !strings.Contains(r.body, "the post-mortem is empty") {
		t.Fatalf("saving an empty post-mortem: %d", r.status)
	}
	if list := b.get("/incidents?state=resolved").body; !strings.Contains(list, "Checkout fails") || !strings.Contains(list, "SEV1") {
		t.Fatal("the resolved list lacks the incident")
	}
	if r := b.get("/incidents?state=closed"); r.status != 400 {
		t.Fatalf("a bad filter: %d", r.status)
	}
	// An internal incident with the form's defaults: no page, so no promise of an update.
	r = b.post("/incidents", url.Values{"csrf": {tok}, "title": {"Backup job slow"}, "severity": {"SEV4"}, "page": {""}, "next_update": {"30m"}})
	if inc, _ := e.svc.Get(context.Background(), 2); r.status != 201 || inc == nil || !inc.NextUpdateAt.IsZero() || inc.Page != "" {
		t.Fatalf("internal incident: %d %+v", r.status, inc)
	}
}

func TestIncidentTimelinePicture(t *testing.T) {
	e := newIncidentEnv(t)
	_, _, open := e.seed()
	if _, err := e.svc.Acknowledge(context.Background(), open.ID, "carol"); err != nil {
		t.Fatal(err)
	}
	e.addUser("alice")
	b := e.browser()
	b.login("alice", password, "")
	body := b.get(fmt.Sprintf("/incidents/%d", open.ID)).body
	svg := regexp.MustCompile(`(?s)<svg class="itl".*?</svg>`).FindString(body)
	var doc struct {
		Groups []struct {
			Text string `xml:"text"`
		} `xml:"g"`
		Paths []struct {
			Class string `xml:"class,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("the timeline is not well-formed: %v\n%s", err, svg)
	}
	var labels []string
	for _, g := range doc.Groups {
		labels = append(labels, g.Text)
	}
	if strings.Join(labels, " ") != "start detected acknowledged" || len(doc.Paths) != 2 {
		t.Fatalf("milestones %v, %d updates drawn:\n%s", labels, len(doc.Paths), svg)
	}
}

// TestIncidentsJSONShape checks every incident object of the public JSON against the shape
// of Statuspage's API v2 (keys, types, enums, times), which tools reading it expect.
func TestIncidentsJSONShape(t *testing.T) {
	e := newIncidentEnv(t)
	e.seed()
	isTime := func(v any) bool {
		s, ok := v.(string)
		_, err := time.Parse(time.RFC3339, s)
		return ok && err == nil
	}
	timeOrNull := func(v any) bool { return v == nil || isTime(v) }
	str := func(v any) bool { _, ok := v.(string); return ok }
	oneOf := func(set ...string) func(any) bool {
		return func(v any) bool { s, _ := v.(string); return slices.Contains(set, s) }
	}
	status := oneOf("investigating", "identified", "monitoring", "resolved", "postmortem")
	incidentKeys := map[string]func(any) bool{
		"id": str, "name": str, "status": status, "created_at": isTime, "updated_at": isTime, "monitoring_at": timeOrNull,
		"resolved_at": timeOrNull, "impact": oneOf("none", "minor", "major", "critical"), "shortlink": func(v any) bool {
			s, _ := v.(string)
			return strings.HasPrefix(s, "https://status.acme.example/status/acme/incidents/")
		},
		"started_at": isTime, "page_id": oneOf("acme"), "incident_updates": func(v any) bool { _, ok := v.([]any); return ok },
		"components": func(v any) bool { _, ok := v.([]any); return ok },
	}
	optional := map[string]func(any) bool{"eta": isTime, "next_update_at": isTime, "postmortem_body": str, "postmortem_published_at": isTime}
	updateKeys := map[string]func(any) bool{"id": str, "status": status, "body": str, "incident_id": str, "created_at": isTime,
		"updated_at": isTime, "display_at": isTime, "affected_components": func(v any) bool { _, ok := v.([]any); return ok }}
	check := func(where string, obj map[string]any, keys, opt map[string]func(any) bool) {
		t.Helper()
		for k, ok := range keys {
			if v, present := obj[k]; !present || !ok(v) {
				t.Errorf("%s: %s = %#v", where, k, v)
			}
		}
		for k, v := range obj {
			if keys[k] == nil && (opt[k] == nil || !opt[k](v)) {
				t.Errorf("%s: unexpected %s = %#v", where, k, v)
			}
		}
	}
	counts := map[string]int{}
	for _, path := range []string{"/status/acme/api/v2/incidents.json", "/status/acme/api/v2/incidents/unresolved.json", "/status/acme/api/v2/summary.json"} {
		r := e.browser().get(path)
		var doc struct {
			Incidents []map[string]any `json:"incidents"`
		}
		if err := json.Unmarshal([]byte(r.body), &doc); err != nil || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %v %q", path, err, r.header.Get("Content-Type"))
		}
		counts[path] = len(doc.Incidents)
		for i, inc := range doc.Incidents {
			where := fmt.Sprintf("%s incidents[%d]", path, i)
			check(where, inc, incidentKeys, optional)
			for j, u := range inc["incident_updates"].([]any) {
				check(fmt.Sprintf("%s.incident_updates[%d]", where, j), u.(map[string]any), updateKeys, nil)
			}
		}
	}
	if counts["/status/acme/api/v2/incidents.json"] != 3 || counts["/status/acme/api/v2/incidents/unresolved.json"] != 1 ||
		counts["/status/acme/api/v2/summary.json"] != 1 {
		t.Fatalf("incident counts: %v", counts)
	}
}
