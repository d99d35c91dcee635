package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/human"
	"vigie/internal/status"
	"vigie/internal/subscriber"
)

// maintenanceRow is a maintenance as the admin pages show it, times in its page's zone.
type maintenanceRow struct {
	status.Maintenance
	PageTitle  string
	Components string
	State      string
	Window     string // the occurrence under way or next, else the first
	Repeats    string
	Length     string
}

func (s *Server) maintenanceRow(m *status.Maintenance) maintenanceRow {
	row := maintenanceRow{Maintenance: *m, PageTitle: m.Page, Components: strings.Join(m.Components, ", "), Length: human.Duration(m.EndsAt.Sub(m.StartsAt))}
	loc := time.UTC
	if p, err := s.statusPage(m.Page); err == nil {
		loc, row.PageTitle, row.Components = p.Location, p.Title, strings.Join(p.ComponentNames(m.Components), ", ")
	}
	w, state := m.Current(s.Clock.Now(), loc)
	row.State, row.Repeats = state, m.Repeats(loc)
	row.Window = human.Window(w.From, w.To, loc)
	return row
}

// maintenanceForm is the schedule form, kept filled in when it comes back with an error.
type maintenanceForm struct {
	Page                         *status.Page
	Title, Body, Start, Duration string
	Recurrence                   string
	Components                   []string
}

type maintenancesData struct {
	Current, Past []maintenanceRow
	Pages         []*status.Page
	Form          maintenanceForm
	Durations     []string
}

// maintenancesPage lists maintenances and offers the schedule form; with several pages,
// ?page= says which page the form is for.
func (s *Server) maintenancesPage(w http.ResponseWriter, r *http.Request) error {
	form := maintenanceForm{Duration: "1h"}
	if slug := r.URL.Query().Get("page"); slug != "" {
		p, err := s.statusPage(slug)
		if err != nil {
			return err
		}
		form.Page = p
	}
	return s.renderMaintenances(w, r, http.StatusOK, form, "", "")
}

func (s *Server) renderMaintenances(w http.ResponseWriter, r *http.Request, code int, form maintenanceForm, msg, notice string) error {
	ms, err := s.maintenancesOrNotFound()
	if err != nil {
		return err
	}
	all, err := ms.Maintenances(r.Context())
	if err != nil {
		return err
	}
	data := maintenancesData{Pages: s.StatusPages(), Form: form, Durations: []string{"30m", "1h", "2h", "4h", "8h", "12h", "24h", "48h"}}
	if data.Form.Page == nil && len(data.Pages) == 1 {
		data.Form.Page = data.Pages[0]
	}
	for i := range all {
		row := s.maintenanceRow(&all[i])
		if row.State == status.MaintenanceInProgress || row.State == status.MaintenanceScheduled {
			data.Current = append(data.Current, row)
		} else {
			data.Past = append(data.Past, row)
		}
	}
	slices.Reverse(data.Past) // the latest first
	if len(data.Past) > 50 {
		data.Past = data.Past[:50]
	}
	return s.render(w, r, code, "maintenances", page{Title: "Maintenance", Nav: "maintenances", Error: msg, Notice: notice, Data: data})
}

// maintenancesCreate schedules a maintenance from the form: the start is read in the page's
// zone, since that is the clock its customers read.
func (s *Server) maintenancesCreate(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.maintenancesOrNotFound()
	if err != nil {
		return err
	}
	p, err := s.statusPage(r.PostFormValue("page"))
	if err != nil {
		return s.renderMaintenances(w, r, http.StatusBadRequest, maintenanceForm{Duration: "1h"}, "Choose a status page.", "")
	}
	form := maintenanceForm{Page: p, Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Start: r.PostFormValue("start"),
		Duration: r.PostFormValue("duration"), Recurrence: r.PostFormValue("recurrence"), Components: r.PostForm["component"]}
	fail := func(err error) error {
		if errs.CodeOf(err) == errs.Invalid {
			return s.renderMaintenances(w, r, http.StatusBadRequest, form, errs.MessageOf(err), "")
		}
		return err
	}
	start, err := time.ParseInLocation("2006-01-02T15:04", form.Start, p.Location)
	if err != nil {
		return fail(errs.E(errs.Invalid, "start: give a date and time, like 2026-11-29T02:00 (%s)", p.Location))
	}
	end, err := windowEnd(start, nil, strings.TrimSpace(form.Duration))
	if err != nil {
		return fail(err)
	}
	m, err := p.NewMaintenance(status.MaintenanceRequest{Components: form.Components, Title: form.Title, Body: form.Body,
		StartsAt: start, EndsAt: end, Recurrence: form.Recurrence, CreatedBy: principalFrom(r.Context()).name()}, s.Clock.Now())
	if err != nil {
		return fail(err)
	}
	if err := ms.CreateMaintenance(r.Context(), m); err != nil {
		return err
	}
	s.maintenanceChanged()
	s.Logger.Info("maintenance announced", "id", m.ID, "page", m.Page, "title", m.Title, "by", m.CreatedBy)
	http.Redirect(w, r, "/maintenances/"+strconv.FormatInt(m.ID, 10), http.StatusSeeOther)
	return nil
}

type maintenanceData struct {
	Row     maintenanceRow
	Updates []status.MaintenanceUpdate
	Notices []subscriber.SentNotice
	Open    bool // still to come or under way: it can be cancelled
	Loc     *time.Location
}

func (s *Server) maintenancePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderMaintenance(w, r, http.StatusOK, "", "")
}

func (s *Server) renderMaintenance(w http.ResponseWriter, r *http.Request, code int, msg, notice string) error {
	_, m, err := s.maintenanceFromPath(r)
	if err != nil {
		return err
	}
	data := maintenanceData{Row: s.maintenanceRow(m), Updates: slices.Clone(m.Updates), Loc: time.UTC}
	if p, err := s.statusPage(m.Page); err == nil {
		data.Loc = p.Location
	}
	slices.Reverse(data.Updates)
	data.Open = data.Row.State == status.MaintenanceScheduled || data.Row.State == status.MaintenanceInProgress
	if s.Subscribers != nil {
		if data.Notices, err = s.Subscribers.SentNotices(r.Context(), m.ID); err != nil {
			return err
		}
	}
	return s.render(w, r, code, "maintenance", page{Title: m.Title, Nav: "maintenances", Error: msg, Notice: notice, Data: data})
}

func (s *Server) maintenanceUpdateSubmit(w http.ResponseWriter, r *http.Request) error {
	ms, m, err := s.maintenanceFromPath(r)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(r.PostFormValue("body"))
	if body == "" {
		return s.renderMaintenance(w, r, http.StatusBadRequest, "Write the update.", "")
	}
	if err := ms.AddMaintenanceUpdate(r.Context(), m.ID, status.MaintenanceUpdate{At: s.Clock.Now(), Body: body, Author: principalFrom(r.Context()).name()}); err != nil {
		return err
	}
	s.maintenanceChanged()
	return s.renderMaintenance(w, r, http.StatusOK, "", "Update posted: it shows on the status page and goes to subscribers.")
}

func (s *Server) maintenanceCancelSubmit(w http.ResponseWriter, r *http.Request) error {
	ms, m, err := s.maintenanceFromPath(r)
	if err != nil {
		return err
	}
	if !m.CancelledAt.IsZero() {
		return s.renderMaintenance(w, r, http.StatusConflict, "It was cancelled already.", "")
	}
	if err := ms.CancelMaintenance(r.Context(), m.ID, s.Clock.Now()); err != nil {
		return err
	}
	s.maintenanceChanged()
	s.Logger.Info("maintenance cancelled", "id", m.ID, "by", principalFrom(r.Context()).name())
	return s.renderMaintenance(w, r, http.StatusOK, "", "Cancelled: subscribers are told.")
}

// maintenanceChanged refreshes the status pages and has subscribers told now.
func (s *Server) maintenanceChanged() {
	s.Status.Invalidate()
	if s.Subscribers != nil {
		s.Subscribers.Wake()
	}
}
