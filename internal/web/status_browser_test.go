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
	snaps := []monitor.Snapshot{}
	for _, m := range []string{"web", "api", "db"} {
		snaps = append(snaps, monitor.Snapshot{Definition: &monitor.Definition{Name: m}, State: monitor.StateUp})
	}
	snaps = append(snaps, monitor.Snapshot{Definition: &monitor.Definition{Name: "mail"}, State: monitor.StateDown})
	svc := status.NewService(status.Options{History: db.Store, Clock: clk, Monitors: func() []monitor.Snapshot { return snaps }})
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
	shots.take(ctx, "20-status-page", desktopWidth)
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
