package web

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

// The machine-readable status follows Statuspage's public API (v2) field for field, so
// tools that read a Statuspage page read a vigie page.

type spPage struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	TimeZone  string    `json:"time_zone"`
	UpdatedAt time.Time `json:"updated_at"`
}

type spStatus struct {
	Indicator   string `json:"indicator"` // none, minor, major, critical
	Description string `json:"description"`
}

type spComponent struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Status             string    `json:"status"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Position           int       `json:"position"`
	Description        *string   `json:"description"`
	Showcase           bool      `json:"showcase"`
	StartDate          *string   `json:"start_date"`
	GroupID            *string   `json:"group_id"`
	PageID             string    `json:"page_id"`
	Group              bool      `json:"group"`
	OnlyShowIfDegraded bool      `json:"only_show_if_degraded"`
	Components         []string  `json:"components,omitempty"` // a group's members
}

func indicator(l sla.Level) string {
	switch l {
	case sla.Degraded, sla.PartialOutage:
		return "minor"
	case sla.MajorOutage:
		return "major"
	}
	return "none"
}

func (s *Server) spPage(v *status.View) spPage {
	base := strings.TrimRight(s.Settings().BaseURL, "/")
	return spPage{ID: v.Page.Slug, Name: v.Page.Title, URL: base + "/status/" + v.Page.Slug, TimeZone: v.Page.Location.String(), UpdatedAt: v.At.UTC().Truncate(time.Second)}
}

func spStatusOf(v *status.View) spStatus {
	return spStatus{Indicator: indicator(v.Overall), Description: status.Describe(v.Overall)}
}

func spComponents(v *status.View) []spComponent {
	out := []spComponent{}
	pos := 0
	at := v.At.UTC().Truncate(time.Second)
	for _, g := range v.Groups {
		pos++
		groupID := v.Page.Slug + "." + g.ID
		group := spComponent{ID: groupID, Name: g.Name, Status: g.Level.String(), CreatedAt: at, UpdatedAt: at, Position: pos,
			PageID: v.Page.Slug, Group: true}
		var members []spComponent
		for _, c := range g.Components {
			pos++
			id := v.Page.Slug + "." + c.ID
			group.Components = append(group.Components, id)
			m := spComponent{ID: id, Name: c.Name, Status: c.Level.String(), CreatedAt: at, UpdatedAt: at, Position: pos,
				Showcase: true, PageID: v.Page.Slug, GroupID: &groupID}
			if c.InMaintenance {
				m.Status = "under_maintenance"
			}
			if c.Description != "" {
				m.Description = &c.Description
			}
			if c.Since.Before(v.At) {
				d := c.Since.In(v.Page.Location).Format("2006-01-02")
				m.StartDate = &d
			}
			members = append(members, m)
		}
		out = append(out, group)
		out = append(out, members...)
	}
	return out
}

type spUpdate struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	DisplayAt time.Time `json:"display_at"`
}

type spMaintenance struct {
	ID              string        `json:"id"`
	Name            string        `json:"name"`
	Status          string        `json:"status"` // scheduled, in_progress
	CreatedAt       time.Time     `json:"created_at"`
	UpdatedAt       time.Time     `json:"updated_at"`
	ScheduledFor    time.Time     `json:"scheduled_for"`
	ScheduledUntil  time.Time     `json:"scheduled_until"`
	Impact          string        `json:"impact"`
	Shortlink       string        `json:"shortlink"`
	PageID          string        `json:"page_id"`
	IncidentUpdates []spUpdate    `json:"incident_updates"`
	Components      []spComponent `json:"components"`
}

// spMaintenances lists what the page announces, newest update first as Statuspage does.
func (s *Server) spMaintenances(v *status.View) []spMaintenance {
	out := []spMaintenance{}
	comps := map[string]spComponent{}
	for _, c := range spComponents(v) {
		comps[c.ID] = c
	}
	for _, m := range v.Maintenance {
		id := v.Page.Slug + ".m" + strconv.FormatInt(m.ID, 10)
		sm := spMaintenance{ID: id, Name: m.Title, Status: m.State, CreatedAt: m.CreatedAt, UpdatedAt: m.CreatedAt,
			ScheduledFor: m.Window.From.UTC(), ScheduledUntil: m.Window.To.UTC(), Impact: "maintenance",
			Shortlink: s.spPage(v).URL, PageID: v.Page.Slug, IncidentUpdates: []spUpdate{}, Components: []spComponent{}}
		if m.Body != "" {
			sm.IncidentUpdates = append(sm.IncidentUpdates, spUpdate{ID: id + ".0", Status: "scheduled", Body: m.Body,
				CreatedAt: m.CreatedAt, UpdatedAt: m.CreatedAt, DisplayAt: m.CreatedAt})
		}
		for i, u := range m.Updates {
			sm.IncidentUpdates = append(sm.IncidentUpdates, spUpdate{ID: id + "." + strconv.Itoa(i+1), Status: m.State, Body: u.Body,
				CreatedAt: u.At, UpdatedAt: u.At, DisplayAt: u.At})
			sm.UpdatedAt = u.At
		}
		slices.Reverse(sm.IncidentUpdates)
		for _, c := range m.Components {
			if comp, ok := comps[v.Page.Slug+"."+c]; ok {
				sm.Components = append(sm.Components, comp)
			}
		}
		out = append(out, sm)
	}
	return out
}

func (s *Server) serveStatusJSON(w http.ResponseWriter, r *http.Request, kind string, body func(v *status.View) (any, error)) error {
	v, err := s.statusView(w, r)
	if err != nil {
		return err
	}
	// Other sites' dashboards read these; the data is public (or token-protected) anyway.
	if v.Page.Token == "" {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}
	return s.serveCached(w, r, v, kind+":"+v.Page.Slug, "application/json", func(buf *bytes.Buffer) error {
		out, err := body(v)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(buf)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	})
}

func (s *Server) statusSummaryJSON(w http.ResponseWriter, r *http.Request) error {
	return s.serveStatusJSON(w, r, "summary", func(v *status.View) (any, error) {
		incs, err := s.publicIncidents(r.Context(), v.Page)
		if err != nil {
			return nil, err
		}
		return map[string]any{"page": s.spPage(v), "status": spStatusOf(v), "components": spComponents(v),
			"incidents": s.spIncidents(v, unresolved(incs)), "scheduled_maintenances": s.spMaintenances(v)}, nil
	})
}

func (s *Server) statusStatusJSON(w http.ResponseWriter, r *http.Request) error {
	return s.serveStatusJSON(w, r, "status", func(v *status.View) (any, error) {
		return map[string]any{"page": s.spPage(v), "status": spStatusOf(v)}, nil
	})
}

func (s *Server) statusComponentsJSON(w http.ResponseWriter, r *http.Request) error {
	return s.serveStatusJSON(w, r, "components", func(v *status.View) (any, error) {
		return map[string]any{"page": s.spPage(v), "components": spComponents(v)}, nil
	})
}

// statusBadge is an embeddable SVG: ?component=ID (default the whole page) and
// ?show=status (default) or ?show=uptime&days=7|30|90.
func (s *Server) statusMaintenancesJSON(w http.ResponseWriter, r *http.Request) error {
	return s.serveStatusJSON(w, r, "maintenances", func(v *status.View) (any, error) {
		return map[string]any{"page": s.spPage(v), "scheduled_maintenances": s.spMaintenances(v)}, nil
	})
}

func (s *Server) statusBadge(w http.ResponseWriter, r *http.Request) error {
	v, err := s.statusView(w, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	label, level, days := v.Page.Title, v.Overall, 0
	var comp *status.ComponentView
	if id := q.Get("component"); id != "" {
		for gi := range v.Groups {
			for ci := range v.Groups[gi].Components {
				if v.Groups[gi].Components[ci].ID == id {
					comp = &v.Groups[gi].Components[ci]
				}
			}
		}
		if comp == nil {
			return errs.E(errs.NotFound, "no component %q on this page", id)
		}
		label, level = comp.Name, comp.Level
	}
	show := q.Get("show")
	switch show {
	case "", "status":
		show = "status"
	case "uptime":
		days = 30
		if d := q.Get("days"); d != "" {
			n, err := strconv.Atoi(d)
			if err != nil || (n != 7 && n != 30 && n != 90) {
				return errs.E(errs.Invalid, "days: want 7, 30 or 90, got %q", d)
			}
			days = n
		}
	default:
		return errs.E(errs.Invalid, "show: want status or uptime, got %q", show)
	}
	key := fmt.Sprintf("badge:%s:%s:%s:%d", v.Page.Slug, q.Get("component"), show, days)
	return s.serveCached(w, r, v, key, "image/svg+xml", func(buf *bytes.Buffer) error {
		value, class := strings.ReplaceAll(level.String(), "_", " "), levelClass(level)
		if show == "uptime" {
			ratio, ok := badgeUptime(v, comp, days)
			value, class = uptimeText(ratio, ok), uptimeClass(ratio, ok, v.Page.Target)
		}
		buf.WriteString(badgeSVG(label, value, class))
		return nil
	})
}

// badgeUptime is the uptime over the last n days (from when data begins), for one
// component or the mean of all.
func badgeUptime(v *status.View, comp *status.ComponentView, n int) (float64, bool) {
	var comps []status.ComponentView
	if comp != nil {
		comps = []status.ComponentView{*comp}
	} else {
		for _, g := range v.Groups {
			comps = append(comps, g.Components...)
		}
	}
	var sum float64
	var counted int
	for _, c := range comps {
		from := v.At.AddDate(0, 0, -n)
		if c.Since.After(from) {
			from = c.Since
		}
		if !from.Before(v.At) {
			continue // no data yet
		}
		sum += sla.Compute(sla.Window{From: from, To: v.At}, c.Timeline, nil, v.Page.Weights, v.Page.Target).Uptime
		counted++
	}
	if counted == 0 {
		return 0, false
	}
	return sum / float64(counted), true
}

func uptimeClass(ratio float64, ok bool, target float64) string {
	switch {
	case !ok:
		return "none"
	case ratio >= target:
		return "op"
	case ratio >= 1-(1-target)*10:
		return "deg"
	}
	return "major"
}

var badgeColours = map[string]string{"op": "#1a7f37", "deg": "#9a6700", "part": "#bc4c00", "major": "#b42318", "none": "#6e7781"}

// badgeSVG draws a two-part badge; text width is estimated at 6.5 px a character, which is
// close enough for the 11 px sans-serif it uses.
func badgeSVG(label, value, class string) string {
	lw, vw := 10+int(6.5*float64(len([]rune(label)))), 10+int(6.5*float64(len([]rune(value))))
	esc := func(s string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s: %s">`+
		`<title>%s: %s</title><rect width="%d" height="20" fill="#555"/><rect x="%d" width="%d" height="20" fill="%s"/>`+
		`<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">`+
		`<text x="%d" y="14">%s</text><text x="%d" y="14">%s</text></g></svg>`,
		lw+vw, esc(label), esc(value), esc(label), esc(value), lw, lw, vw, badgeColours[class],
		lw/2, esc(label), lw+vw/2, esc(value))
}
