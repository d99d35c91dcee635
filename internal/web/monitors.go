package web

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/human"
	"vigie/internal/monitor"
)

// MonitorView is what the server reads about monitors.
type MonitorView interface {
	Snapshots() []monitor.Snapshot
	Uptime(ctx context.Context, name string, since time.Time) (float64, bool, error)
	// UptimeAll is every monitor's uptime over the last window (absent: no runs), cached briefly.
	UptimeAll(ctx context.Context, window time.Duration) (map[string]float64, error)
	History(ctx context.Context, name string, from, to time.Time) ([]monitor.Result, error)
	Events(ctx context.Context, name string, from, to time.Time) ([]monitor.Event, error)
}

// Pinger receives heartbeat pings. An unknown token is errs.NotFound.
type Pinger interface {
	PingToken(ctx context.Context, token string, kind monitor.PingKind, exitCode *int, message string) error
}

var uptimeWindows = []struct {
	Label string
	Span  time.Duration
}{{"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}, {"30d", 30 * 24 * time.Hour}}

type uptimeJSON struct {
	Window string   `json:"window"`
	Ratio  *float64 `json:"ratio"` // null when there were no checks
}

type lastJSON struct {
	At         time.Time `json:"at"`
	DurationMS float64   `json:"duration_ms"`
	Status     string    `json:"status"`
	Message    string    `json:"message,omitempty"`
}

type monitorJSON struct {
	Name      string            `json:"name"`
	Type      string            `json:"type"`
	Labels    map[string]string `json:"labels"`
	State     monitor.State     `json:"state"`
	Since     *time.Time        `json:"since"`
	Reason    string            `json:"reason,omitempty"`
	DependsOn string            `json:"depends_on,omitempty"`
	IntervalS float64           `json:"interval_seconds"`
	Last      *lastJSON         `json:"last"`
	Uptime    []uptimeJSON      `json:"uptime"`
}

func toLastJSON(r *monitor.Result) *lastJSON {
	if r == nil {
		return nil
	}
	return &lastJSON{At: r.At, DurationMS: float64(r.Duration.Microseconds()) / 1000, Status: r.Status.String(), Message: r.Message}
}

func (s *Server) monitorJSON(snap monitor.Snapshot) monitorJSON {
	d := snap.Definition
	out := monitorJSON{Name: d.Name, Type: d.Kind, Labels: d.Labels, State: snap.State, Reason: snap.Reason,
		DependsOn: d.DependsOn, IntervalS: d.Interval.Seconds(), Last: toLastJSON(snap.Last), Uptime: []uptimeJSON{}}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if !snap.Since.IsZero() {
		out.Since = &snap.Since
	}
	return out
}

// allUptimes is UptimeAll for each window of uptimeWindows, in order.
func (s *Server) allUptimes(ctx context.Context) ([]map[string]float64, error) {
	out := make([]map[string]float64, len(uptimeWindows))
	for i, w := range uptimeWindows {
		m, err := s.Monitors.UptimeAll(ctx, w.Span)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

func uptimesOf(name string, all []map[string]float64) []uptimeJSON {
	out := make([]uptimeJSON, len(uptimeWindows))
	for i, w := range uptimeWindows {
		out[i].Window = w.Label
		if r, ok := all[i][name]; ok {
			out[i].Ratio = &r
		}
	}
	return out
}

func (s *Server) snapshot(name string) (monitor.Snapshot, error) {
	if s.Monitors != nil {
		for _, snap := range s.Monitors.Snapshots() {
			if snap.Definition.Name == name {
				return snap, nil
			}
		}
	}
	return monitor.Snapshot{}, errs.E(errs.NotFound, "no monitor named %q", name)
}

func (s *Server) snapshots() []monitor.Snapshot {
	if s.Monitors == nil {
		return nil
	}
	return s.Monitors.Snapshots()
}

func (s *Server) apiListMonitors(w http.ResponseWriter, r *http.Request) error {
	out := []monitorJSON{}
	snaps := s.snapshots()
	if len(snaps) > 0 {
		all, err := s.allUptimes(r.Context())
		if err != nil {
			return err
		}
		for _, snap := range snaps {
			m := s.monitorJSON(snap)
			m.Uptime = uptimesOf(snap.Definition.Name, all)
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"monitors": out})
	return nil
}

type eventJSON struct {
	At       time.Time     `json:"at"`
	State    monitor.State `json:"state"`
	Previous monitor.State `json:"previous"`
	Reason   string        `json:"reason,omitempty"`
}

func (s *Server) apiGetMonitor(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.snapshot(r.PathValue("name"))
	if err != nil {
		return err
	}
	m := s.monitorJSON(snap)
	now := s.Clock.Now()
	for _, win := range uptimeWindows {
		ratio, ok, err := s.Monitors.Uptime(r.Context(), snap.Definition.Name, now.Add(-win.Span))
		if err != nil {
			return err
		}
		u := uptimeJSON{Window: win.Label}
		if ok {
			u.Ratio = &ratio
		}
		m.Uptime = append(m.Uptime, u)
	}
	evs, err := s.Monitors.Events(r.Context(), snap.Definition.Name, now.Add(-30*24*time.Hour), now.Add(time.Second))
	if err != nil {
		return err
	}
	events := []eventJSON{}
	for i := len(evs) - 1; i >= 0 && len(events) < 100; i-- {
		events = append(events, eventJSON{At: evs[i].At, State: evs[i].State, Previous: evs[i].Previous, Reason: evs[i].Reason})
	}
	writeJSON(w, http.StatusOK, map[string]any{"monitor": m, "events": events})
	return nil
}

// apiMonitorResults lists raw results in ?from=&to= (RFC 3339; default the last 24 hours).
func (s *Server) apiMonitorResults(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.snapshot(r.PathValue("name"))
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	from, err := timeParam(r, "from", now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	to, err := timeParam(r, "to", now.Add(time.Second))
	if err != nil {
		return err
	}
	if !from.Before(to) {
		return errs.E(errs.Invalid, "from must be before to")
	}
	if to.Sub(from) > 31*24*time.Hour {
		return errs.E(errs.Invalid, "ask for at most 31 days at a time")
	}
	rs, err := s.Monitors.History(r.Context(), snap.Definition.Name, from, to)
	if err != nil {
		return err
	}
	out := make([]*lastJSON, 0, len(rs))
	for i := range rs {
		out = append(out, toLastJSON(&rs[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
	return nil
}

func timeParam(r *http.Request, name string, def time.Time) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errs.E(errs.Invalid, "%s: want an RFC 3339 time like 2026-11-23T09:00:00Z, got %q", name, v)
	}
	return t, nil
}

// ping takes a heartbeat: /ping/{token}, /ping/{token}/start, /ping/{token}/fail and
// /ping/{token}/{exit code}. A body that is a number is an exit code; other text is kept as
// the message (the first 500 bytes).
func (s *Server) ping(w http.ResponseWriter, r *http.Request) error {
	if s.Pinger == nil {
		return errs.E(errs.NotFound, "no heartbeat monitors")
	}
	kind := monitor.PingSuccess
	var exit *int
	switch what := r.PathValue("what"); what {
	case "":
	case "start":
		kind = monitor.PingStart
	case "fail":
		kind = monitor.PingFail
	default:
		code, err := strconv.Atoi(what)
		if err != nil || code < 0 || code > 255 {
			return errs.E(errs.Invalid, "after the token, use start, fail or an exit code 0-255, not %q", what)
		}
		exit = &code
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 500))
	msg := strings.TrimSpace(string(body))
	if code, err := strconv.Atoi(msg); err == nil && exit == nil && code >= 0 && code <= 255 {
		exit, msg = &code, ""
	}
	if err := s.Pinger.PingToken(r.Context(), r.PathValue("token"), kind, exit, msg); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// Monitor pages.

type monitorRow struct {
	Snap    monitor.Snapshot
	Spark   template.HTML
	Uptimes []labelled
	Last    string
}

type labelled struct{ Label, Value string }

func percent(ratio float64, ok bool) string {
	if !ok {
		return "–"
	}
	if ratio == 1 {
		return "100%"
	}
	return strconv.FormatFloat(ratio*100, 'f', 2, 64) + "%"
}

// monitorsPerPage bounds the list page: with thousands of monitors, one page of rows is
// what a person reads, and each row draws its own sparkline.
const monitorsPerPage = 100

// matchesQuery reports whether a monitor's name, type or a label value contains q.
func matchesQuery(d *monitor.Definition, q string) bool {
	if q == "" || strings.Contains(strings.ToLower(d.Name), q) || d.Kind == q {
		return true
	}
	for k, v := range d.Labels {
		if strings.Contains(strings.ToLower(v), q) || q == strings.ToLower(k+"="+v) {
			return true
		}
	}
	return false
}

type monitorsData struct {
	Rows                      []monitorRow
	Up, Degraded, Down, Other int
	Total, Shown              int // monitors in all, and matching the filter
	Query, State              string
	Page, Pages               int
	Prev, Next                string // links, empty at the ends
}

func (s *Server) monitorsPage(w http.ResponseWriter, r *http.Request) error {
	now := s.Clock.Now()
	from := now.Add(-24 * time.Hour)
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	state := r.URL.Query().Get("state")
	switch monitor.State(state) {
	case "", monitor.StateUp, monitor.StateDegraded, monitor.StateDown, monitor.StateUnknown:
	default:
		return errs.E(errs.Invalid, "state: want up, degraded, down or unknown, got %q", state)
	}
	pageNo := 1
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return errs.E(errs.Invalid, "page: want a page number, got %q", p)
		}
		pageNo = n
	}
	data := monitorsData{Query: q, State: state, Page: pageNo}
	counts := map[monitor.State]int{}
	var matching []monitor.Snapshot
	for _, snap := range s.snapshots() {
		counts[snap.State]++
		data.Total++
		if (state == "" || string(snap.State) == state) && matchesQuery(snap.Definition, q) {
			matching = append(matching, snap)
		}
	}
	data.Up, data.Degraded, data.Down, data.Other = counts[monitor.StateUp], counts[monitor.StateDegraded], counts[monitor.StateDown], counts[monitor.StateUnknown]
	// Trouble first, then by name: the list is read top-down in an outage.
	rank := map[monitor.State]int{monitor.StateDown: 0, monitor.StateDegraded: 1, monitor.StateUnknown: 2, monitor.StateUp: 3}
	sort.SliceStable(matching, func(i, j int) bool { return rank[matching[i].State] < rank[matching[j].State] })
	data.Shown = len(matching)
	data.Pages = max(1, (len(matching)+monitorsPerPage-1)/monitorsPerPage)
	first := min((pageNo-1)*monitorsPerPage, len(matching))
	visible := matching[first:min(first+monitorsPerPage, len(matching))]
	link := func(p int) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		if state != "" {
			v.Set("state", state)
		}
		v.Set("page", strconv.Itoa(p))
		return "/monitors?" + v.Encode()
	}
	if pageNo > 1 {
		data.Prev = link(min(pageNo-1, data.Pages))
	}
	if pageNo < data.Pages {
		data.Next = link(pageNo + 1)
	}
	var all []map[string]float64
	if len(visible) > 0 {
		var err error
		if all, err = s.allUptimes(r.Context()); err != nil {
			return err
		}
	}
	for _, snap := range visible {
		row := monitorRow{Snap: snap}
		if snap.Definition.Probe != nil { // heartbeats have no response time to draw
			rs, err := s.Monitors.History(r.Context(), snap.Definition.Name, from, now.Add(time.Second))
			if err != nil {
				return err
			}
			row.Spark = sparkline(rs, from, now)
		}
		for _, u := range uptimesOf(snap.Definition.Name, all) {
			ratio, ok := 0.0, u.Ratio != nil
			if ok {
				ratio = *u.Ratio
			}
			row.Uptimes = append(row.Uptimes, labelled{u.Window, percent(ratio, ok)})
		}
		if snap.Last != nil && snap.Definition.Probe != nil {
			row.Last = human.Latency(snap.Last.Duration)
		}
		data.Rows = append(data.Rows, row)
	}
	return s.render(w, r, http.StatusOK, "monitors", page{Title: "Monitors", Nav: "monitors", Data: data})
}

func (s *Server) monitorPage(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.snapshot(r.PathValue("name"))
	if err != nil {
		return err
	}
	name := snap.Definition.Name
	now := s.Clock.Now()
	from := now.Add(-24 * time.Hour)
	rs, err := s.Monitors.History(r.Context(), name, from, now.Add(time.Second))
	if err != nil {
		return err
	}
	evs, err := s.Monitors.Events(r.Context(), name, now.Add(-30*24*time.Hour), now.Add(time.Second))
	if err != nil {
		return err
	}
	var uptimes []labelled
	for _, win := range uptimeWindows {
		ratio, ok, err := s.Monitors.Uptime(r.Context(), name, now.Add(-win.Span))
		if err != nil {
			return err
		}
		uptimes = append(uptimes, labelled{win.Label, percent(ratio, ok)})
	}
	recent := rs
	if len(recent) > 20 {
		recent = recent[len(recent)-20:]
	}
	reversed := make([]monitor.Result, len(recent))
	for i, res := range recent {
		reversed[len(recent)-1-i] = res
	}
	events := make([]monitor.Event, 0, len(evs))
	for i := len(evs) - 1; i >= 0 && len(events) < 50; i-- {
		events = append(events, evs[i])
	}
	data := struct {
		Snap    monitor.Snapshot
		Chart   template.HTML
		Bar     template.HTML
		Uptimes []labelled
		Recent  []monitor.Result
		Events  []monitor.Event
	}{snap, responseChart(rs, from, now), statusBar(rs, from, now, 48, "status over the last 24 hours, 30 minutes a bar"), uptimes, reversed, events}
	return s.render(w, r, http.StatusOK, "monitor", page{Title: name, Nav: "monitors", Data: data})
}
