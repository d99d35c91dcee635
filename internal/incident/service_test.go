package incident_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vigie/internal/alert"
	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/incident"
	"vigie/internal/monitor"
	"vigie/internal/notify"
	"vigie/internal/notify/webhook"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store/storetest"
)

var ctx = context.Background()

type announced struct {
	page       string
	components []string
	a          incident.Announcement
}

type env struct {
	t         *testing.T
	svc       *incident.Service
	db        storetest.DB
	clock     *clock.Fake
	mu        sync.Mutex
	announced []announced
	changes   atomic.Int32
}

func (e *env) Announce(_ context.Context, page string, components []string, a incident.Announcement) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.announced = append(e.announced, announced{page, components, a})
	return nil
}

func (e *env) announcements() []announced {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.announced)
}

var paris, _ = time.LoadLocation("Europe/Paris")

func acme() *status.Page {
	return &status.Page{Slug: "acme", Title: "Acme status", Location: paris, Target: 0.999, Weights: sla.DefaultWeights(),
		Groups: []status.Group{{ID: "platform", Name: "Platform", Components: []status.Component{
			{ID: "api", Name: "Public API", Monitors: []string{"api-http", "api-tcp"}},
			{ID: "web", Name: "Web app", Monitors: []string{"web-http"}},
		}}}}
}

// newEnv builds a service on a real SQLite store, with a fake clock and the acme page.
// Receivers are "ops" and "pager"; the on-call schedule "primary" has "pager" on duty.
func newEnv(t *testing.T, configure func(o *incident.Options)) *env {
	e := &env{t: t, db: storetest.OpenSQLite(t), clock: clock.NewFake(time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC))}
	o := incident.Options{Store: e.db.Store, Clock: e.clock, Pages: func() []*status.Page { return []*status.Page{acme()} },
		Announcer: e, Changed: func() { e.changes.Add(1) }, BaseURL: func() string { return "https://vigie.example" },
		Targets: func(name string, _ time.Time) []string {
			switch name {
			case "ops", "pager":
				return []string{name}
			case "primary":
				return []string{"pager"}
			}
			return nil
		}}
	if configure != nil {
		configure(&o)
	}
	e.svc = incident.NewService(o)
	return e
}

func (e *env) open(d incident.Draft) *incident.Incident {
	e.t.Helper()
	inc, err := e.svc.Open(ctx, d)
	if err != nil {
		e.t.Fatal(err)
	}
	return inc
}

func ptr[T any](v T) *T { return &v }

func TestOpenChecksEverythingAndChangesNothing(t *testing.T) {
	e := newEnv(t, nil)
	now := e.clock.Now()
	good := incident.Draft{Title: "API errors", Severity: incident.SEV2, Page: "acme", By: "alice",
		Components: []incident.Affected{{Component: "api", Level: sla.MajorOutage}}}
	for want, change := range map[string]func(d *incident.Draft){
		"title: say":                       func(d *incident.Draft) { d.Title = "  " },
		"title: one line":                  func(d *incident.Draft) { d.Title = "a\nb" },
		"severity: want SEV1":              func(d *incident.Draft) { d.Severity = "SEV5" },
		`page: no status page "acm"`:       func(d *incident.Draft) { d.Page = "acm" },
		`has no component "dbs"`:           func(d *incident.Draft) { d.Components = []incident.Affected{{Component: "dbs"}} },
		`"api" is named twice`:             func(d *incident.Draft) { d.Components = append(d.Components, d.Components[0]) },
		"components: name the status page": func(d *incident.Draft) { d.Page = "" },
		`remind: no receiver`:              func(d *incident.Draft) { d.Remind = []string{"nobody"} },
		"started_at: the impact cannot":    func(d *incident.Draft) { d.StartedAt = now.Add(time.Minute) },
		"next_update_at: give a time":      func(d *incident.Draft) { d.NextUpdateAt = now.Add(-time.Minute) },
		"eta: give a time":                 func(d *incident.Draft) { d.ETA = now },
		"lead: one name":                   func(d *incident.Draft) { d.Lead = "a\nb" },
	} {
		d := good
		change(&d)
		_, err := e.svc.Open(ctx, d)
		if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.MessageOf(err), want) {
			t.Errorf("want an invalid error about %q, got %v", want, err)
		}
	}
	if list, _ := e.svc.List(ctx, incident.Filter{}); len(list) != 0 || e.changes.Load() != 0 || len(e.announcements()) != 0 {
		t.Fatalf("bad drafts left %d incidents, %d changes, %d announcements", len(list), e.changes.Load(), len(e.announcements()))
	}

	good.Message, good.StartedAt = "We are looking into errors on the API.", now.Add(-10*time.Minute)
	inc := e.open(good)
	if !inc.AcknowledgedAt.Equal(now) || !inc.DetectedAt.Equal(now) || inc.Status != incident.Investigating {
		t.Fatalf("opened by hand: %+v", inc)
	}
	if d, ok := inc.TimeToDetect(); !ok || d != 10*time.Minute {
		t.Fatalf("time to detect %v %v", d, ok)
	}
	kinds := []incident.EntryKind{}
	for _, en := range inc.Entries {
		kinds = append(kinds, en.Kind)
	}
	if !slices.Equal(kinds, []incident.EntryKind{incident.EntryOpened, incident.EntryAcknowledged, incident.EntryUpdate}) {
		t.Fatalf("timeline %v", kinds)
	}
	as := e.announcements()
	if len(as) != 1 || as[0].page != "acme" || !slices.Equal(as[0].components, []string{"api"}) ||
		as[0].a.URL != "https://vigie.example/status/acme/incidents/1" || as[0].a.Body != good.Message {
		t.Fatalf("announcements %+v", as)
	}
}

func TestUpdatesNotesEditsAndResolution(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.open(incident.Draft{Title: "API errors", Severity: incident.SEV3, Page: "acme", By: "alice",
		Components: []incident.Affected{{Component: "api", Level: sla.PartialOutage}}})
	e.clock.Advance(5 * time.Minute)
	next := e.clock.Now().Add(30 * time.Minute)
	inc, err := e.svc.PostUpdate(ctx, inc.ID, incident.Update{Body: "Cause found: a full disk.", Status: incident.Identified,
		NextUpdateAt: &next, ETA: ptr(e.clock.Now().Add(time.Hour)), By: "bob",
		Components: &[]incident.Affected{{Component: "api", Level: sla.MajorOutage}}})
	if err != nil || inc.Status != incident.Identified || !inc.NextUpdateAt.Equal(next) {
		t.Fatalf("update: %v %+v", err, inc)
	}
	if _, err := e.svc.AddNote(ctx, inc.ID, "disk /var at 100%, SECRET-NOTE", "bob"); err != nil {
		t.Fatal(err)
	}
	if n := len(e.announcements()); n != 1 {
		t.Fatalf("%d announcements after an update and a note, want 1 (notes are internal)", n)
	}
	levels, err := e.svc.StatedLevels(ctx, "acme")
	if err != nil || levels["api"] != sla.MajorOutage || len(levels) != 1 {
		t.Fatalf("stated levels %v %v", levels, err)
	}

	// Bad edits change nothing.
	before, _ := e.svc.Get(ctx, inc.ID)
	for want, c := range map[string]incident.Changes{
		"severity":                {Severity: ptr(incident.Severity("urgent"))},
		"no component":            {Components: &[]incident.Affected{{Component: "mail", Level: sla.Degraded}}},
		"status: want":            {Status: ptr(incident.Status("done"))},
		"next_update_at: give a ": {NextUpdateAt: ptr(e.clock.Now().Add(-time.Hour))},
	} {
		if _, err := e.svc.Edit(ctx, inc.ID, c); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.MessageOf(err), want) {
			t.Errorf("edit about %q: %v", want, err)
		}
	}
	if after, _ := e.svc.Get(ctx, inc.ID); after.Version != before.Version {
		t.Fatalf("bad edits saved the incident (version %d → %d)", before.Version, after.Version)
	}
	inc, err = e.svc.Edit(ctx, inc.ID, incident.Changes{Severity: ptr(incident.SEV1), Lead: ptr("carol"),
		Logbook: incident.LogbookChanges{HowUnderstood: ptr("Logs were never rotated.")}, By: "alice"})
	if err != nil || inc.Severity != incident.SEV1 || inc.Logbook.HowUnderstood != "Logs were never rotated." {
		t.Fatalf("edit: %v %+v", err, inc)
	}
	last := inc.Entries[len(inc.Entries)-1]
	if last.Kind != incident.EntryChange || !strings.Contains(last.Body, "severity SEV3 → SEV1") || !strings.Contains(last.Body, "lead") {
		t.Fatalf("the edit's timeline entry: %+v", last)
	}
	if _, err := e.svc.Edit(ctx, inc.ID, incident.Changes{Lead: ptr("carol")}); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.svc.Get(ctx, inc.ID); len(again.Entries) != len(inc.Entries) {
		t.Fatal("an edit that changes nothing wrote on the timeline")
	}

	e.clock.Advance(40 * time.Minute)
	inc, err = e.svc.Resolve(ctx, inc.ID, "Disk cleaned, logs rotate again.", "bob")
	if err != nil || inc.Status != incident.Resolved || !inc.ResolvedAt.Equal(e.clock.Now()) || !inc.NextUpdateAt.IsZero() {
		t.Fatalf("resolve: %v %+v", err, inc)
	}
	if d, ok := inc.TimeToResolve(); !ok || d != 45*time.Minute {
		t.Fatalf("time to resolve %v", d)
	}
	if _, err := e.svc.PostUpdate(ctx, inc.ID, incident.Update{Body: "more", By: "bob"}); !errs.Is(err, errs.Conflict) {
		t.Fatalf("update after resolution: %v", err)
	}
	if _, err := e.svc.Resolve(ctx, inc.ID, "", "bob"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("resolving twice: %v", err)
	}
	if levels, _ := e.svc.StatedLevels(ctx, "acme"); len(levels) != 0 {
		t.Fatalf("a resolved incident still states %v", levels)
	}
	pub, err := e.svc.PublicByID(ctx, "acme", inc.ID)
	if err != nil || len(pub.Updates) != 2 || pub.Updates[0].Status != incident.Resolved {
		t.Fatalf("public: %v %+v", err, pub)
	}
	if _, err := e.svc.PublicByID(ctx, "other", inc.ID); !errs.Is(err, errs.NotFound) {
		t.Fatalf("another page's incident: %v", err)
	}

	// Action items.
	inc, err = e.svc.AddAction(ctx, inc.ID, incident.ActionInput{Title: ptr("Rotate logs daily"), Owner: ptr("dave"),
		Due: ptr(time.Date(2026, 12, 1, 15, 0, 0, 0, paris)), By: "alice"})
	if err != nil || len(inc.Actions) != 1 || !inc.Actions[0].Due.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("add action: %v %+v", err, inc.Actions)
	}
	if _, err := e.svc.AddAction(ctx, inc.ID, incident.ActionInput{Title: ptr(" ")}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("action without a title: %v", err)
	}
	inc, err = e.svc.EditAction(ctx, inc.ID, inc.Actions[0].ID, incident.ActionInput{Done: ptr(true), By: "dave"})
	if err != nil || !inc.Actions[0].Done() {
		t.Fatalf("done: %v %+v", err, inc.Actions)
	}
	if _, err := e.svc.EditAction(ctx, inc.ID, 999, incident.ActionInput{Done: ptr(true)}); !errs.Is(err, errs.NotFound) {
		t.Fatalf("missing action: %v", err)
	}
}

func firing(id int64, monitor string, at time.Time) alert.Alert {
	return alert.Alert{ID: id, Monitor: monitor, Kind: "down", Reason: "status == 200 (got 502)", StartedAt: at, NotifiedAt: at.Add(30 * time.Second)}
}

func TestAlertsOpenJoinAndFollowAnIncident(t *testing.T) {
	e := newEnv(t, func(o *incident.Options) {
		o.ImpactStart = func(_ context.Context, monitor string, detected time.Time) time.Time {
			return detected.Add(-90 * time.Second) // the first failing check
		}
	})
	rule := &incident.Rule{Page: "acme", Severity: incident.SEV2, NextUpdate: 30 * time.Minute, Remind: []string{"ops"}}
	t0 := e.clock.Now()
	for _, a := range []struct {
		a    alert.Alert
		rule *incident.Rule
	}{
		{alert.Alert{ID: 90, Monitor: "api-http", Kind: alert.KindCert, StartedAt: t0}, rule}, // nothing broken yet
		{firing(91, "db", t0), nil}, // a route without a rule
	} {
		if err := e.svc.AlertChanged(ctx, a.a, a.rule); err != nil {
			t.Fatal(err)
		}
	}
	if list, _ := e.svc.List(ctx, incident.Filter{}); len(list) != 0 {
		t.Fatalf("a certificate alert or a route without a rule opened %+v", list)
	}

	a1 := firing(1, "api-http", t0)
	e.clock.Advance(30 * time.Second)
	for range 2 { // told twice, it opens once
		if err := e.svc.AlertChanged(ctx, a1, rule); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := e.svc.List(ctx, incident.Filter{})
	if len(list) != 1 {
		t.Fatalf("%d incidents", len(list))
	}
	inc := list[0]
	if inc.Title != "Public API: major outage" || inc.Severity != incident.SEV2 || inc.Page != "acme" ||
		!slices.Equal(inc.ComponentIDs(), []string{"api"}) || !inc.NextUpdateAt.Equal(e.clock.Now().Add(30*time.Minute)) ||
		!slices.Equal(inc.Remind, []string{"ops"}) || !inc.AcknowledgedAt.IsZero() {
		t.Fatalf("opened from the alert: %+v", inc)
	}
	if d, _ := inc.TimeToDetect(); d != 90*time.Second {
		t.Fatalf("time to detect %v, want the 90 s before the alert", d)
	}
	if as := e.announcements(); len(as) != 1 || strings.Contains(as[0].a.Body, "api-http") {
		t.Fatalf("the first public update: %+v", as)
	}

	// A second monitor behind the same component joins the incident.
	a2 := firing(2, "api-tcp", t0.Add(time.Minute))
	if err := e.svc.AlertChanged(ctx, a2, rule); err != nil {
		t.Fatal(err)
	}
	// One on another component opens its own.
	if err := e.svc.AlertChanged(ctx, firing(3, "web-http", t0.Add(time.Minute)), rule); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.svc.List(ctx, incident.Filter{}); len(list) != 2 || len(list[1].Alerts) != 2 {
		t.Fatalf("joining: %+v", list)
	}

	a1.AckedAt, a1.AckedBy = t0.Add(4*time.Minute), "alice"
	if err := e.svc.AlertChanged(ctx, a1, rule); err != nil {
		t.Fatal(err)
	}
	a1.ResolvedAt = t0.Add(20 * time.Minute)
	if err := e.svc.AlertChanged(ctx, a1, rule); err != nil {
		t.Fatal(err)
	}
	inc1, _ := e.svc.Get(ctx, inc.ID)
	if !inc1.AcknowledgedAt.Equal(a1.AckedAt) || !inc1.MitigatedAt.IsZero() {
		t.Fatalf("after the first alert's ack and recovery: ack %v, mitigated %v (api-tcp still fails)", inc1.AcknowledgedAt, inc1.MitigatedAt)
	}
	a2.ResolvedAt = t0.Add(25 * time.Minute)
	if err := e.svc.AlertChanged(ctx, a2, rule); err != nil {
		t.Fatal(err)
	}
	inc1, _ = e.svc.Get(ctx, inc.ID)
	if !inc1.MitigatedAt.Equal(a2.ResolvedAt) || inc1.Status != incident.Investigating {
		t.Fatalf("every alert up: mitigated %v, status %s (people resolve)", inc1.MitigatedAt, inc1.Status)
	}
	if d, _ := inc1.TimeToAcknowledge(); d != 4*time.Minute {
		t.Fatalf("time to acknowledge %v", d)
	}
	var kinds []incident.EntryKind
	for _, en := range inc1.Entries {
		kinds = append(kinds, en.Kind)
	}
	want := []incident.EntryKind{incident.EntryAlertFired, incident.EntryOpened, incident.EntryUpdate, incident.EntryAlertFired,
		incident.EntryAlertAcked, incident.EntryAcknowledged, incident.EntryAlertUp, incident.EntryAlertUp, incident.EntryMitigated}
	if !slices.Equal(kinds, want) {
		t.Fatalf("timeline\n got %v\nwant %v", kinds, want)
	}
	for i := 1; i < len(inc1.Entries); i++ {
		if inc1.Entries[i].At.Before(inc1.Entries[i-1].At) {
			t.Fatalf("timeline out of order at %d: %+v", i, inc1.Entries)
		}
	}
}

// TestRemindersGoThroughTheOutbox: a promised public update that does not come reminds,
// once per promise, through the durable outbox to a real webhook; the clock is moved.
func TestRemindersGoThroughTheOutbox(t *testing.T) {
	var mu sync.Mutex
	var got []notify.Message
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m notify.Message
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer hook.Close()
	received := func() []notify.Message {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
	var outbox *notify.Dispatcher
	e := newEnv(t, func(o *incident.Options) {
		ops, err := webhook.New(webhook.Options{URL: hook.URL + "/ops"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		pager, _ := webhook.New(webhook.Options{URL: hook.URL + "/pager"}, nil)
		outbox = notify.NewDispatcher(notify.Options{Store: o.Store.(notify.Store), Clock: o.Clock,
			Receivers: func() map[string]notify.Notifier { return map[string]notify.Notifier{"ops": ops, "pager": pager} }})
		o.Outbox = outbox
	})
	deliver := func() {
		t.Helper()
		if _, err := outbox.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	inc := e.open(incident.Draft{Title: "Slow checkout", Severity: incident.SEV3, Page: "acme", Remind: []string{"ops"}, By: "alice",
		Message: "Checkout is slow; we are on it.", NextUpdateAt: e.clock.Now().Add(30 * time.Minute)})
	e.clock.Advance(29 * time.Minute)
	if err := e.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	deliver()
	if n := len(received()); n != 0 {
		t.Fatalf("%d reminders before the promised time", n)
	}
	e.clock.Advance(2 * time.Minute)
	for range 3 { // once per promise, however many rounds see it late
		if err := e.svc.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deliver()
	ms := received()
	if len(ms) != 1 || ms[0].Kind != notify.KindUpdateDue || !strings.HasPrefix(ms[0].Title, "[UPDATE DUE] Incident 1: Slow checkout") ||
		!strings.Contains(ms[0].Text, "https://vigie.example/incidents/1") || !strings.Contains(ms[0].Text, "1 min late") {
		t.Fatalf("reminders %+v", ms)
	}
	inc, _ = e.svc.Get(ctx, inc.ID)
	if last := inc.Entries[len(inc.Entries)-1]; last.Kind != incident.EntryReminder || !strings.Contains(last.Body, "reminded ops") {
		t.Fatalf("timeline: %+v", last)
	}

	// An update keeps the promise and makes a new one; the lead on call is reminded of that one.
	next := e.clock.Now().Add(15 * time.Minute)
	if _, err := e.svc.PostUpdate(ctx, inc.ID, incident.Update{Body: "Still on it.", NextUpdateAt: &next, By: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Edit(ctx, inc.ID, incident.Changes{Lead: ptr("primary"), By: "alice"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(16 * time.Minute)
	if err := e.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	deliver()
	if ms := received(); len(ms) != 2 || ms[1].Key == ms[0].Key {
		t.Fatalf("second reminder: %+v", ms)
	}
	inc, _ = e.svc.Get(ctx, inc.ID)
	if last := inc.Entries[len(inc.Entries)-1]; !strings.Contains(last.Body, "reminded the lead, primary") {
		t.Fatalf("timeline: %+v", last)
	}

	// With nobody to remind, the timeline says so; a resolved incident reminds no more.
	nobody := e.open(incident.Draft{Title: "Mail delays", Severity: incident.SEV4, By: "bob", NextUpdateAt: e.clock.Now().Add(10 * time.Minute)})
	if _, err := e.svc.Resolve(ctx, inc.ID, "", "alice"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if err := e.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	deliver()
	if n := len(received()); n != 2 {
		t.Fatalf("%d reminders, want still 2", n)
	}
	nobody, _ = e.svc.Get(ctx, nobody.ID)
	if last := nobody.Entries[len(nobody.Entries)-1]; last.Kind != incident.EntryReminder || !strings.Contains(last.Body, "nobody could be reminded") {
		t.Fatalf("timeline: %+v", last)
	}
}

func TestPostmortemDraftEditAndPublish(t *testing.T) {
	var e *env
	e = newEnv(t, func(o *incident.Options) {
		snaps := []monitor.Snapshot{{Definition: &monitor.Definition{Name: "api-http"}}, {Definition: &monitor.Definition{Name: "api-tcp"}},
			{Definition: &monitor.Definition{Name: "web-http"}}}
		o.SLA = status.NewService(status.Options{History: o.Store.(status.History), Clock: o.Clock,
			Monitors: func() []monitor.Snapshot { return snaps }})
	})
	t0 := e.clock.Now()
	for _, ev := range []monitor.Event{
		{Monitor: "api-http", At: t0.Add(-24 * time.Hour), State: monitor.StateUp},
		{Monitor: "api-http", At: t0, State: monitor.StateDown},
		{Monitor: "api-http", At: t0.Add(12*time.Minute + 30*time.Second), State: monitor.StateUp},
	} {
		if err := e.db.Store.InsertEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	inc := e.open(incident.Draft{Title: "API down", Severity: incident.SEV1, Page: "acme", By: "alice", StartedAt: t0,
		Components: []incident.Affected{{Component: "api", Level: sla.MajorOutage}}})
	if _, err := e.svc.AddNote(ctx, inc.ID, "SECRET-NOTE", "alice"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(20 * time.Minute)
	if _, err := e.svc.PublishPostmortem(ctx, inc.ID, "alice"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("publishing before resolution: %v", err)
	}
	if _, err := e.svc.Resolve(ctx, inc.ID, "Back to normal.", "alice"); err != nil {
		t.Fatal(err)
	}
	_, pm, generated, err := e.svc.Postmortem(ctx, inc.ID)
	if err != nil || !generated {
		t.Fatalf("draft: %v generated=%v", err, generated)
	}
	// 12.5 min of the API down, in a 30-day month at 99.9% (43.2 min).
	if !strings.Contains(pm.Markdown, "Public API lost 12.5 min, 29% of its 43.2 min budget for November 2026") || strings.Contains(pm.Markdown, "SECRET") {
		t.Fatalf("generated draft:\n%s", pm.Markdown)
	}
	if again, _ := e.svc.Get(ctx, inc.ID); again.Postmortem != nil {
		t.Fatal("reading the draft stored it")
	}
	if _, err := e.svc.SavePostmortem(ctx, inc.ID, "  \n", "alice"); !errs.Is(err, errs.Invalid) {
		t.Fatalf("saving an empty post-mortem: %v", err)
	}
	edited := pm.Markdown + "\nEdited by hand.\n"
	if _, err := e.svc.SavePostmortem(ctx, inc.ID, edited, "alice"); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.svc.PublicByID(ctx, "acme", inc.ID); p.Postmortem != nil {
		t.Fatal("a saved draft is public before it is published")
	}
	if _, err := e.svc.PublishPostmortem(ctx, inc.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SavePostmortem(ctx, inc.ID, edited+"A later edit.\n", "alice"); err != nil {
		t.Fatal(err)
	}
	p, _ := e.svc.PublicByID(ctx, "acme", inc.ID)
	if p.Postmortem == nil || p.Postmortem.Markdown != edited {
		t.Fatalf("published: %+v", p.Postmortem)
	}
	if _, err := e.svc.PublishPostmortem(ctx, inc.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.svc.PublicByID(ctx, "acme", inc.ID); !strings.HasSuffix(p.Postmortem.Markdown, "A later edit.\n") {
		t.Fatalf("published again: %q", p.Postmortem.Markdown)
	}
}

// TestConcurrentEditsAllLand: notes written at once from many goroutines all land; a save
// from a stale read is retried, never lost.
func TestConcurrentEditsAllLand(t *testing.T) {
	e := newEnv(t, nil)
	inc := e.open(incident.Draft{Title: "Busy", Severity: incident.SEV4, By: "alice"})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 8 {
				if _, err := e.svc.AddNote(ctx, inc.ID, strings.Repeat("x", w+i+1), "bot"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, _ := e.svc.Get(ctx, inc.ID)
	if n := len(got.Notes()); n != 32 {
		t.Fatalf("%d notes, want 32", n)
	}
}
