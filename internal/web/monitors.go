package web

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/monitor"
)

// MonitorView is what the server reads about monitors.
type MonitorView interface {
	Snapshots() []monitor.Snapshot
	Uptime(ctx context.Context, name string, since time.Time) (float64, bool, error)
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

func (s *Server) monitorJSON(ctx context.Context, snap monitor.Snapshot) (monitorJSON, error) {
	d := snap.Definition
	out := monitorJSON{Name: d.Name, Type: d.Kind, Labels: d.Labels, State: snap.State, Reason: snap.Reason,
		DependsOn: d.DependsOn, IntervalS: d.Interval.Seconds(), Last: toLastJSON(snap.Last)}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if !snap.Since.IsZero() {
		out.Since = &snap.Since
	}
	now := s.Clock.Now()
	for _, w := range uptimeWindows {
		ratio, ok, err := s.Monitors.Uptime(ctx, d.Name, now.Add(-w.Span))
		if err != nil {
			return out, err
		}
		u := uptimeJSON{Window: w.Label}
		if ok {
			u.Ratio = &ratio
		}
		out.Uptime = append(out.Uptime, u)
	}
	return out, nil
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
	for _, snap := range s.snapshots() {
		m, err := s.monitorJSON(r.Context(), snap)
		if err != nil {
			return err
		}
		out = append(out, m)
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
	m, err := s.monitorJSON(r.Context(), snap)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
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

func (s *Server) monitorsPage(w http.ResponseWriter, r *http.Request) error {
	now := s.Clock.Now()
	from := now.Add(-24 * time.Hour)
	var rows []monitorRow
	counts := map[monitor.State]int{}
	for _, snap := range s.snapshots() {
		counts[snap.State]++
		rs, err := s.Monitors.History(r.Context(), snap.Definition.Name, from, now.Add(time.Second))
		if err != nil {
			return err
		}
		row := monitorRow{Snap: snap}
		if snap.Definition.Probe != nil { // heartbeats have no response time to draw
			row.Spark = sparkline(rs, from, now)
		}
		for _, win := range uptimeWindows {
			ratio, ok, err := s.Monitors.Uptime(r.Context(), snap.Definition.Name, now.Add(-win.Span))
			if err != nil {
				return err
			}
			row.Uptimes = append(row.Uptimes, labelled{win.Label, percent(ratio, ok)})
		}
		if snap.Last != nil && snap.Definition.Probe != nil {
			row.Last = shortDuration(snap.Last.Duration)
		}
		rows = append(rows, row)
	}
	// Trouble first, then by name: the list is read top-down in an outage.
	rank := map[monitor.State]int{monitor.StateDown: 0, monitor.StateDegraded: 1, monitor.StateUnknown: 2, monitor.StateUp: 3}
	sort.SliceStable(rows, func(i, j int) bool { return rank[rows[i].Snap.State] < rank[rows[j].Snap.State] })
	data := struct {
		Rows                      []monitorRow
		Up, Degraded, Down, Other int
	}{rows, counts[monitor.StateUp], counts[monitor.StateDegraded], counts[monitor.StateDown], counts[monitor.StateUnknown]}
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
