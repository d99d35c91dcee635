package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/status"
)

type maintenanceUpdateJSON struct {
	At     time.Time `json:"at"`
	Body   string    `json:"body"`
	Author string    `json:"author"`
}

type maintenanceJSON struct {
	ID          int64                   `json:"id"`
	Page        string                  `json:"page"`
	Components  []string                `json:"components"`
	Title       string                  `json:"title"`
	Body        string                  `json:"body"`
	StartsAt    time.Time               `json:"starts_at"`
	EndsAt      time.Time               `json:"ends_at"`
	Recurrence  string                  `json:"recurrence,omitempty"`
	State       string                  `json:"state"`
	Current     *windowJSON             `json:"current"` // the occurrence in progress or next
	CancelledAt *time.Time              `json:"cancelled_at"`
	CreatedBy   string                  `json:"created_by"`
	Updates     []maintenanceUpdateJSON `json:"updates"`
}

type windowJSON struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

func (s *Server) toMaintenanceJSON(m *status.Maintenance) maintenanceJSON {
	loc := time.UTC
	if p, err := s.statusPage(m.Page); err == nil {
		loc = p.Location
	}
	w, state := m.Current(s.Clock.Now(), loc)
	out := maintenanceJSON{ID: m.ID, Page: m.Page, Components: m.Components, Title: m.Title, Body: m.Body, StartsAt: m.StartsAt,
		EndsAt: m.EndsAt, Recurrence: m.Recurrence, State: state, CreatedBy: m.CreatedBy, Updates: []maintenanceUpdateJSON{}}
	if state == status.MaintenanceInProgress || state == status.MaintenanceScheduled {
		out.Current = &windowJSON{w.From, w.To}
	}
	if !m.CancelledAt.IsZero() {
		out.CancelledAt = &m.CancelledAt
	}
	for _, u := range m.Updates {
		out.Updates = append(out.Updates, maintenanceUpdateJSON{u.At, u.Body, u.Author})
	}
	return out
}

func (s *Server) maintenancesOrNotFound() (status.MaintenanceStore, error) {
	if s.Maintenances == nil || s.Status == nil {
		return nil, errs.E(errs.NotFound, "status pages are not running")
	}
	return s.Maintenances, nil
}

func (s *Server) apiListMaintenances(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.maintenancesOrNotFound()
	if err != nil {
		return err
	}
	all, err := ms.Maintenances(r.Context())
	if err != nil {
		return err
	}
	out := make([]maintenanceJSON, 0, len(all))
	for i := range all {
		out = append(out, s.toMaintenanceJSON(&all[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"maintenances": out})
	return nil
}

// apiCreateMaintenance takes {"page", "components": [...], "title", "body"?, "starts_at",
// "ends_at" or "duration", "recurrence"?}.
func (s *Server) apiCreateMaintenance(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.maintenancesOrNotFound()
	if err != nil {
		return err
	}
	var req struct {
		Page       string     `json:"page"`
		Components []string   `json:"components"`
		Title      string     `json:"title"`
		Body       string     `json:"body"`
		StartsAt   *time.Time `json:"starts_at"`
		EndsAt     *time.Time `json:"ends_at"`
		Duration   string     `json:"duration"`
		Recurrence string     `json:"recurrence"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	p, err := s.statusPage(req.Page)
	if err != nil {
		return errs.E(errs.Invalid, "page: no status page %q", req.Page)
	}
	if req.StartsAt == nil {
		return errs.E(errs.Invalid, "starts_at: give an RFC 3339 time")
	}
	ends, err := windowEnd(*req.StartsAt, req.EndsAt, req.Duration)
	if err != nil {
		return err
	}
	m, err := p.NewMaintenance(status.MaintenanceRequest{Components: req.Components, Title: req.Title, Body: req.Body,
		StartsAt: *req.StartsAt, EndsAt: ends, Recurrence: req.Recurrence, CreatedBy: principalFrom(r.Context()).name()}, s.Clock.Now())
	if err != nil {
		return err
	}
	if err := ms.CreateMaintenance(r.Context(), m); err != nil {
		return err
	}
	s.maintenanceChanged()
	s.Logger.Info("maintenance announced", "id", m.ID, "page", m.Page, "title", m.Title, "by", m.CreatedBy)
	writeJSON(w, http.StatusCreated, s.toMaintenanceJSON(m))
	return nil
}

// windowEnd reads the end of a window: a time, or a duration like 90m or 2h from its start.
func windowEnd(start time.Time, end *time.Time, duration string) (time.Time, error) {
	switch {
	case end != nil && duration != "":
		return time.Time{}, errs.E(errs.Invalid, "give ends_at or duration, not both")
	case end != nil:
		return *end, nil
	case duration == "":
		return time.Time{}, errs.E(errs.Invalid, "give ends_at or duration")
	}
	d, err := time.ParseDuration(duration)
	if err != nil || d <= 0 {
		return time.Time{}, errs.E(errs.Invalid, "duration: want a positive duration like 90m or 2h, got %q", duration)
	}
	return start.Add(d), nil
}

func (s *Server) maintenanceFromPath(r *http.Request) (status.MaintenanceStore, *status.Maintenance, error) {
	ms, err := s.maintenancesOrNotFound()
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, nil, errs.E(errs.Invalid, "maintenance id %q is not a number", r.PathValue("id"))
	}
	m, err := ms.MaintenanceByID(r.Context(), id)
	return ms, m, err
}

func (s *Server) apiGetMaintenance(w http.ResponseWriter, r *http.Request) error {
	_, m, err := s.maintenanceFromPath(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toMaintenanceJSON(m))
	return nil
}

// apiMaintenanceUpdate posts a public note: {"body": "..."}.
func (s *Server) apiMaintenanceUpdate(w http.ResponseWriter, r *http.Request) error {
	ms, m, err := s.maintenanceFromPath(r)
	if err != nil {
		return err
	}
	var req struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Body) == "" {
		return errs.E(errs.Invalid, "body: write the update")
	}
	u := status.MaintenanceUpdate{At: s.Clock.Now(), Body: strings.TrimSpace(req.Body), Author: principalFrom(r.Context()).name()}
	if err := ms.AddMaintenanceUpdate(r.Context(), m.ID, u); err != nil {
		return err
	}
	s.maintenanceChanged()
	m.Updates = append(m.Updates, u)
	writeJSON(w, http.StatusCreated, s.toMaintenanceJSON(m))
	return nil
}

// apiCancelMaintenance cancels what is left of a maintenance: an occurrence under way ends now.
func (s *Server) apiCancelMaintenance(w http.ResponseWriter, r *http.Request) error {
	ms, m, err := s.maintenanceFromPath(r)
	if err != nil {
		return err
	}
	if !m.CancelledAt.IsZero() {
		return errs.E(errs.Conflict, "maintenance %d was cancelled at %s", m.ID, m.CancelledAt.Format(time.RFC3339))
	}
	now := s.Clock.Now()
	if err := ms.CancelMaintenance(r.Context(), m.ID, now); err != nil {
		return err
	}
	s.maintenanceChanged()
	m.CancelledAt = now
	writeJSON(w, http.StatusOK, s.toMaintenanceJSON(m))
	return nil
}
