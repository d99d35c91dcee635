package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserIncidents opens, in headless Chromium, the public status page with an open
// incident and its history (JavaScript disabled), the public incident page with its
// post-mortem, and the admin pages of the logbook: no console error or CSP violation, no
// internal data in the public HTML, and screenshots to look at.
func TestBrowserIncidents(t *testing.T) {
	ctx, console := newChromium(t)
	shots := newShots(t)
	e := newIncidentEnv(t)
	past, _, open := e.seed()
	if _, err := e.svc.Acknowledge(context.Background(), open.ID, "carol"); err != nil {
		t.Fatal(err)
	}
	e.addUser("alice")
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
	html := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		must("read the HTML", err)
		return s
	}
	noScript := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})

	must("open the status page", chromedp.Do(ctx, chromedp.EmulateViewport(desktopWidth, 900), noScript,
		chromedp.Navigate(e.ts.URL+"/status/acme"), chromedp.WaitVisible(chromedp.CSS(".incident"))))
	if body := text("main"); !strings.Contains(body, "Public API errors") || !strings.Contains(body, "Estimated resolution") ||
		!strings.Contains(body, "Past incidents") || !strings.Contains(body, "Slow dashboards") {
		t.Fatalf("the status page:\n%s", body)
	}
	page := html()
	for _, s := range secrets {
		if strings.Contains(page, s) {
			t.Fatalf("the public page shows %q", s)
		}
	}
	shots.take(ctx, "50-status-incident", desktopWidth)
	must("dark", chromedp.Do(ctx, colorScheme("dark")))
	shots.take(ctx, "51-status-incident-dark", desktopWidth)
	must("phone", chromedp.Do(ctx, colorScheme(""), chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile)))
	shots.take(ctx, "52-status-incident-phone", phoneWidth)

	must("open a past incident", chromedp.Do(ctx, chromedp.EmulateViewport(desktopWidth, 900),
		chromedp.Navigate(fmt.Sprintf("%s/status/acme/incidents/%d", e.ts.URL, past.ID)), chromedp.WaitVisible(chromedp.CSS("article.postmortem"))))
	if pm := text("article.postmortem"); !strings.Contains(pm, "Root cause") || !strings.Contains(pm, "A bad configuration push.") {
		t.Fatalf("the post-mortem:\n%s", pm)
	}
	for _, s := range secrets {
		if strings.Contains(html(), s) {
			t.Fatalf("the public incident page shows %q", s)
		}
	}
	shots.take(ctx, "53-status-postmortem", desktopWidth)

	// The admin pages.
	must("log in", chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label="Main"]`)),
		chromedp.Navigate(e.ts.URL+"/incidents"),
		chromedp.WaitVisible(chromedp.CSS(`table.incidents`))))
	shots.take(ctx, "54-incidents", desktopWidth)
	must("open the incident", chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/incidents/%d", e.ts.URL, open.ID)),
		chromedp.WaitVisible(chromedp.CSS(`svg.itl`))))
	if body := text("main"); !strings.Contains(body, "NOTE-8c1e") || !strings.Contains(body, "Time to acknowledge") {
		t.Fatalf("the incident page:\n%s", body)
	}
	shots.take(ctx, "55-incident", desktopWidth)
	// Post a public update through the form.
	must("post an update", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`form[action$="/update"] textarea[name="body"]`), "The fix is deployed; we are watching."),
		chromedp.SetValue(chromedp.CSS(`form[action$="/update"] select[name="status"]`), "monitoring"),
		chromedp.Click(chromedp.CSS(`form[action$="/update"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash.ok`))))
	if inc, _ := e.svc.Get(context.Background(), open.ID); inc.Status != "monitoring" || inc.MitigatedAt.IsZero() {
		t.Fatalf("after the form: %s, mitigated %v", inc.Status, inc.MitigatedAt)
	}
	must("open the post-mortem editor", chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/incidents/%d/postmortem", e.ts.URL, past.ID)),
		chromedp.WaitVisible(chromedp.CSS(`.preview article`))))
	shots.take(ctx, "56-postmortem-editor", desktopWidth)
	must("phone", chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(fmt.Sprintf("%s/incidents/%d", e.ts.URL, open.ID)), chromedp.WaitVisible(chromedp.CSS(`svg.itl`))))
	shots.take(ctx, "57-incident-phone", phoneWidth)

	must("settle", chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)))
	if v := console.violations(); len(v) > 0 {
		t.Fatalf("console:\n%s", strings.Join(v, "\n"))
	}
	if d := console.dump(); strings.Contains(d, "/error") || strings.Contains(d, "404") {
		t.Fatalf("the pages logged errors:\n%s", d)
	}
}
