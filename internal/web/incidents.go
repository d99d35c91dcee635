package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/incident"
	"vigie/internal/markdown"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

type incidentJSON struct {
	ID           int64             `json:"id"`
	Title        string            `json:"title"`
	Severity     incident.Severity `json:"severity"`
	Status       incident.Status   `json:"status"`
	Page         string            `json:"page"`
	Components   []affectedJSON    `json:"components"`
	Lead         string            `json:"lead"`
	Comms        string            `json:"comms"`
	ETA          *time.Time        `json:"eta"`
	NextUpdateAt *time.Time        `json:"next_update_at"`
	Overdue      bool              `json:"update_overdue"`
	Remind       []string          `json:"remind"`
	Logbook      logbookJSON       `json:"logbook"`
	StartedAt    time.Time         `json:"started_at"`
	DetectedAt   time.Time         `json:"detected_at"`
	AckedAt      *time.Time        `json:"acknowledged_at"`
	MitigatedAt  *time.Time        `json:"mitigated_at"`
	ResolvedAt   *time.Time        `json:"resolved_at"`
	Measures     measuresJSON      `json:"measures"`
	CreatedBy    string            `json:"created_by"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	Alerts       []alertLinkJSON   `json:"alerts"`
	Timeline     []entryJSON       `json:"timeline"`
	Actions      []actionJSON      `json:"actions"`
	Postmortem   postmortemSummary `json:"postmortem"`
	PublicURL    string            `json:"public_url,omitempty"`
}

type affectedJSON struct {
	Component string    `json:"component"`
	Level     sla.Level `json:"level"`
}

type logbookJSON struct {
	WhatIsGoingOn string `json:"what_is_going_on"`
	HowUnderstood string `json:"how_it_was_understood"`
	WhatWasDone   string `json:"what_was_done"`
	Impacts       string `json:"impacts"`
	HowToAvoid    string `json:"how_to_avoid"`
}

// measuresJSON are in seconds; null until both ends are known.
type measuresJSON struct {
	TimeToDetect      *float64 `json:"time_to_detect_seconds"`
	TimeToAcknowledge *float64 `json:"time_to_acknowledge_seconds"`
	TimeToMitigate    *float64 `json:"time_to_mitigate_seconds"`
	TimeToResolve     *float64 `json:"time_to_resolve_seconds"`
}

type alertLinkJSON struct {
	AlertID int64  `json:"alert_id"`
	Monitor string `json:"monitor"`
}

type entryJSON struct {
	ID      int64              `json:"id"`
	At      time.Time          `json:"at"`
	Kind    incident.EntryKind `json:"kind"`
	Status  incident.Status    `json:"status"`
	Body    string             `json:"body"`
	Author  string             `json:"author"`
	Public  bool               `json:"public"`
	AlertID int64              `json:"alert_id,omitempty"`
}

type actionJSON struct {
	ID     int64      `json:"id"`
	Title  string     `json:"title"`
	Owner  string     `json:"owner"`
	Due    string     `json:"due,omitempty"` // YYYY-MM-DD
	Done   bool       `json:"done"`
	DoneAt *time.Time `json:"done_at"`
}

type postmortemSummary struct {
	State       string     `json:"state"` // none, draft, published
	UpdatedAt   *time.Time `json:"updated_at"`
	PublishedAt *time.Time `json:"published_at"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func seconds(d time.Duration, ok bool) *float64 {
	if !ok {
		return nil
	}
	s := d.Seconds()
	return &s
}

func (s *Server) toIncidentJSON(inc *incident.Incident) incidentJSON {
	out := incidentJSON{ID: inc.ID, Title: inc.Title, Severity: inc.Severity, Status: inc.Status, Page: inc.Page,
		Components: []affectedJSON{}, Lead: inc.Lead, Comms: inc.Comms, ETA: timePtr(inc.ETA), NextUpdateAt: timePtr(inc.NextUpdateAt),
		Overdue: inc.Overdue(s.Clock.Now()), Remind: []string{}, Logbook: logbookJSON(inc.Logbook),
		StartedAt: inc.StartedAt, DetectedAt: inc.DetectedAt, AckedAt: timePtr(inc.AcknowledgedAt),
		MitigatedAt: timePtr(inc.MitigatedAt), ResolvedAt: timePtr(inc.ResolvedAt),
		CreatedBy: inc.CreatedBy, CreatedAt: inc.CreatedAt, UpdatedAt: inc.UpdatedAt,
		Alerts: []alertLinkJSON{}, Timeline: []entryJSON{}, Actions: []actionJSON{}, Postmortem: postmortemSummary{State: "none"},
		PublicURL: s.Incidents.PublicURL(inc)}
	out.Measures.TimeToDetect = seconds(inc.TimeToDetect())
	out.Measures.TimeToAcknowledge = seconds(inc.TimeToAcknowledge())
	out.Measures.TimeToMitigate = seconds(inc.TimeToMitigate())
	out.Measures.TimeToResolve = seconds(inc.TimeToResolve())
	for _, a := range inc.Components {
		out.Components = append(out.Components, affectedJSON(a))
	}
	out.Remind = append(out.Remind, inc.Remind...)
	for _, l := range inc.Alerts {
		out.Alerts = append(out.Alerts, alertLinkJSON(l))
	}
	for _, e := range inc.Entries {
		out.Timeline = append(out.Timeline, entryJSON{ID: e.ID, At: e.At, Kind: e.Kind, Status: e.Status, Body: e.Body, Author: e.Author,
			Public: e.Public(), AlertID: e.AlertID})
	}
	for _, a := range inc.Actions {
		aj := actionJSON{ID: a.ID, Title: a.Title, Owner: a.Owner, Done: a.Done(), DoneAt: timePtr(a.DoneAt)}
		if !a.Due.IsZero() {
			aj.Due = a.Due.Format(time.DateOnly)
		}
		out.Actions = append(out.Actions, aj)
	}
	if pm := inc.Postmortem; pm != nil {
		out.Postmortem = postmortemSummary{State: "draft", UpdatedAt: timePtr(pm.UpdatedAt), PublishedAt: timePtr(pm.PublishedAt)}
		if pm.Published() {
			out.Postmortem.State = "published"
		}
	}
	return out
}

func (s *Server) incidentsOrNotFound() (*incident.Service, error) {
	if s.Incidents == nil {
		return nil, errs.E(errs.NotFound, "incidents are not running")
	}
	return s.Incidents, nil
}

// incidentFilter reads ?state=open|resolved|all, ?severity=, ?page=, ?since=, ?limit=.
func incidentFilter(r *http.Request) (incident.Filter, error) {
	q := r.URL.Query()
	f := incident.Filter{Page: q.Get("page"), Limit: 100}
	switch st := q.Get("state"); st {
	case "", "all":
	case "open", "resolved":
		f.State = st
	default:
		return f, errs.E(errs.Invalid, "state: want open, resolved or all, got %q", st)
	}
	if sev := q.Get("severity"); sev != "" {
		v, err := incident.ParseSeverity(sev)
		if err != nil {
			return f, err
		}
		f.Severity = v
	}
	if since := q.Get("since"); since != "" {
		t, err := time.Parse(time.RFC3339, since)
		if err != nil {
			return f, errs.E(errs.Invalid, "since: want an RFC 3339 time like 2026-11-01T00:00:00Z, got %q", since)
		}
		f.Since = t
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return f, errs.E(errs.Invalid, "limit: want a number from 1 to 500, got %q", l)
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) apiListIncidents(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidentsOrNotFound()
	if err != nil {
		return err
	}
	f, err := incidentFilter(r)
	if err != nil {
		return err
	}
	list, err := svc.List(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]incidentJSON, 0, len(list))
	for i := range list {
		out = append(out, s.toIncidentJSON(&list[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": out})
	return nil
}

// incidentID reads the {id} of an incident route.
func (s *Server) incidentID(r *http.Request) (*incident.Service, int64, error) {
	svc, err := s.incidentsOrNotFound()
	if err != nil {
		return nil, 0, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, 0, errs.E(errs.Invalid, "incident id %q is not a number", r.PathValue("id"))
	}
	return svc, id, nil
}

// incidentCall is the shape of most incident changes: read {id}, decode the body into req
// (when req is not nil; an empty body is allowed when optional), run fn, and answer code
// with the incident.
func (s *Server) incidentCall(w http.ResponseWriter, r *http.Request, code int, req any, optional bool,
	fn func(svc *incident.Service, id int64, by string) (*incident.Incident, error)) error {
	svc, id, err := s.incidentID(r)
	if err != nil {
		return err
	}
	if req != nil && !(optional && r.ContentLength == 0) {
		if err := decodeJSON(r, req); err != nil {
			return err
		}
	}
	inc, err := fn(svc, id, principalFrom(r.Context()).name())
	if err != nil {
		return err
	}
	writeJSON(w, code, s.toIncidentJSON(inc))
	return nil
}

func (s *Server) apiGetIncident(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.incidentID(r)
	if err != nil {
		return err
	}
	inc, err := svc.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toIncidentJSON(inc))
	return nil
}

// optTime is a JSON time that tells absent (unchanged) from null (cleared).
type optTime struct {
	set bool
	t   time.Time
}

func (o *optTime) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		o.t = time.Time{}
		return nil
	}
	return json.Unmarshal(b, &o.t)
}

func (o optTime) ptr() *time.Time {
	if !o.set {
		return nil
	}
	return &o.t
}

// promise reads a promised time given as a time or as a delay from now ("30m");
// both absent is nil, a null time clears.
func promise(field string, at optTime, in string, now time.Time) (*time.Time, error) {
	switch {
	case at.set && in != "":
		return nil, errs.E(errs.Invalid, "give %s or %s_in, not both", field, strings.TrimSuffix(field, "_at"))
	case in != "":
		d, err := time.ParseDuration(in)
		if err != nil || d <= 0 || d > 7*24*time.Hour {
			return nil, errs.E(errs.Invalid, "%s_in: want a positive duration like 30m or 2h (at most 168h), got %q", strings.TrimSuffix(field, "_at"), in)
		}
		t := now.Add(d)
		return &t, nil
	}
	return at.ptr(), nil
}

// components reads {"api": "major_outage", ...} in the page's order.
func (s *Server) components(pageSlug string, m map[string]sla.Level) []incident.Affected {
	var out []incident.Affected
	if p, err := s.statusPageAny(pageSlug); err == nil {
		for _, g := range p.Groups {
			for _, c := range g.Components {
				if l, ok := m[c.ID]; ok {
					out = append(out, incident.Affected{Component: c.ID, Level: l})
				}
			}
		}
	}
	// Unknown names stay, sorted, for the service to refuse by name.
	var unknown []string
	for id := range m {
		if !slices.ContainsFunc(out, func(a incident.Affected) bool { return a.Component == id }) {
			unknown = append(unknown, id)
		}
	}
	slices.Sort(unknown)
	for _, id := range unknown {
		out = append(out, incident.Affected{Component: id, Level: m[id]})
	}
	return out
}

// statusPageAny finds a configured page whether or not the status service runs.
func (s *Server) statusPageAny(slug string) (*status.Page, error) {
	if s.StatusPages != nil {
		for _, p := range s.StatusPages() {
			if p.Slug == slug {
				return p, nil
			}
		}
	}
	return nil, errs.E(errs.NotFound, "no status page %q", slug)
}

type logbookRequest struct {
	WhatIsGoingOn *string `json:"what_is_going_on"`
	HowUnderstood *string `json:"how_it_was_understood"`
	WhatWasDone   *string `json:"what_was_done"`
	Impacts       *string `json:"impacts"`
	HowToAvoid    *string `json:"how_to_avoid"`
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// apiOpenIncident takes {"title", "severity", "page"?, "components"?: {"api": "major_outage"},
// "lead"?, "comms"?, "remind"?, "started_at"?, "eta"?, "next_update_at"? | "next_update_in"?,
// "message"?, "logbook"?: {...}}.
func (s *Server) apiOpenIncident(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidentsOrNotFound()
	if err != nil {
		return err
	}
	var req struct {
		Title        string               `json:"title"`
		Severity     string               `json:"severity"`
		Page         string               `json:"page"`
		Components   map[string]sla.Level `json:"components"`
		Lead         string               `json:"lead"`
		Comms        string               `json:"comms"`
		Remind       []string             `json:"remind"`
		StartedAt    *time.Time           `json:"started_at"`
		ETA          optTime              `json:"eta"`
		NextUpdateAt optTime              `json:"next_update_at"`
		NextUpdateIn string               `json:"next_update_in"`
		Message      string               `json:"message"`
		Logbook      logbookRequest       `json:"logbook"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	now := s.Clock.Now()
	sev, err := incident.ParseSeverity(req.Severity)
	if err != nil {
		return err
	}
	next, err := promise("next_update_at", req.NextUpdateAt, req.NextUpdateIn, now)
	if err != nil {
		return err
	}
	d := incident.Draft{Title: req.Title, Severity: sev, Page: req.Page, Components: s.components(req.Page, req.Components),
		Lead: req.Lead, Comms: req.Comms, Remind: req.Remind, ETA: req.ETA.t, Message: req.Message,
		Logbook: incident.Logbook{WhatIsGoingOn: deref(req.Logbook.WhatIsGoingOn), HowUnderstood: deref(req.Logbook.HowUnderstood),
			WhatWasDone: deref(req.Logbook.WhatWasDone), Impacts: deref(req.Logbook.Impacts), HowToAvoid: deref(req.Logbook.HowToAvoid)},
		By: principalFrom(r.Context()).name()}
	if next != nil {
		d.NextUpdateAt = *next
	}
	if req.StartedAt != nil {
		d.StartedAt = *req.StartedAt
	}
	inc, err := svc.Open(r.Context(), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.toIncidentJSON(inc))
	return nil
}

// apiEditIncident changes fields: any of "title", "severity", "status", "page",
// "components", "lead", "comms", "remind", "started_at", "eta" (null clears),
// "next_update_at" (null clears) or "next_update_in", "logbook": {...}.
func (s *Server) apiEditIncident(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Title        *string               `json:"title"`
		Severity     *string               `json:"severity"`
		Status       *string               `json:"status"`
		Page         *string               `json:"page"`
		Components   *map[string]sla.Level `json:"components"`
		Lead         *string               `json:"lead"`
		Comms        *string               `json:"comms"`
		Remind       *[]string             `json:"remind"`
		StartedAt    *time.Time            `json:"started_at"`
		ETA          optTime               `json:"eta"`
		NextUpdateAt optTime               `json:"next_update_at"`
		NextUpdateIn string                `json:"next_update_in"`
		Logbook      logbookRequest        `json:"logbook"`
	}
	return s.incidentCall(w, r, http.StatusOK, &req, false, func(svc *incident.Service, id int64, by string) (*incident.Incident, error) {
		c := incident.Changes{Title: req.Title, Page: req.Page, Lead: req.Lead, Comms: req.Comms, Remind: req.Remind, StartedAt: req.StartedAt,
			ETA: req.ETA.ptr(), Logbook: incident.LogbookChanges(req.Logbook), By: by}
		var err error
		if c.NextUpdateAt, err = promise("next_update_at", req.NextUpdateAt, req.NextUpdateIn, s.Clock.Now()); err != nil {
			return nil, err
		}
		if req.Severity != nil {
			v, err := incident.ParseSeverity(*req.Severity)
			if err != nil {
				return nil, err
			}
			c.Severity = &v
		}
		if req.Status != nil {
			v, err := incident.ParseStatus(*req.Status)
			if err != nil {
				return nil, err
			}
			c.Status = &v
		}
		if req.Components != nil {
			page := ""
			if req.Page != nil {
				page = *req.Page
			} else if cur, err := svc.Get(r.Context(), id); err == nil {
				page = cur.Page
			} else {
				return nil, err
			}
			comps := s.components(page, *req.Components)
			c.Components = &comps
		}
		return svc.Edit(r.Context(), id, c)
	})
}

// apiIncidentUpdate posts a public update: {"body", "status"?, "components"?, "eta"?,
// "next_update_at"? | "next_update_in"?}.
func (s *Server) apiIncidentUpdate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Body         string                `json:"body"`
		Status       string                `json:"status"`
		Components   *map[string]sla.Level `json:"components"`
		ETA          optTime               `json:"eta"`
		NextUpdateAt optTime               `json:"next_update_at"`
		NextUpdateIn string                `json:"next_update_in"`
	}
	return s.incidentCall(w, r, http.StatusCreated, &req, false, func(svc *incident.Service, id int64, by string) (*incident.Incident, error) {
		u := incident.Update{Body: req.Body, ETA: req.ETA.ptr(), By: by}
		var err error
		if req.Status != "" {
			if u.Status, err = incident.ParseStatus(req.Status); err != nil {
				return nil, err
			}
		}
		if u.NextUpdateAt, err = promise("next_update_at", req.NextUpdateAt, req.NextUpdateIn, s.Clock.Now()); err != nil {
			return nil, err
		}
		if req.Components != nil {
			cur, err := svc.Get(r.Context(), id)
			if err != nil {
				return nil, err
			}
			comps := s.components(cur.Page, *req.Components)
			u.Components = &comps
		}
		return svc.PostUpdate(r.Context(), id, u)
	})
}

func (s *Server) apiIncidentNote(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Body string `json:"body"`
	}
	return s.incidentCall(w, r, http.StatusCreated, &req, false, func(svc *incident.Service, id int64, by string) (*incident.Incident, error) {
		return svc.AddNote(r.Context(), id, req.Body, by)
	})
}

func (s *Server) apiIncidentAck(w http.ResponseWriter, r *http.Request) error {
	return s.incidentCall(w, r, http.StatusOK, nil, false, func(svc *incident.Service, id int64, by string) (*incident.Incident, error) {
		return svc.Acknowledge(r.Context(), id, by)
	})
}

// apiResolveIncident resolves, with an optional last public update: {"body"?}.
func (s *Server) apiResolveIncident(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Body string `json:"body"`
	}
	return s.incidentCall(w, r, http.StatusOK, &req, true, func(svc *incident.Service, id int64, by string) (*incident.Incident, error) {
		return svc.Resolve(r.Context(), id, req.Body, by)
	})
}

// optDate is a JSON day ("2026-12-01") that tells absent from null (cleared).
type optDate struct {
	set bool
	t   time.Time
}

func (o *optDate) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errs.E(errs.Invalid, "due: want a day like \"2026-12-01\"")
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return errs.E(errs.Invalid, "due: want a day like \"2026-12-01\", got %q", s)
	}
	o.t = t
	return nil
}

type actionRequest struct {
	Title *string `json:"title"`
	Owner *string `json:"owner"`
	Due   optDate `json:"due"`
	Done  *bool   `json:"done"`
}

func (a actionRequest) input(by string) incident.ActionInput {
	in := incident.ActionInput{Title: a.Title, Owner: a.Owner, Done: a.Done, By: by}
	if a.Due.set {
		in.Due = &a.Due.t
	}
	return in
}

// apiAddAction takes {"title", "owner"?, "due"?: "2026-12-01"}.
func (s *Server) apiAddAction(w http.ResponseWriter, r *http.Request) error {
	var req actionRequest
	return s.incidentCall(w, r, http.StatusCreated, &req, false, func(svc *incident.Service, id int64, by string) (*incident.Incident, error) {
		return svc.AddAction(r.Context(), id, req.input(by))
	})
}

// apiEditAction takes any of {"title", "owner", "due" (null clears), "done"}.
func (s *Server) apiEditAction(w http.ResponseWriter, r *http.Request) error {
	aid, err := strconv.ParseInt(r.PathValue("action"), 10, 64)
	if err != nil {
		return errs.E(errs.Invalid, "action id %q is not a number", r.PathValue("action"))
	}
	var req actionRequest
	return s.incidentCall(w, r, http.StatusOK, &req, false, func(svc *incident.Service, id int64, by string) (*incident.Incident, error) {
		return svc.EditAction(r.Context(), id, aid, req.input(by))
	})
}

type postmortemJSON struct {
	IncidentID        int64      `json:"incident_id"`
	Markdown          string     `json:"markdown"`
	HTML              string     `json:"html"`
	Generated         bool       `json:"generated"` // not saved yet: written from the record
	State             string     `json:"state"`     // none, draft, published
	UpdatedAt         *time.Time `json:"updated_at"`
	UpdatedBy         string     `json:"updated_by,omitempty"`
	PublishedAt       *time.Time `json:"published_at"`
	PublishedMarkdown string     `json:"published_markdown,omitempty"`
}

func toPostmortemJSON(inc *incident.Incident, pm *incident.Postmortem, generated bool) postmortemJSON {
	out := postmortemJSON{IncidentID: inc.ID, Markdown: pm.Markdown, HTML: string(markdown.Render(pm.Markdown, markdown.Options{})),
		Generated: generated, State: "draft", UpdatedAt: timePtr(pm.UpdatedAt), UpdatedBy: pm.UpdatedBy, PublishedAt: timePtr(pm.PublishedAt),
		PublishedMarkdown: pm.PublishedMarkdown}
	switch {
	case generated:
		out.State = "none"
	case pm.Published():
		out.State = "published"
	}
	return out
}

func (s *Server) apiGetPostmortem(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.incidentID(r)
	if err != nil {
		return err
	}
	inc, pm, generated, err := svc.Postmortem(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPostmortemJSON(inc, pm, generated))
	return nil
}

// apiPutPostmortem saves the draft: {"markdown"}.
func (s *Server) apiPutPostmortem(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.incidentID(r)
	if err != nil {
		return err
	}
	var req struct {
		Markdown string `json:"markdown"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	inc, err := svc.SavePostmortem(r.Context(), id, req.Markdown, principalFrom(r.Context()).name())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPostmortemJSON(inc, inc.Postmortem, false))
	return nil
}

func (s *Server) apiPublishPostmortem(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.incidentID(r)
	if err != nil {
		return err
	}
	inc, err := svc.PublishPostmortem(r.Context(), id, principalFrom(r.Context()).name())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPostmortemJSON(inc, inc.Postmortem, false))
	return nil
}
