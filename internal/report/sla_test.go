package report_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/monitor"
	"vigie/internal/report"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store"
	"vigie/internal/store/storetest"
)

// world is a real SQLite store behind a real status service, with a clock tests set.
type world struct {
	t     *testing.T
	store *store.Store
	clock *clock.Fake
	snaps []monitor.Snapshot
	pages []*status.Page
	svc   *status.Service
}

func newWorld(t *testing.T, now time.Time) *world {
	w := &world{t: t, store: storetest.OpenSQLite(t).Store, clock: clock.NewFake(now)}
	w.svc = status.NewService(status.Options{History: w.store, Clock: w.clock, Maintenances: w.store,
		Monitors: func() []monitor.Snapshot { return w.snaps }, Pages: func() []*status.Page { return w.pages }})
	return w
}

func (w *world) monitor(name string) {
	w.snaps = append(w.snaps, monitor.Snapshot{Definition: &monitor.Definition{Name: name}, State: monitor.StateUp})
}

func (w *world) event(name string, at time.Time, st monitor.State) {
	w.t.Helper()
	if err := w.store.InsertEvent(context.Background(), monitor.Event{Monitor: name, At: at, State: st}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) outage(name string, from, to time.Time) {
	w.event(name, from, monitor.StateDown)
	w.event(name, to, monitor.StateUp)
}

func (w *world) maintenance(page, component string, from, to time.Time) {
	w.t.Helper()
	m := &status.Maintenance{Page: page, Components: []string{component}, Title: "Works", StartsAt: from, EndsAt: to,
		CreatedBy: "test", CreatedAt: from.Add(-24 * time.Hour)}
	if err := w.store.CreateMaintenance(context.Background(), m); err != nil {
		w.t.Fatal(err)
	}
}

// acme is May 2026 in Paris (31 days, no clock change): a web app, an API behind two monitors
// (rule share), a search service monitored from the 10th, and a legacy component never seen.
func acme(t *testing.T, now time.Time) (*world, *status.Page) {
	paris := mustLoad(t, "Europe/Paris")
	w := newWorld(t, now)
	page := &status.Page{Slug: "acme", Title: "Acme status", Location: paris, Target: 0.999,
		Weights: sla.Weights{Degraded: 0, PartialOutage: 0.5, MajorOutage: 1},
		Groups: []status.Group{
			{Name: "Platform", Components: []status.Component{
				{ID: "web-app", Name: "Web app", Monitors: []string{"web"}},
				{ID: "api", Name: "API", Monitors: []string{"api1", "api2"}, Share: true},
			}},
			{Name: "Extras", Components: []status.Component{
				{ID: "search", Name: "Search", Monitors: []string{"search"}},
				{ID: "legacy", Name: "Legacy", Monitors: []string{"old"}},
			}},
		}}
	w.pages = []*status.Page{page}
	local := func(d, h, m int) time.Time { return time.Date(2026, 5, d, h, m, 0, 0, paris) }
	for _, m := range []string{"web", "api1", "api2", "search", "old"} {
		w.monitor(m)
	}
	for _, m := range []string{"web", "api1", "api2"} {
		w.event(m, time.Date(2026, 4, 20, 9, 0, 0, 0, paris), monitor.StateUp)
	}
	w.event("search", local(10, 12, 0), monitor.StateUp)
	w.outage("web", local(5, 10, 0), local(5, 10, 30))
	w.outage("api1", local(12, 14, 0), local(12, 15, 0))
	w.maintenance("acme", "web-app", local(20, 2, 0), local(20, 4, 0))
	w.outage("web", local(20, 3, 0), local(20, 5, 0))
	return w, page
}

func TestSLAReport(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	local := func(d, h, m int) time.Time { return time.Date(2026, 5, d, h, m, 0, 0, paris) }
	w, page := acme(t, time.Date(2026, 6, 3, 9, 0, 0, 0, paris))
	r, err := report.BuildSLA(context.Background(), w.svc, page, report.Month{Year: 2026, Month: time.May}, w.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete || r.Month != "2026-05" || r.Zone != "Europe/Paris" || !r.From.Equal(local(1, 0, 0)) || !r.To.Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, paris)) {
		t.Fatalf("report covers %s [%v, %v) complete %v", r.Month, r.From, r.To, r.Complete)
	}
	month := 744 * time.Hour
	type want struct {
		uptime                    *float64
		budget, used, left, maint time.Duration
		breached, noData          bool
		dataFrom                  time.Time
		episodes                  int
	}
	f := func(v float64) *float64 { return &v }
	wants := map[string]want{
		// 30 min down on the 5th, and 1 h of the 2 h outage on the 20th outside its maintenance.
		"Web app": {uptime: f(1 - 1.5/742), budget: 44*time.Minute + 31200*time.Millisecond, used: 90 * time.Minute,
			left: 44*time.Minute + 31200*time.Millisecond - 90*time.Minute, maint: 2 * time.Hour, breached: true, dataFrom: local(1, 0, 0), episodes: 2},
		// One monitor of two down for an hour is a partial outage, weighted 0.5.
		"API": {uptime: f(1 - 0.5/744), budget: 44*time.Minute + 38400*time.Millisecond, used: 30 * time.Minute,
			left: 14*time.Minute + 38400*time.Millisecond, dataFrom: local(1, 0, 0), episodes: 1},
		"Search": {uptime: f(1), budget: 44*time.Minute + 38400*time.Millisecond, left: 44*time.Minute + 38400*time.Millisecond, dataFrom: local(10, 12, 0)},
		"Legacy": {budget: 44*time.Minute + 38400*time.Millisecond, left: 44*time.Minute + 38400*time.Millisecond, noData: true},
	}
	if len(r.Components) != len(wants) {
		t.Fatalf("got %d components, want %d", len(r.Components), len(wants))
	}
	for _, c := range r.Components {
		w := wants[c.Name]
		uptimeOK := (c.Uptime == nil) == (w.uptime == nil) && (c.Uptime == nil || abs(*c.Uptime-*w.uptime) < 1e-12)
		if !uptimeOK || c.Budget.D() != w.budget || c.Used.D() != w.used || c.Left.D() != w.left || c.Maintenance.D() != w.maint ||
			c.Breached != w.breached || c.NoData != w.noData || !c.DataFrom.Equal(w.dataFrom) || len(c.Episodes) != w.episodes || c.Total.D() != month {
			t.Errorf("%s: uptime %v budget %v used %v left %v maint %v breached %v noData %v from %v episodes %d\nwant %+v",
				c.Name, ptr(c.Uptime), c.Budget.D(), c.Used.D(), c.Left.D(), c.Maintenance.D(), c.Breached, c.NoData, c.DataFrom, len(c.Episodes), w)
		}
	}

	// The page: each episode is some components down, a partial outage weighted 0.5; the web
	// app's maintenance is not the page's, but its outage inside it does not count.
	o := r.Overall
	if o.Used.D() != 75*time.Minute || o.Maintenance != 0 || !o.Breached || o.Budget.D() != 44*time.Minute+38400*time.Millisecond {
		t.Errorf("page: used %v maint %v breached %v budget %v; want 1h15m, 0, true, 44m38.4s", o.Used.D(), o.Maintenance.D(), o.Breached, o.Budget.D())
	}
	type ep struct {
		from, to   time.Time
		down       time.Duration
		components string
	}
	wantEps := []ep{
		{local(5, 10, 0), local(5, 10, 30), 15 * time.Minute, "Web app"},
		{local(12, 14, 0), local(12, 15, 0), 30 * time.Minute, "API"},
		{local(20, 4, 0), local(20, 5, 0), 30 * time.Minute, "Web app"},
	}
	if len(o.Episodes) != len(wantEps) {
		t.Fatalf("page episodes: got %d, want %d: %+v", len(o.Episodes), len(wantEps), o.Episodes)
	}
	for i, e := range o.Episodes {
		we := wantEps[i]
		if !e.From.Equal(we.from) || !e.To.Equal(we.to) || e.Downtime.D() != we.down || strings.Join(e.Components, ",") != we.components || e.Worst != sla.PartialOutage || e.Ongoing {
			t.Errorf("page episode %d: [%v, %v) %v %v %v ongoing %v; want %+v", i, e.From, e.To, e.Downtime.D(), e.Components, e.Worst, e.Ongoing, we)
		}
	}
	if n := len(r.Burn); n != 31 || r.Burn[n-1].Used.D() != o.Used.D() || !r.Burn[n-1].At.Equal(r.To) || r.Burn[4].Used.D() != 15*time.Minute || r.Burn[3].Used != 0 {
		t.Errorf("burn: %d points, last %v at %v, 5 May %v", n, r.Burn[n-1].Used.D(), r.Burn[n-1].At, r.Burn[4].Used.D())
	}

	t.Run("json", func(t *testing.T) {
		b, err := r.JSON()
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Month      string
			Target     float64
			Overall    map[string]any
			Components []map[string]any
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		web := doc.Components[0]
		if doc.Month != "2026-05" || doc.Target != 0.999 || web["used_seconds"] != 5400.0 || web["budget_seconds"] != 2671.2 || web["breached"] != true ||
			doc.Overall["used_seconds"] != 4500.0 || doc.Components[3]["uptime"] != nil || doc.Components[3]["no_data"] != true {
			t.Errorf("JSON: %s", b)
		}
		if !strings.Contains(string(b), `"worst": "partial_outage"`) {
			t.Errorf("episode levels should read as names: %s", b)
		}
	})
	t.Run("csv", func(t *testing.T) {
		var b bytes.Buffer
		if err := r.CSV(&b); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		// Header, the page, four components, three episodes.
		if len(rows) != 9 || strings.Join(rows[0], ",") != "row,component,group,from,to,worst,uptime_percent,target_percent,budget_seconds,used_seconds,left_seconds,breached,maintenance_seconds,downtime_seconds" {
			t.Fatalf("CSV:\n%s", b.String())
		}
		web := strings.Join(rows[2], ",")
		if web != "component,Web app,Platform,2026-05-01T00:00:00+02:00,2026-06-01T00:00:00+02:00,,99.797844,99.9,2671.2,5400,-2728.8,true,7200,5400" {
			t.Errorf("web row = %s", web)
		}
		if ep := strings.Join(rows[8], ","); ep != "episode,Web app,,2026-05-20T04:00:00+02:00,2026-05-20T05:00:00+02:00,partial_outage,,,,,,,0,1800" {
			t.Errorf("last episode row = %s", ep)
		}
	})
	t.Run("printable", func(t *testing.T) {
		b, err := r.Printable()
		if err != nil {
			t.Fatal(err)
		}
		html := string(b)
		style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(html)
		if style == nil {
			t.Fatal("no style sheet")
		}
		sum := sha256.Sum256([]byte(style[1]))
		if !strings.Contains(report.PrintStyleCSP, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
			t.Error("the CSP hash does not match the style sheet the document carries")
		}
		for _, want := range []string{"Acme status — May 2026", "target missed", "99.7978 %", "1 h 30 min", "−45 min 28 s", "@media print", "<svg class=\"rchart burn\""} {
			if !strings.Contains(html, want) {
				t.Errorf("printable report lacks %q", want)
			}
		}
		if strings.Contains(html, " style=") || strings.Contains(html, "<script") {
			t.Error("printable report has inline style attributes or script, which its CSP refuses")
		}
	})
	t.Run("table", func(t *testing.T) {
		var b bytes.Buffer
		if err := r.Table(&b); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"SLA report — Acme status (acme) — May 2026, Europe/Paris, complete", "Target 99.9 % · budget 44 min 38 s",
			"(whole page)", "target missed", "Legacy", "no data", "Tue 12 May 14:00 CEST"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("table lacks %q:\n%s", want, b.String())
			}
		}
	})
}

func TestSLAReportOfTheMonthInProgress(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	now := time.Date(2026, 5, 12, 14, 30, 0, 0, paris)
	w, page := acme(t, now)
	r, err := report.BuildSLA(context.Background(), w.svc, page, report.MonthOf(now, paris), now)
	if err != nil {
		t.Fatal(err)
	}
	api := r.Components[1]
	if r.Complete || api.Used.D() != 15*time.Minute || len(api.Episodes) != 1 || !api.Episodes[0].Ongoing || !api.Episodes[0].To.Equal(now) {
		t.Errorf("in progress: complete %v, API used %v, episodes %+v", r.Complete, api.Used.D(), api.Episodes)
	}
	// The budget is the whole month's, so what is left says what the rest of the month may use.
	if api.Budget.D() != 44*time.Minute+38400*time.Millisecond || r.Components[0].Budget.D() != 44*time.Minute+38400*time.Millisecond {
		t.Errorf("budgets %v, %v; want the whole month's", api.Budget.D(), r.Components[0].Budget.D())
	}
	if last := r.Burn[len(r.Burn)-1]; len(r.Burn) != 12 || !last.At.Equal(now) {
		t.Errorf("burn has %d points ending %v, want 12 ending now", len(r.Burn), last.At)
	}

	_, err = report.BuildSLA(context.Background(), w.svc, page, report.Month{Year: 2026, Month: time.June}, now)
	if !errs.Is(err, errs.Invalid) || errs.MessageOf(err) != "month 2026-06 has not begun (it is 2026-05-12 in Europe/Paris)" {
		t.Errorf("a future month: %v", err)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func ptr(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
