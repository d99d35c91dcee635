package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"vigie/internal/status"
)

// noScript turns JavaScript off in the tab, as some readers browse.
var noScript = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	return err
})

// TestBrowserPublicSubscribe subscribes from a status page in Chromium with JavaScript
// disabled: the form, the answer, the confirmation link and its button, a refused address,
// and the unsubscribe link. It looks at the notice mail's HTML too.
func TestBrowserPublicSubscribe(t *testing.T) {
	ctx, console := newChromium(t)
	shots := newShots(t)
	e := newTellEnv(t)
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\nbrowser console:\n%s", step, err, console.dump())
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		must("read "+sel, err)
		return s
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	must("open the page", chromedp.Do(ctx,
		chromedp.EmulateViewport(desktopWidth, 900), noScript,
		chromedp.Navigate(e.ts.URL+"/status/acme"),
		chromedp.WaitVisible(css(`form[action="/status/acme/subscribe"]`)),
	))
	if s := text("#subscribe"); !strings.Contains(s, "Get notified") || !strings.Contains(s, "Atom feed") {
		t.Fatalf("subscribe section: %q", s)
	}
	must("fill the form", chromedp.Do(ctx,
		chromedp.SendKeys(css(`#subscribe-email`), "reader@example.net"),
		chromedp.Click(css(`#subscribe summary`)),
		chromedp.Click(css(`input[name="component"][value="databases"]`)),
	))
	shots.take(ctx, "30-status-subscribe", desktopWidth)
	must("subscribe", chromedp.Do(ctx,
		chromedp.Click(css(`#subscribe button[type="submit"]`)),
		chromedp.WaitVisible(css(`.panel[role="status"]`)),
	))
	if h := text(".panel h2"); h != "Check your inbox" {
		t.Fatalf("after subscribing: %q", h)
	}
	shots.take(ctx, "31-subscribe-check-inbox", desktopWidth)

	confirm := e.lastNotice().Notice.ConfirmURL
	must("open the confirmation link", chromedp.Do(ctx,
		chromedp.Navigate(confirm),
		chromedp.WaitVisible(css(`.panel form`)),
	))
	if s := text(".panel"); !strings.Contains(s, "Databases") {
		t.Fatalf("confirmation page: %q", s)
	}
	shots.take(ctx, "32-subscribe-confirm", desktopWidth)
	must("confirm", chromedp.Do(ctx, chromedp.Click(css(`.panel button`)), chromedp.WaitNotPresent(css(`.panel form`))))
	if h := text(".panel h2"); h != "Subscribed" {
		t.Fatalf("after confirming: %q", h)
	}

	// The browser accepts bob@localhost as an e-mail address; vigie wants a full domain.
	must("a refused address", chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/status/acme"),
		chromedp.SendKeys(css(`#subscribe-email`), "bob@localhost"),
		chromedp.Click(css(`#subscribe button[type="submit"]`)),
		chromedp.WaitVisible(css(`.panel.failed`)),
	))
	if s := text(".panel.failed"); !strings.Contains(s, "Not subscribed") || !strings.Contains(s, "full domain") {
		t.Fatalf("refused address: %q", s)
	}
	must("dark theme", chromedp.Do(ctx, colorScheme("dark")))
	shots.take(ctx, "33-subscribe-refused-dark", desktopWidth)
	must("light theme", chromedp.Do(ctx, colorScheme("")))

	// A notice, as the mail shows it and as its unsubscribe link answers.
	m, err := e.page.NewMaintenance(status.MaintenanceRequest{Components: []string{"databases"}, Title: "Database upgrade",
		Body: "PostgreSQL moves to version 17. Writes pause for about ten minutes.", StartsAt: e.clock.Now().Add(48 * time.Hour),
		EndsAt: e.clock.Now().Add(50 * time.Hour), CreatedBy: "alice"}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateMaintenance(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if n, err := e.subs.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("notices: %d, %v", n, err)
	}
	notice := e.lastNotice()
	mailView := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(notice.HTML))
	}))
	defer mailView.Close()
	must("look at the mail", chromedp.Do(ctx, chromedp.Navigate(mailView.URL), chromedp.WaitVisible(css(`h1`))))
	if s := text("body"); !strings.Contains(s, "Scheduled maintenance: Database upgrade") || !strings.Contains(s, "(Europe/Paris)") {
		t.Fatalf("the mail reads: %q", s)
	}
	shots.take(ctx, "37-notice-mail", desktopWidth)

	must("open the unsubscribe link", chromedp.Do(ctx,
		chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile),
		chromedp.Navigate(notice.Notice.UnsubscribeURL),
		chromedp.WaitVisible(css(`.panel form`)),
	))
	shots.take(ctx, "38-unsubscribe-phone", phoneWidth)
	must("unsubscribe", chromedp.Do(ctx, chromedp.Click(css(`.panel button`)), chromedp.WaitNotPresent(css(`.panel form`))))
	if h := text(".panel h2"); h != "Unsubscribed" {
		t.Fatalf("after unsubscribing: %q", h)
	}
	if n := subscriberCount(t, e.store); n != 0 {
		t.Fatalf("%d subscribers left", n)
	}
	must("settle", chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)))
	if v := console.violations(); len(v) > 0 {
		t.Fatalf("console:\n%s", strings.Join(v, "\n"))
	}
}

// TestBrowserMaintenanceAndSubscribersAdmin drives the admin pages: schedule a maintenance
// through the form, post an update, look at the list, then search subscribers, add a webhook
// and remove a subscriber; screenshots on a desktop, a phone and in the dark theme.
func TestBrowserMaintenanceAndSubscribersAdmin(t *testing.T) {
	ctx, console := newChromium(t)
	shots := newShots(t)
	e := newTellEnv(t)
	e.addUser("alice")
	bg := context.Background()
	for i, a := range []string{"ann@example.net", "bert@example.org", "chloe@example.net"} {
		if err := e.subs.Subscribe(bg, e.page, a, [][]string{nil, {"databases"}, {"web-app", "public-api"}}[i], "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			if _, err := e.subs.Confirm(bg, e.page, tokenOf(e.lastNotice().Notice.ConfirmURL)); err != nil {
				t.Fatal(err)
			}
		}
	}
	weekly, err := e.page.NewMaintenance(status.MaintenanceRequest{Components: []string{"databases"}, Title: "Weekly patching",
		StartsAt: time.Date(2026, 11, 29, 2, 0, 0, 0, e.page.Location), EndsAt: time.Date(2026, 11, 29, 3, 0, 0, 0, e.page.Location),
		Recurrence: "FREQ=WEEKLY;BYDAY=SU", CreatedBy: "bob"}, e.clock.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	e.store.CreateMaintenance(bg, weekly)
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\nbrowser console:\n%s", step, err, console.dump())
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		must("read "+sel, err)
		return s
	}
	must("log in", chromedp.Do(ctx,
		chromedp.EmulateViewport(desktopWidth, 900),
		chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.SendKeys(css(`input[name="name"]`), "alice"),
		chromedp.SendKeys(css(`input[name="password"]`), password),
		chromedp.Click(css(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`nav[aria-label="Main"]`)),
	))
	must("schedule", chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/maintenances"),
		chromedp.WaitVisible(css(`form[action="/maintenances"]`)),
		chromedp.SendKeys(css(`input[name="title"]`), "Load balancer swap"),
		chromedp.Click(css(`input[name="component"][value="web-app"]`)),
		chromedp.Click(css(`input[name="component"][value="public-api"]`)),
		chromedp.SetValue(css(`input[name="start"]`), "2026-11-24T22:00"),
		chromedp.SetValue(css(`input[name="duration"]`), "90m"),
		chromedp.SendKeys(css(`textarea[name="body"]`), "Connections may drop once; clients reconnect by themselves."),
	))
	shots.take(ctx, "34-maintenance-form", desktopWidth)
	must("submit", chromedp.Do(ctx,
		chromedp.Click(css(`form[action="/maintenances"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`form[action$="/updates"]`)),
	))
	if h := text("h1"); !strings.Contains(h, "Load balancer swap") || !strings.Contains(h, "scheduled") {
		t.Fatalf("after scheduling: %q", h)
	}
	if _, err := e.subs.RunOnce(bg); err != nil {
		t.Fatal(err)
	}
	must("post an update", chromedp.Do(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(css(`form[action$="/updates"]`)),
		chromedp.SendKeys(css(`form[action$="/updates"] textarea`), "The new balancer is racked and tested."),
		chromedp.Click(css(`form[action$="/updates"] button`)),
		chromedp.WaitVisible(css(`.flash.ok`)),
	))
	if s := text("main"); !strings.Contains(s, "racked and tested") || !strings.Contains(s, "Tue 24 Nov 2026 22:00 – 23:30 CET (Europe/Paris)") || !strings.Contains(s, "scheduled") {
		t.Fatalf("maintenance page: %q", s)
	}
	shots.take(ctx, "35-maintenance", desktopWidth)
	must("list", chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/maintenances"), chromedp.WaitVisible(css(`table`))))
	if s := text("main"); !strings.Contains(s, "Weekly patching") || !strings.Contains(s, "every Sunday at 02:00 Europe/Paris") {
		t.Fatalf("list: %q", s)
	}
	shots.take(ctx, "36-maintenances", desktopWidth)

	must("subscribers", chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/subscribers"),
		chromedp.WaitVisible(css(`#webhook form`)),
		chromedp.SendKeys(css(`input[name="url"]`), "https://hooks.example.com/status"),
		chromedp.Click(css(`#webhook input[value="databases"]`)),
		chromedp.Click(css(`#webhook button[type="submit"]`)),
		chromedp.WaitVisible(css(`pre.secret`)),
	))
	if s := text("main table"); !strings.Contains(s, "ann@example.net") || !strings.Contains(s, "waiting") || !strings.Contains(s, "https://hooks.example.com/…") {
		t.Fatalf("subscribers: %q", s)
	}
	shots.take(ctx, "39-subscribers", desktopWidth)
	must("search", chromedp.Do(ctx,
		chromedp.SendKeys(css(`input[name="q"]`), "bert"),
		chromedp.Click(css(`form.search button`)),
		chromedp.WaitVisible(css(`input[name="q"][value="bert"]`)),
	))
	if s := text("main table"); !strings.Contains(s, "bert@example.org") || strings.Contains(s, "ann@") {
		t.Fatalf("search for bert: %q", s)
	}
	must("remove", chromedp.Do(ctx,
		chromedp.Click(css(`form[action$="/delete"] button`)),
		chromedp.WaitVisible(css(`.flash.ok`)),
	))
	if s := text(".flash.ok"); !strings.Contains(s, "bert@example.org no longer follows acme") {
		t.Fatalf("after removing: %q", s)
	}
	must("dark", chromedp.Do(ctx, colorScheme("dark"), chromedp.Navigate(e.ts.URL+"/maintenances/2"), chromedp.WaitVisible(css(`h1`))))
	shots.take(ctx, "40-maintenance-dark", desktopWidth)
	must("phone", chromedp.Do(ctx, colorScheme(""), chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(e.ts.URL+"/maintenances"), chromedp.WaitVisible(css(`h1`))))
	shots.take(ctx, "41-maintenances-phone", phoneWidth)
	must("phone subscribers", chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/subscribers"), chromedp.WaitVisible(css(`h1`))))
	shots.take(ctx, "42-subscribers-phone", phoneWidth)
	must("settle", chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)))
	if v := console.violations(); len(v) > 0 {
		t.Fatalf("the browser reported CSP violations:\n%s", strings.Join(v, "\n"))
	}
}

// tokenOf is the last path element of a link.
func tokenOf(link string) string { return link[strings.LastIndexByte(link, '/')+1:] }
