package web_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigie/internal/clock"
	"vigie/internal/monitor"
	"vigie/internal/store"
	"vigie/internal/web"
)

// withLatency gives the monitors of withReports two weeks of response times (5 to 18 October
// 2026, a check every five minutes), with a daily rhythm and the API slower in the second week.
func withLatency(t *testing.T) func(o *web.Options, st *store.Store, clk *clock.Fake) {
	return func(o *web.Options, st *store.Store, clk *clock.Fake) {
		from := time.Date(2026, 9, 28, 0, 0, 0, 0, time.UTC)
		to := from.Add(21 * 24 * time.Hour)
		var rs []monitor.Result
		for at := from; at.Before(to); at = at.Add(5 * time.Minute) {
			day := math.Sin(float64(at.Hour()) / 24 * 2 * math.Pi) // busier afternoons
			slow := 1.0
			if at.After(from.Add(14 * 24 * time.Hour)) {
				slow = 1.4
			}
			jitter := float64(at.Minute()%15) / 15
			for name, base := range map[string]float64{"web": 120, "api": 45, "db": 6} {
				ms := base * (1 + 0.3*day + 0.5*jitter*jitter*jitter)
				if name == "api" {
					ms *= slow
				}
				rs = append(rs, monitor.Result{Monitor: name, At: at, Duration: time.Duration(ms * float64(time.Millisecond)), Status: monitor.StatusUp})
			}
		}
		if err := st.InsertResults(context.Background(), rs); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RollupHours(context.Background(), from, to); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserReports opens the SLA report, its printable document, the weekly report and the
// SLOs in headless Chromium: they must render without console errors or CSP violations, in
// the light and dark themes and on a phone, and the screenshots are written for people to read.
func TestBrowserReports(t *testing.T) {
	ctx, console := newChromium(t)
	shots := newShots(t)
	e := newEnv(t, false, withReports(t), withSLOs(t), withLatency(t))
	e.addUser("alice")
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
		must("reading "+sel, err)
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

	// The SLA report: choose the month in the form, as a person would.
	must("open the SLA report", chromedp.Do(ctx,
		chromedp.Click(css(`nav[aria-label="Main"] a[href="/reports"]`)),
		chromedp.WaitVisible(css(`form[action="/reports"]`)),
		chromedp.SetValue(css(`input[name="month"]`), "2026-10"),
		chromedp.Click(css(`form[action="/reports"] button[type="submit"]`)),
		// The page before had this month's report: wait for the one the form asked for.
		chromedp.WaitVisible(css(`input[name="month"][value="2026-10"]`)),
		chromedp.WaitVisible(css(`svg.rchart.burn`)),
	))
	if body := text("main"); !strings.Contains(body, "Acme Cloud status — October 2026") || !strings.Contains(body, "target missed") ||
		!strings.Contains(body, "Databases") || !strings.Contains(body, "Tue 20 Oct 01:45 CEST") {
		t.Fatalf("SLA report page:\n%s", body)
	}
	shots.take(ctx, "50-sla-report", desktopWidth)
	must("dark theme", chromedp.Do(ctx, colorScheme("dark")))
	shots.take(ctx, "51-sla-report-dark", desktopWidth)
	must("phone", chromedp.Do(ctx, colorScheme(""), chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile)))
	shots.take(ctx, "52-sla-report-phone", phoneWidth)

	// The printable document, through the export link.
	must("open the printable report", chromedp.Do(ctx,
		chromedp.EmulateViewport(desktopWidth, 900),
		chromedp.Click(css(`a[href$="format=html"]`)),
		chromedp.WaitVisible(css(`body.report header.report-head`)),
	))
	shots.take(ctx, "53-sla-report-printable", desktopWidth)

	must("open the weekly report", chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/reports/weekly?page=acme&week=2026-W42"),
		chromedp.WaitVisible(css(`svg.rchart.latency`)),
	))
	if body := text("main"); !strings.Contains(body, "week 42, 2026 (12–18 October)") || !strings.Contains(body, "Top offenders") || !strings.Contains(body, "slower") {
		t.Fatalf("weekly report page:\n%s", body)
	}
	shots.take(ctx, "54-weekly-report", desktopWidth)
	must("dark theme", chromedp.Do(ctx, colorScheme("dark")))
	shots.take(ctx, "55-weekly-report-dark", desktopWidth)
	must("light theme", chromedp.Do(ctx, colorScheme("")))

	must("open the SLOs", chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/slos"),
		chromedp.WaitVisible(css(`section.slo`)),
	))
	if body := text("main"); !strings.Contains(body, "paging") || !strings.Contains(body, "Error budget left") {
		t.Fatalf("SLO page:\n%s", body)
	}
	shots.take(ctx, "56-slos", desktopWidth)

	must("settle", chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)))
	if v := console.violations(); len(v) > 0 {
		t.Fatalf("console:\n%s", strings.Join(v, "\n"))
	}
	if d := console.dump(); strings.Contains(d, "/error") {
		t.Fatalf("the pages logged errors:\n%s", d)
	}
}
