package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"vigie/internal/alert"
	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/monitor"
	"vigie/internal/report"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

// logbook stands where the incident logbook will: report.Incidents is the seam it plugs into.
type logbook []report.Incident

func (l logbook) IncidentsBetween(_ context.Context, page string, from, to time.Time) ([]report.Incident, error) {
	var out []report.Incident
	for _, in := range l {
		if page == "acme" && in.StartedAt.Before(to) && (in.ResolvedAt.IsZero() || in.ResolvedAt.After(from)) {
			out = append(out, in)
		}
	}
	return out, nil
}

// weeklyWorld is two weeks of Acme in Paris, weeks 22 and 23 of 2026: state changes, a check
// every ten minutes with response times that got slower in week 23, and alerts.
func weeklyWorld(t *testing.T, now time.Time) (*world, *status.Page, *time.Location) {
	paris := mustLoad(t, "Europe/Paris")
	w := newWorld(t, now)
	page := &status.Page{Slug: "acme", Title: "Acme status", Location: paris, Target: 0.999, Weights: sla.DefaultWeights(),
		Groups: []status.Group{{Name: "Platform", Components: []status.Component{
			{ID: "web-app", Name: "Web app", Monitors: []string{"web"}},
			{ID: "api", Name: "API", Monitors: []string{"api"}},
		}}}}
	w.pages = []*status.Page{page}
	w.monitor("web")
	w.monitor("api")
	local := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, paris) }
	for _, m := range []string{"web", "api"} {
		w.event(m, local(5, 1, 0, 0), monitor.StateUp)
	}
	w.outage("web", local(5, 27, 9, 0), local(5, 27, 9, 15)) // week 22
	w.outage("web", local(6, 3, 10, 0), local(6, 3, 10, 45)) // week 23
	w.outage("api", local(6, 5, 16, 0), local(6, 5, 16, 5))

	ctx := context.Background()
	lastWeek := []time.Duration{80, 85, 90, 95, 100, 300}
	thisWeek := []time.Duration{100, 110, 120, 130, 140, 500}
	var rs []monitor.Result
	start, end := local(5, 25, 0, 0), clock.Earlier(now, local(6, 8, 0, 0))
	for at, i := start, 0; at.Before(end); at, i = at.Add(10*time.Minute), i+1 {
		ms := lastWeek
		if !at.Before(local(6, 1, 0, 0)) {
			ms = thisWeek
		}
		rs = append(rs, monitor.Result{Monitor: "web", At: at, Duration: ms[i%6] * time.Millisecond, Status: monitor.StatusUp},
			monitor.Result{Monitor: "api", At: at, Duration: 20 * time.Millisecond, Status: monitor.StatusUp})
	}
	if err := w.store.InsertResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.RollupHours(ctx, start, end); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*alert.Alert{
		{Monitor: "web", Kind: "down", StartedAt: local(6, 3, 10, 1), ResolvedAt: local(6, 3, 10, 45), AckedAt: local(6, 3, 10, 5), AckedBy: "alice"},
		{Monitor: "web", Kind: "cert_expiring", StartedAt: local(6, 6, 8, 0)},
		{Monitor: "api", Kind: "down", StartedAt: local(5, 28, 3, 0), ResolvedAt: local(5, 28, 3, 10)},
		{Monitor: "elsewhere", Kind: "down", StartedAt: local(6, 4, 3, 0), ResolvedAt: local(6, 4, 3, 10)},
	} {
		a.Severity, a.Labels = "critical", map[string]string{"monitor": a.Monitor}
		if err := w.store.OpenAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := w.store.UpdateAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return w, page, paris
}

func TestWeeklyReport(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	now := time.Date(2026, 6, 8, 8, 0, 0, 0, paris)
	w, page, _ := weeklyWorld(t, now)
	book := logbook{{Title: "Checkout errors", Severity: "SEV2", Status: "resolved", StartedAt: time.Date(2026, 6, 3, 10, 0, 0, 0, paris),
		ResolvedAt: time.Date(2026, 6, 3, 11, 0, 0, 0, paris), Components: []string{"Web app"}}}
	svc := report.NewService(report.Options{Records: w.svc, Rollups: w.store, Alerts: w.store, Incidents: book, Clock: w.clock})
	week, _ := report.ParseWeek("2026-W23")
	r, err := svc.Weekly(context.Background(), page, week, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete || r.Title != "week 23, 2026 (1–7 June)" || r.Zone != "Europe/Paris" {
		t.Fatalf("report: complete %v, %q, %s", r.Complete, r.Title, r.Zone)
	}
	week23 := 168.0 * 60 // minutes
	web, api := r.Components[0], r.Components[1]
	if web.Downtime.D() != 45*time.Minute || abs(*web.Uptime-(1-45/week23)) > 1e-12 || abs(*web.Previous-(1-15/week23)) > 1e-12 ||
		web.Episodes != 1 || web.WorstLevel != sla.MajorOutage || web.MetTarget {
		t.Errorf("web app: %+v uptime %v previous %v", web, *web.Uptime, *web.Previous)
	}
	if api.Downtime.D() != 5*time.Minute || !api.MetTarget || *api.Previous != 1 {
		t.Errorf("api: %+v", api)
	}
	if r.Overall.Downtime.D() != 50*time.Minute || r.Overall.Episodes != 2 {
		t.Errorf("page: %+v", r.Overall)
	}
	a := r.Alerts
	if a.Opened != 2 || a.Previous != 1 || a.Acknowledged != 1 || a.StillOpen != 1 || a.AlertKinds() != "1 cert expiring, 1 down" {
		t.Errorf("alerts: %+v", a)
	}
	if len(r.Incidents) != 1 || r.Incidents[0].Title != "Checkout errors" {
		t.Errorf("incidents: %+v", r.Incidents)
	}
	if len(r.TopOffenders) != 2 || r.TopOffenders[0].Name != "Web app" || r.TopOffenders[0].Alerts != 2 || r.TopOffenders[1].Name != "API" {
		t.Errorf("top offenders: %+v", r.TopOffenders)
	}
	if len(r.ResponseTimes) != 2 {
		t.Fatalf("response times: %+v", r.ResponseTimes)
	}
	lw := r.ResponseTimes[0]
	if lw.Monitor != "web" || lw.Checks != 168*6 || len(lw.Hours) != 168 || lw.P50.D() != 120*time.Millisecond || lw.P95.D() != 500*time.Millisecond ||
		lw.PrevP50.D() != 90*time.Millisecond || lw.PrevP95.D() != 300*time.Millisecond {
		t.Errorf("web response times: %d checks, p50 %v p95 %v, before %v %v", lw.Checks, lw.P50.D(), lw.P95.D(), lw.PrevP50.D(), lw.PrevP95.D())
	}
	if charted := r.Charted(); len(charted) != 2 || charted[0].Monitor != "web" {
		t.Errorf("charts: %+v", charted)
	}

	text := r.Text()
	for _, want := range []string{"Weekly report — Acme status — week 23, 2026 (1–7 June)", "Downtime: 50 min in 2 episodes", "Alerts: 2 opened (1 the week before): 1 cert expiring, 1 down",
		"1. Web app: 45 min down, 1 episode, 2 alerts", "SEV2 Checkout errors (resolved)", "67 % slower"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	html, err := r.Email()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>Weekly report — Acme status — week 23, 2026 (1–7 June)</title>", "Checkout errors", "<svg class=\"rchart latency\"", "67 % slower", "Times are in Europe/Paris"} {
		if !strings.Contains(html, want) {
			t.Errorf("e-mail lacks %q", want)
		}
	}
	if strings.Contains(html, "<style") || strings.Contains(html, "<script") || strings.Contains(html, "class=\"report") {
		t.Error("the e-mail relies on a style sheet or script; mail clients drop them")
	}
	body, err := r.HTML()
	if err != nil || !strings.Contains(string(body), "Top offenders") || strings.Contains(string(body), " style=") {
		t.Errorf("page body: %v, or it has inline styles the CSP refuses", err)
	}
}

func TestWeeklyReportWithoutLogbookOrFutureWeek(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	now := time.Date(2026, 6, 4, 12, 0, 0, 0, paris)
	w, page, _ := weeklyWorld(t, now)
	svc := report.NewService(report.Options{Records: w.svc, Rollups: w.store, Alerts: w.store, Clock: w.clock})
	r, err := svc.Weekly(context.Background(), page, report.WeekOf(now, paris), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Complete || r.Incidents == nil || len(r.Incidents) != 0 || r.Components[0].Downtime.D() != 45*time.Minute {
		t.Errorf("week in progress: complete %v, incidents %v, web down %v", r.Complete, r.Incidents, r.Components[0].Downtime.D())
	}
	_, err = svc.Weekly(context.Background(), page, report.Week{Year: 2026, Number: 24}, nil)
	if !errs.Is(err, errs.Invalid) || errs.MessageOf(err) != "week 2026-W24 has not begun (it is 2026-06-04 in Europe/Paris)" {
		t.Errorf("a future week: %v", err)
	}
}
