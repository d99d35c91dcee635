package web_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigie/internal/auth"
	"vigie/internal/clock"
	"vigie/internal/monitor"
	"vigie/internal/notify"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store"
	"vigie/internal/store/storetest"
	"vigie/internal/subscriber"
	"vigie/internal/testutil"
	"vigie/internal/web"
)

// tellEnv is a server with a status page, maintenances and subscribers, on a stopped clock.
type tellEnv struct {
	*env
	page *status.Page
	subs *subscriber.Service
}

func newTellEnv(t *testing.T) *tellEnv {
	t.Helper()
	db := storetest.OpenSQLite(t)
	loc, _ := time.LoadLocation("Europe/Paris")
	e := &tellEnv{env: &env{t: t, clock: clock.NewFake(time.Date(2026, 11, 23, 9, 0, 0, 0, loc)), logs: &testutil.LogBuffer{}, store: db.Store}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.page = &status.Page{Slug: "acme", Title: "Acme Cloud status", Description: "Live status of Acme's hosted services.", Location: loc,
		Target: 0.999, Weights: sla.DefaultWeights(), NoticeBefore: 24 * time.Hour, EmailSubscribers: true, Groups: []status.Group{
			{ID: "apps", Name: "Applications", Components: []status.Component{
				{ID: "web-app", Name: "Web app", Monitors: []string{"web"}}, {ID: "public-api", Name: "Public API", Monitors: []string{"api"}}}},
			{ID: "infra", Name: "Infrastructure", Components: []status.Component{{ID: "databases", Name: "Databases", Monitors: []string{"db"}}}},
		}}
	pages := func() []*status.Page { return []*status.Page{e.page} }
	bg := context.Background()
	for _, m := range []string{"web", "api", "db"} {
		if err := db.Store.InsertEvent(bg, monitor.Event{Monitor: m, At: e.clock.Now().AddDate(0, 0, -40), State: monitor.StateUp}); err != nil {
			t.Fatal(err)
		}
	}
	snaps := []monitor.Snapshot{{Definition: &monitor.Definition{Name: "web"}, State: monitor.StateUp},
		{Definition: &monitor.Definition{Name: "api"}, State: monitor.StateUp}, {Definition: &monitor.Definition{Name: "db"}, State: monitor.StateUp}}
	svc := status.NewService(status.Options{History: db.Store, Clock: e.clock, Monitors: func() []monitor.Snapshot { return snaps },
		Maintenances: db.Store, Pages: pages})
	var err error
	e.auth, err = auth.NewService(auth.Options{Store: db.Store, Clock: e.clock, Logger: log, Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	var base string
	e.subs = subscriber.NewService(subscriber.Options{Store: db.Store, Maintenances: db.Store, Pages: pages, Clock: e.clock, Logger: log,
		Outbox: notify.NewDispatcher(notify.Options{Store: db.Store, Clock: e.clock}), BaseURL: func() string { return base }})
	e.srv, err = web.New(web.Options{Auth: e.auth, Health: db.Store, Logger: log, Clock: e.clock, StartedAt: e.clock.Now(),
		Notifications: db.Store, Status: svc, StatusPages: pages, Maintenances: db.Store, Subscribers: e.subs})
	if err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewServer(e.srv.Handler())
	base = e.ts.URL
	t.Cleanup(e.ts.Close)
	return e
}

// lastNotice is the newest subscriber message in the outbox.
func (e *tellEnv) lastNotice() notify.Message {
	e.t.Helper()
	ns, err := e.store.ListNotifications(context.Background(), "", 1)
	if err != nil || len(ns) == 0 {
		e.t.Fatalf("outbox: %v, %d", err, len(ns))
	}
	return ns[0].Message
}

func subscriberCount(t *testing.T, s *store.Store) int {
	t.Helper()
	subs, err := s.Subscribers(context.Background(), subscriber.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return len(subs)
}

// The schedule form reads its start in the page's zone, refuses bad input with the reason
// and stores nothing then; updates and cancellation work from the page of one maintenance.
func TestMaintenanceForms(t *testing.T) {
	e := newTellEnv(t)
	e.addUser("alice")
	b := e.browser()
	if r := b.login("alice", password, ""); r.status != 303 {
		t.Fatalf("login: %d", r.status)
	}
	page := b.get("/maintenances")
	if page.status != 200 || !strings.Contains(page.body, `name="start"`) || !strings.Contains(page.body, "Start (Europe/Paris)") {
		t.Fatalf("/maintenances: %d\n%s", page.status, page.body)
	}
	tok := b.csrf("/maintenances")
	good := url.Values{"csrf": {tok}, "page": {"acme"}, "title": {"Database upgrade"}, "component": {"databases"},
		"start": {"2026-11-25T23:30"}, "duration": {"2h"}, "body": {"PostgreSQL 17."}}
	for field, bad := range map[string]struct{ value, want string }{
		"title":     {" ", "title: say what the work is"},
		"component": {"dns", `has no component &#34;dns&#34;`},
		"start":     {"tomorrow", "start: give a date and time"},
		"duration":  {"9d", "duration: want a positive duration"},
	} {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		form.Set(field, bad.value)
		if r := b.post("/maintenances", form); r.status != 400 || !strings.Contains(r.body, bad.want) || !strings.Contains(r.body, `value="Database upgrade"`) && field != "title" {
			t.Errorf("%s=%q: %d, want 400 about %q with the form kept\n%s", field, bad.value, r.status, bad.want, r.body)
		}
	}
	if ms, _ := e.store.Maintenances(context.Background()); len(ms) != 0 {
		t.Fatalf("bad forms stored %d maintenances", len(ms))
	}
	r := b.post("/maintenances", good)
	if r.status != 303 || r.header.Get("Location") != "/maintenances/1" {
		t.Fatalf("schedule: %d %v\n%s", r.status, r.header, r.body)
	}
	m, err := e.store.MaintenanceByID(context.Background(), 1)
	if err != nil || !m.StartsAt.Equal(time.Date(2026, 11, 25, 22, 30, 0, 0, time.UTC)) || m.EndsAt.Sub(m.StartsAt) != 2*time.Hour || m.CreatedBy != "alice" {
		t.Fatalf("stored %+v, %v; want 23:30 Paris time, two hours", m, err)
	}
	detail := b.get("/maintenances/1")
	if !strings.Contains(detail.body, "Wed 25 Nov 2026 23:30 CET – Thu 26 Nov 2026 01:30 CET (Europe/Paris), 2 h") {
		t.Fatalf("detail page lacks the window in the page's zone:\n%s", detail.body)
	}
	if r := b.post("/maintenances/1/updates", url.Values{"csrf": {tok}, "body": {"Backup taken first."}}); r.status != 200 || !strings.Contains(r.body, "Backup taken first.") {
		t.Fatalf("update: %d", r.status)
	}
	if r := b.post("/maintenances/1/cancel", url.Values{"csrf": {tok}}); r.status != 200 || !strings.Contains(r.body, "cancelled") {
		t.Fatalf("cancel: %d", r.status)
	}
	if r := b.post("/maintenances/1/cancel", url.Values{"csrf": {tok}}); r.status != 409 {
		t.Fatalf("cancel twice: %d", r.status)
	}
	if r := b.post("/maintenances", url.Values{"title": {"x"}}); r.status != 403 {
		t.Fatalf("a form without its CSRF token: %d", r.status)
	}
}

func TestSubscribersAdminPage(t *testing.T) {
	e := newTellEnv(t)
	e.addUser("alice")
	ctx := context.Background()
	for _, a := range []string{"ann@example.net", "bert@example.org"} {
		if err := e.subs.Subscribe(ctx, e.page, a, nil, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	}
	b := e.browser()
	b.login("alice", password, "")
	r := b.get("/subscribers?q=EXAMPLE.NET")
	if r.status != 200 || !strings.Contains(r.body, "ann@example.net") || strings.Contains(r.body, "bert@") || !strings.Contains(r.body, "waiting") {
		t.Fatalf("search: %d\n%s", r.status, r.body)
	}
	tok := b.csrf("/subscribers")
	r = b.post("/subscribers", url.Values{"csrf": {tok}, "page": {"acme"}, "url": {"https://hooks.example.com/status?key=k"}, "component": {"databases"}})
	if r.status != 201 || !strings.Contains(r.body, `<pre class="secret"><code>`) || strings.Contains(r.body, "key=k") {
		t.Fatalf("add a webhook: %d\n%s", r.status, r.body)
	}
	if r := b.post("/subscribers", url.Values{"csrf": {tok}, "page": {"acme"}, "url": {"not a url"}}); r.status != 400 || !strings.Contains(r.body, "http or https") {
		t.Fatalf("a bad URL: %d", r.status)
	}
	subs, _ := e.store.Subscribers(ctx, subscriber.Query{Search: "ann@"})
	if r := b.post("/subscribers/"+strconv.FormatInt(subs[0].ID, 10)+"/delete", url.Values{"csrf": {tok}}); r.status != 200 || !strings.Contains(r.body, "ann@example.net no longer follows acme") {
		t.Fatalf("remove: %d\n%s", r.status, r.body)
	}
	if n := subscriberCount(t, e.store); n != 2 {
		t.Fatalf("%d subscribers left, want bert and the webhook", n)
	}
	// The pages and the API are for administrators: an anonymous visitor is sent to log in.
	if r := e.browser().get("/subscribers"); r.status != 303 {
		t.Fatalf("anonymous /subscribers: %d", r.status)
	}
}

// The links from mails hold credentials: the request log names the route, not the token.
func TestSubscriptionLinksStayOutOfLogs(t *testing.T) {
	e := newTellEnv(t)
	if err := e.subs.Subscribe(context.Background(), e.page, "cleo@example.net", []string{"web-app"}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	n := e.lastNotice().Notice
	confirm := strings.TrimPrefix(n.ConfirmURL, e.ts.URL)
	b := e.browser()
	if r := b.get(confirm); r.status != 200 || !strings.Contains(r.body, "Web app") {
		t.Fatalf("confirm page: %d\n%s", r.status, r.body)
	}
	if r := b.post(confirm, nil); r.status != 200 || !strings.Contains(r.body, "Subscribed") {
		t.Fatalf("confirm: %d", r.status)
	}
	token := confirm[strings.LastIndexByte(confirm, '/')+1:]
	logs := e.logs.String()
	if strings.Contains(logs, token) || strings.Contains(logs, "cleo") || !strings.Contains(logs, "/status/{slug}/confirm/{token}") {
		t.Fatalf("the log shows the token or the address, or not the route:\n%s", logs)
	}
}

// One client may ask ten times an hour; then 429 with Retry-After, on the page and in JSON.
func TestSubscribeThrottledPerClient(t *testing.T) {
	e := newTellEnv(t)
	b := e.browser()
	for i := range 10 {
		if r := b.post("/status/acme/subscribe", url.Values{"email": {"p" + strconv.Itoa(i) + "@example.net"}}); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	r := b.post("/status/acme/subscribe", url.Values{"email": {"p10@example.net"}})
	if r.status != 429 || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "Too many subscription requests from your network") {
		t.Fatalf("the eleventh request: %d %v\n%s", r.status, r.header, r.body)
	}
	j := api(e.env, "POST", "/status/acme/subscribe", "", map[string]any{"email": "p11@example.net"})
	if j.status != 429 || j.header.Get("Retry-After") == "" || !strings.Contains(j.body, `"code": "too_many_requests"`) {
		t.Fatalf("the twelfth, in JSON: %d %v\n%s", j.status, j.header, j.body)
	}
	if n := subscriberCount(t, e.store); n != 10 {
		t.Fatalf("%d subscriptions, want the ten allowed", n)
	}
	e.clock.Advance(time.Hour)
	if r := b.post("/status/acme/subscribe", url.Values{"email": {"p10@example.net"}}); r.status != 200 {
		t.Fatalf("an hour later: %d", r.status)
	}
}
