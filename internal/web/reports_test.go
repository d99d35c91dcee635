package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"vigie/internal/auth"
	"vigie/internal/clock"
	"vigie/internal/monitor"
	"vigie/internal/report"
	"vigie/internal/slo"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store"
	"vigie/internal/web"
)

// withReports gives the server one status page, "acme" in Paris, with October 2026 on record:
// the web app down 50 minutes on the 6th, the API degraded for an afternoon on the 14th, and a
// maintenance window over the web app on the 20th that hid 45 minutes of an hour's outage.
func withReports(t *testing.T) func(o *web.Options, st *store.Store, clk *clock.Fake) {
	return func(o *web.Options, st *store.Store, clk *clock.Fake) {
		paris, _ := time.LoadLocation("Europe/Paris")
		ctx := context.Background()
		at := func(d, h, m int) time.Time { return time.Date(2026, 10, d, h, m, 0, 0, paris) }
		add := func(name string, t time.Time, s monitor.State) {
			if err := st.InsertEvent(ctx, monitor.Event{Monitor: name, At: t, State: s}); err != nil {
				panic(err)
			}
		}
		for _, m := range []string{"web", "api", "db"} {
			add(m, time.Date(2026, 9, 1, 0, 0, 0, 0, paris), monitor.StateUp)
		}
		add("web", at(6, 9, 10), monitor.StateDown)
		add("web", at(6, 10, 0), monitor.StateUp)
		add("api", at(14, 13, 0), monitor.StateDegraded)
		add("api", at(14, 18, 0), monitor.StateUp)
		add("web", at(20, 1, 45), monitor.StateDown)
		add("web", at(20, 2, 45), monitor.StateUp)
		add("db", at(27, 22, 0), monitor.StateDown)
		add("db", at(27, 22, 9), monitor.StateUp)
		if err := st.CreateMaintenance(ctx, &status.Maintenance{Page: "acme", Components: []string{"web-app"}, Title: "Kernel upgrade",
			StartsAt: at(20, 2, 0), EndsAt: at(20, 3, 0), CreatedBy: "alice", CreatedAt: at(15, 0, 0)}); err != nil {
			panic(err)
		}
		var snaps []monitor.Snapshot
		for _, m := range []string{"web", "api", "db"} {
			snaps = append(snaps, monitor.Snapshot{Definition: &monitor.Definition{Name: m}, State: monitor.StateUp})
		}
		page := &status.Page{Slug: "acme", Title: "Acme Cloud status", Location: paris, Target: 0.999, Weights: sla.DefaultWeights(),
			Groups: []status.Group{
				{ID: "apps", Name: "Applications", Components: []status.Component{
					{ID: "web-app", Name: "Web app", Monitors: []string{"web"}},
					{ID: "public-api", Name: "Public API", Monitors: []string{"api"}},
				}},
				{ID: "infra", Name: "Infrastructure", Components: []status.Component{{ID: "databases", Name: "Databases", Monitors: []string{"db"}}}},
			}}
		pages := func() []*status.Page { return []*status.Page{page} }
		svc := status.NewService(status.Options{History: st, Clock: clk, Maintenances: st, Pages: pages,
			Monitors: func() []monitor.Snapshot { return snaps }})
		o.Status, o.StatusPages, o.Maintenances = svc, pages, st
		o.Reports = report.NewService(report.Options{Records: svc, Rollups: st, Alerts: st, Clock: clk})
	}
}

func TestSLAReportAPI(t *testing.T) {
	e := newEnv(t, false, withReports(t))
	read := e.token(auth.ScopeRead)

	for query, want := range map[string]string{
		"":                                    "page: give a status page, ?page=acme (pages: acme)",
		"?page=nope":                          `page: no status page "nope" (pages: acme)`,
		"?page=acme&month=2026-13":            `month "2026-13": 13 is not a month (01 to 12)`,
		"?page=acme&month=October":            `month "October": want YYYY-MM, like 2026-05`,
		"?page=acme&month=2026-12":            "month 2026-12 has not begun (it is 2026-11-23 in Europe/Paris)",
		"?page=acme&month=2026-10&format=pdf": `format "pdf": want json, csv or html`,
	} {
		r := api(e, "GET", "/api/v1/reports/sla"+query, read, nil)
		if got := decodeErr(t, r); r.status != 400 || got.Error.Code != "invalid" || got.Error.Message != want {
			t.Errorf("GET %s: %d %q, want 400 %q", query, r.status, got.Error.Message, want)
		}
	}
	if r := api(e, "GET", "/api/v1/reports/sla?page=acme&month=2026-10", "", nil); r.status != 401 {
		t.Errorf("without credentials: %d", r.status)
	}

	r := api(e, "GET", "/api/v1/reports/sla?page=acme&month=2026-10", read, nil)
	var rep struct {
		Month   string
		Zone    string
		Overall struct {
			Used     float64 `json:"used_seconds"`
			Breached bool
			Episodes []struct{ Components []string }
		}
		Components []struct {
			Name        string
			Used        float64 `json:"used_seconds"`
			Maintenance float64 `json:"maintenance_seconds"`
			Breached    bool
		}
	}
	if err := json.Unmarshal([]byte(r.body), &rep); err != nil || r.status != 200 {
		t.Fatalf("JSON report: %d %v\n%s", r.status, err, r.body)
	}
	// Web app: 50 min on the 6th and 15 of the 60 on the 20th outside maintenance; degraded
	// counts nothing at the default weights (but is listed); the database lost 9 minutes.
	webApp, publicAPI, db := rep.Components[0], rep.Components[1], rep.Components[2]
	if rep.Month != "2026-10" || rep.Zone != "Europe/Paris" || webApp.Used != 65*60 || webApp.Maintenance != 3600 || !webApp.Breached ||
		publicAPI.Used != 0 || publicAPI.Breached || db.Used != 9*60 || rep.Overall.Used != 74*60 || !rep.Overall.Breached || len(rep.Overall.Episodes) != 4 {
		t.Errorf("report: %s", r.body)
	}

	r = api(e, "GET", "/api/v1/reports/sla?page=acme&month=2026-10&format=csv", read, nil)
	if r.status != 200 || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		r.header.Get("Content-Disposition") != `attachment; filename="sla-acme-2026-10.csv"` || !strings.HasPrefix(r.body, "row,component,group,from,to") ||
		!strings.Contains(r.body, "component,Databases,Infrastructure,2026-10-01T00:00:00+02:00,2026-11-01T00:00:00+01:00,,99.9") {
		t.Errorf("CSV: %d %v\n%s", r.status, r.header, r.body)
	}

	r = api(e, "GET", "/api/v1/reports/sla?page=acme&month=2026-10&format=html", read, nil)
	if r.status != 200 || r.header.Get("Content-Security-Policy") != report.PrintStyleCSP || !strings.Contains(r.body, "<title>SLA report — Acme Cloud status — October 2026</title>") {
		t.Errorf("printable: %d %v", r.status, r.header)
	}

	// The admin page: the form, the report and its exports; a bad month is said on the page.
	b := e.browser()
	e.addUser("alice")
	b.login("alice", password, "")
	page := b.get("/reports?page=acme&month=2026-10")
	for _, want := range []string{`<link rel="stylesheet" href="/static/report.css">`, "October 2026", "target missed", "Tue 20 Oct 01:45 CEST", "Web app",
		`href="/api/v1/reports/sla?page=acme&amp;month=2026-10&amp;format=csv"`, `href="/api/v1/reports/sla?page=acme&amp;month=2026-10&amp;format=html"`} {
		if page.status != 200 || !strings.Contains(page.body, want) {
			t.Errorf("/reports lacks %q (status %d)", want, page.status)
		}
	}
	if bad := b.get("/reports?page=acme&month=2026-1"); bad.status != 400 || !strings.Contains(bad.body, "want YYYY-MM") || !strings.Contains(bad.body, `name="month"`) {
		t.Errorf("bad month on the page: %d", bad.status)
	}
	if css := b.get("/static/report.css"); css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") || !strings.Contains(css.body, ".report-figures") {
		t.Errorf("report.css: %d %v", css.status, css.header)
	}
}

// withSLOs adds an SLO over the monitor "api", whose last ten minutes of results fail at 16.7
// times the sustainable rate, and one over "db" with no results yet.
func withSLOs(t *testing.T) func(o *web.Options, st *store.Store, clk *clock.Fake) {
	return func(o *web.Options, st *store.Store, clk *clock.Fake) {
		now := clk.Now()
		var rs []monitor.Result
		for i := range 600 {
			status := monitor.StatusUp
			if i%60 == 59 {
				status = monitor.StatusDown
			}
			rs = append(rs, monitor.Result{Monitor: "api", At: now.Add(time.Duration(i-600) * time.Second), Duration: 30 * time.Millisecond, Status: status})
		}
		if err := st.InsertResults(context.Background(), rs); err != nil {
			t.Fatal(err)
		}
		objectives := []slo.Objective{
			{Name: "api-availability", Description: "The public API answers.", Target: 0.999, Window: 30 * 24 * time.Hour,
				Monitors: []string{"api"}, About: "Public API on status page acme", Labels: map[string]string{"team": "platform"}},
			{Name: "db", Target: 0.9995, Window: 7 * 24 * time.Hour, Monitors: []string{"db"}, About: "monitors db"},
		}
		o.SLOs = slo.NewEngine(slo.Options{Counts: st, Clock: clk, Objectives: func() []slo.Objective { return objectives }})
	}
}

func TestSLOsAPIAndPage(t *testing.T) {
	e := newEnv(t, false, withSLOs(t))
	r := api(e, "GET", "/api/v1/slos", e.token(auth.ScopeRead), nil)
	var got struct {
		SLOs []struct {
			Name       string
			Firing     string
			SLI        *float64
			BudgetLeft float64 `json:"error_budget_remaining"`
			Results    int
			Bad        int `json:"bad_results"`
			Rules      []struct {
				Severity string
				Factor   float64
				LongRate *float64 `json:"long_burn_rate"`
				Firing   bool
			}
		}
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.status != 200 || len(got.SLOs) != 2 {
		t.Fatalf("GET /api/v1/slos: %d %v %s", r.status, err, r.body)
	}
	api, db := got.SLOs[0], got.SLOs[1]
	if api.Firing != "slo_page" || api.Results != 600 || api.Bad != 10 || api.SLI == nil || len(api.Rules) != 4 || !api.Rules[0].Firing ||
		api.Rules[0].Factor != 14.4 || api.Rules[0].LongRate == nil || *api.Rules[0].LongRate < 16 {
		t.Errorf("api-availability: %s", r.body)
	}
	if db.Firing != "" || db.SLI != nil || db.BudgetLeft != 1 || db.Rules[0].LongRate != nil {
		t.Errorf("db without results: %+v", db)
	}

	b := e.browser()
	e.addUser("alice")
	b.login("alice", password, "")
	page := b.get("/slos")
	for _, want := range []string{"api-availability", "paging", "no results yet", "Error budget left", "14.4×", "team=platform"} {
		if page.status != 200 || !strings.Contains(page.body, want) {
			t.Errorf("/slos lacks %q (status %d)", want, page.status)
		}
	}
	if one := b.get("/slos/db"); one.status != 200 || strings.Contains(one.body, "api-availability") {
		t.Errorf("/slos/db: %d, or shows the other SLO", one.status)
	}
	if none := b.get("/slos/nope"); none.status != 404 {
		t.Errorf("/slos/nope: %d", none.status)
	}
}

func TestWeeklyReportAPIAndPage(t *testing.T) {
	e := newEnv(t, false, withReports(t))
	read := e.token(auth.ScopeRead)
	for query, want := range map[string]string{
		"?page=acme&week=2026-W54": `week "2026-W54": 2026 has weeks 01 to 53`,
		"?page=acme&week=2026-41":  `week "2026-41": want an ISO week YYYY-Www, like 2026-W23`,
		"?page=acme&week=2026-W49": "week 2026-W49 has not begun (it is 2026-11-23 in Europe/Paris)",
		"?page=x":                  `page: no status page "x" (pages: acme)`,
	} {
		r := api(e, "GET", "/api/v1/reports/weekly"+query, read, nil)
		if got := decodeErr(t, r); r.status != 400 || got.Error.Message != want {
			t.Errorf("GET %s: %d %q, want 400 %q", query, r.status, got.Error.Message, want)
		}
	}
	r := api(e, "GET", "/api/v1/reports/weekly?page=acme&week=2026-W41", read, nil)
	var rep struct {
		Week       string
		Complete   bool
		Components []struct {
			Name     string
			Downtime float64 `json:"downtime_seconds"`
		}
		TopOffenders []struct{ Name string } `json:"top_offenders"`
	}
	if err := json.Unmarshal([]byte(r.body), &rep); err != nil || r.status != 200 || rep.Week != "2026-W41" || !rep.Complete ||
		rep.Components[0].Downtime != 50*60 || len(rep.TopOffenders) != 1 || rep.TopOffenders[0].Name != "Web app" {
		t.Errorf("weekly JSON: %d %v %s", r.status, err, r.body)
	}
	// Without ?week=, the last whole week.
	if r := api(e, "GET", "/api/v1/reports/weekly?page=acme", read, nil); r.status != 200 || !strings.Contains(r.body, `"week": "2026-W47"`) {
		t.Errorf("default week: %d %.300s", r.status, r.body)
	}
	b := e.browser()
	e.addUser("alice")
	b.login("alice", password, "")
	page := b.get("/reports/weekly?page=acme&week=2026-W41")
	for _, want := range []string{`name="week" value="2026-W41"`, "week 41, 2026 (5–11 October)", "Top offenders", "Uptime per component",
		`href="/api/v1/reports/weekly?page=acme&amp;week=2026-W41"`} {
		if page.status != 200 || !strings.Contains(page.body, want) {
			t.Errorf("/reports/weekly lacks %q (status %d)", want, page.status)
		}
	}
}
