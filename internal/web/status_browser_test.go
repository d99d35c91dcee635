package web_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigie/internal/auth"
	"vigie/internal/clock"
	"vigie/internal/monitor"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store/storetest"
	"vigie/internal/web"
)

// TestBrowserStatusPage opens a public status page with three months of history in headless
// Chromium with JavaScript disabled: it must render, draw its bars, raise no console error or
// CSP violation, and read well on a phone and in the dark theme.
func TestBrowserStatusPage(t *testing.T) {
	ctx, console := newChromium(t)
	shots := newShots(t)
	db := storetest.OpenSQLite(t)
	loc, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, loc)
	clk := clock.NewFake(now)
	bg := context.Background()
	add := func(m string, at time.Time, st monitor.State) {
		if err := db.Store.InsertEvent(bg, monitor.Event{Monitor: m, At: at, State: st}); err != nil {
			t.Fatal(err)
		}
	}
	start := now.AddDate(0, 0, -75)
	for _, m := range []string{"web", "api", "db", "mail"} {
		add(m, start, monitor.StateUp)
	}
	// A few bad days: a 40-minute outage, a degraded afternoon, a short blip, and mail down now.
	add("api", now.AddDate(0, 0, -30), monitor.StateDown)
	add("api", now.AddDate(0, 0, -30).Add(40*time.Minute), monitor.StateUp)
	add("web", now.AddDate(0, 0, -12), monitor.StateDegraded)
	add("web", now.AddDate(0, 0, -12).Add(3*time.Hour), monitor.StateUp)
	add("db", now.AddDate(0, 0, -3), monitor.StateDown)
	add("db", now.AddDate(0, 0, -3).Add(4*time.Minute), monitor.StateUp)
	add("mail", now.Add(-25*time.Minute), monitor.StateDown)
	// A week of checks every 10 minutes, rolled up by the store as the server does: the API
	// slows down every afternoon, the web app had a slow spell two days ago.
	var results []monitor.Result
	for at := now.AddDate(0, 0, -7).Truncate(time.Hour); at.Before(now); at = at.Add(10 * time.Minute) {
		afternoon := time.Duration(0)
		if h := at.In(loc).Hour(); h >= 13 && h < 18 {
			afternoon = 90 * time.Millisecond
		}
		web := 80*time.Millisecond + time.Duration(at.Minute())*time.Millisecond
		if at.After(now.AddDate(0, 0, -2)) && at.Before(now.AddDate(0, 0, -2).Add(3*time.Hour)) {
			web *= 6
		}
		results = append(results,
			monitor.Result{Monitor: "web", At: at, Duration: web, Status: monitor.StatusUp},
			monitor.Result{Monitor: "api", At: at, Duration: 120*time.Millisecond + afternoon, Status: monitor.StatusUp},
			monitor.Result{Monitor: "db", At: at, Duration: 4 * time.Millisecond, Status: monitor.StatusUp})
	}
	if err := db.Store.InsertResults(bg, results); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.RollupHours(bg, now.AddDate(0, 0, -8), now); err != nil {
		t.Fatal(err)
	}
	snaps := []monitor.Snapshot{}
	for _, m := range []string{"web", "api", "db"} {
		snaps = append(snaps, monitor.Snapshot{Definition: &monitor.Definition{Name: m, Kind: "http"}, State: monitor.StateUp})
	}
	snaps = append(snaps, monitor.Snapshot{Definition: &monitor.Definition{Name: "mail", Kind: "tcp"}, State: monitor.StateDown})
	svc := status.NewService(status.Options{History: db.Store, Rollups: db.Store, Clock: clk, Monitors: func() []monitor.Snapshot { return snaps }})
	page := &status.Page{Slug: "acme", Title: "Acme Cloud status", Description: "Live status of Acme's hosted services.",
		Location: loc, Target: 0.999, Weights: sla.DefaultWeights(), Groups: []status.Group{
			{ID: "apps", Name: "Applications", Components: []status.Component{
				{ID: "web", Name: "Web app", Description: "app.acme.example", Monitors: []string{"web"}},
				{ID: "api", Name: "Public API", Monitors: []string{"api"}},
			}},
			{ID: "infra", Name: "Infrastructure", Components: []status.Component{
				{ID: "db", Name: "Databases", Monitors: []string{"db"}},
				{ID: "mail", Name: "Outgoing e-mail", Monitors: []string{"mail"}},
			}},
		}}
	authSvc, err := auth.NewService(auth.Options{Store: db.Store, Clock: clk, Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Options{Auth: authSvc, Health: db.Store, Clock: clk, Logger: slog.New(slog.DiscardHandler),
		Status: svc, StatusPages: func() []*status.Page { return []*status.Page{page} }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\nbrowser console:\n%s", step, err, console.dump())
		}
	}
	must("open the status page", chromedp.Do(ctx,
		chromedp.EmulateViewport(desktopWidth, 900),
		noScript,
		chromedp.Navigate(ts.URL+"/status/acme"),
		chromedp.WaitVisible(chromedp.CSS(`.banner`)),
	))
	banner, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".banner")))
	must("read the banner", err)
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	must("read the page", err)
	if !strings.Contains(banner, "Major outage") || !strings.Contains(body, "Outgoing e-mail") || !strings.Contains(body, "Public API") {
		t.Fatalf("banner %q, page:\n%s", banner, body)
	}
	if !strings.Contains(body, "Response time, last 24 hours: mean") || strings.Count(body, "Response time, last 24 hours") != 3 {
		t.Errorf("want response times for the three components with checks (not the one without):\n%s", body)
	}
	shots.take(ctx, "20-status-page", desktopWidth)
	must("a week of response times", chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/status/acme?range=7d"), chromedp.WaitVisible(chromedp.CSS(`svg.rt`))))
	if week, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"))); err != nil || !strings.Contains(week, "Response time, last 7 days") {
		t.Errorf("?range=7d: %v\n%s", err, week)
	}
	shots.take(ctx, "20-status-page-7d", desktopWidth)
	must("back to a day", chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/status/acme"), chromedp.WaitVisible(chromedp.CSS(`.banner`))))
	must("dark theme", chromedp.Do(ctx, colorScheme("dark")))
	shots.take(ctx, "21-status-page-dark", desktopWidth)
	must("phone", chromedp.Do(ctx, colorScheme(""), chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile)))
	shots.take(ctx, "22-status-page-phone", phoneWidth)
	must("settle", chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)))
	if v := console.violations(); len(v) > 0 {
		t.Fatalf("console:\n%s", strings.Join(v, "\n"))
	}
	if d := console.dump(); strings.Contains(d, "/error") {
		t.Fatalf("the page logged errors:\n%s", d)
	}
}
