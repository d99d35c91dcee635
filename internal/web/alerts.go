package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigie/internal/alert"
	"vigie/internal/errs"
	"vigie/internal/human"
)

// Alerts is what the server does with alerts.
type Alerts interface {
	Ack(ctx context.Context, ids []int64, by string) ([]*alert.Alert, error)
	RecentAlerts(ctx context.Context, since time.Time, limit int) ([]alert.Alert, error)
	VerifyAck(ctx context.Context, token string) ([]int64, error)
	CreateSilence(ctx context.Context, sl *alert.Silence) error
	Silences(ctx context.Context, t time.Time) ([]alert.Silence, error)
	EndSilence(ctx context.Context, id int64, at time.Time) error
}

type alertJSON struct {
	ID         int64             `json:"id"`
	Monitor    string            `json:"monitor"`
	Kind       string            `json:"kind"`
	Severity   string            `json:"severity"`
	Reason     string            `json:"reason"`
	Labels     map[string]string `json:"labels"`
	StartedAt  time.Time         `json:"started_at"`
	ResolvedAt *time.Time        `json:"resolved_at"`
	AckedAt    *time.Time        `json:"acked_at"`
	AckedBy    string            `json:"acked_by,omitempty"`
}

func toAlertJSON(a *alert.Alert) alertJSON {
	out := alertJSON{ID: a.ID, Monitor: a.Monitor, Kind: a.Kind, Severity: string(a.Severity), Reason: a.Reason,
		Labels: a.Labels, StartedAt: a.StartedAt, AckedBy: a.AckedBy}
	if !a.ResolvedAt.IsZero() {
		out.ResolvedAt = &a.ResolvedAt
	}
	if !a.AckedAt.IsZero() {
		out.AckedAt = &a.AckedAt
	}
	return out
}

func (s *Server) alertsOrNotFound() (Alerts, error) {
	if s.Alerts == nil {
		return nil, errs.E(errs.NotFound, "alerting is not running")
	}
	return s.Alerts, nil
}

// apiListAlerts lists open alerts and those started in the last 7 days, newest first.
func (s *Server) apiListAlerts(w http.ResponseWriter, r *http.Request) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	as, err := al.RecentAlerts(r.Context(), s.Clock.Now().Add(-7*24*time.Hour), 500)
	if err != nil {
		return err
	}
	out := make([]alertJSON, 0, len(as))
	for i := range as {
		out = append(out, toAlertJSON(&as[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out})
	return nil
}

func (s *Server) apiAckAlert(w http.ResponseWriter, r *http.Request) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.E(errs.Invalid, "alert id %q is not a number", r.PathValue("id"))
	}
	acked, err := al.Ack(r.Context(), []int64{id}, principalFrom(r.Context()).name())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAlertJSON(acked[0]))
	return nil
}

// ackPage answers a link from a message. GET only shows what it will do: mail scanners and
// link previews fetch links, and must not acknowledge anything by doing so.
func (s *Server) ackPage(w http.ResponseWriter, r *http.Request) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	if _, err := al.VerifyAck(r.Context(), r.PathValue("token")); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "ack", page{Title: "Acknowledge", Data: struct{ Done bool }{false}})
}

// ackSubmit acknowledges. The token in the path is the credential.
func (s *Server) ackSubmit(w http.ResponseWriter, r *http.Request) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	ids, err := al.VerifyAck(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	if _, err := al.Ack(r.Context(), ids, "link from "+s.clientIP(r)); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "ack", page{Title: "Acknowledged", Data: struct{ Done bool }{true}})
}

type silenceJSON struct {
	ID       int64             `json:"id"`
	Matchers map[string]string `json:"matchers"`
	StartsAt time.Time         `json:"starts_at"`
	EndsAt   time.Time         `json:"ends_at"`
	Author   string            `json:"author"`
	Reason   string            `json:"reason"`
}

func toSilenceJSON(sl *alert.Silence) silenceJSON {
	return silenceJSON{ID: sl.ID, Matchers: sl.Matchers, StartsAt: sl.StartsAt, EndsAt: sl.EndsAt, Author: sl.Author, Reason: sl.Reason}
}

// apiCreateSilence takes {"matchers": {...}, "duration": "2h" | "ends_at": RFC 3339, "starts_at"?, "reason"}.
func (s *Server) apiCreateSilence(w http.ResponseWriter, r *http.Request) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	var req struct {
		Matchers map[string]string `json:"matchers"`
		StartsAt *time.Time        `json:"starts_at"`
		EndsAt   *time.Time        `json:"ends_at"`
		Duration string            `json:"duration"`
		Reason   string            `json:"reason"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	now := s.Clock.Now()
	sl := &alert.Silence{Matchers: req.Matchers, StartsAt: now, Author: principalFrom(r.Context()).name(), Reason: req.Reason, CreatedAt: now}
	if req.StartsAt != nil {
		sl.StartsAt = *req.StartsAt
	}
	switch {
	case len(req.Matchers) == 0:
		return errs.E(errs.Invalid, "matchers: give at least one label, e.g. {\"monitor\": \"website\"}")
	case req.Reason == "":
		return errs.E(errs.Invalid, "reason: say why, for whoever wonders later")
	case req.EndsAt != nil && req.Duration != "":
		return errs.E(errs.Invalid, "give ends_at or duration, not both")
	case req.EndsAt != nil:
		sl.EndsAt = *req.EndsAt
	case req.Duration != "":
		d, err := time.ParseDuration(req.Duration)
		if err != nil || d <= 0 {
			return errs.E(errs.Invalid, "duration: want a positive Go duration like 90m or 2h, got %q", req.Duration)
		}
		sl.EndsAt = sl.StartsAt.Add(d)
	default:
		return errs.E(errs.Invalid, "give ends_at or duration")
	}
	if !sl.EndsAt.After(sl.StartsAt) || !sl.EndsAt.After(now) {
		return errs.E(errs.Invalid, "the silence must end after it starts, and in the future")
	}
	if err := al.CreateSilence(r.Context(), sl); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toSilenceJSON(sl))
	return nil
}

func (s *Server) apiListSilences(w http.ResponseWriter, r *http.Request) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	sls, err := al.Silences(r.Context(), s.Clock.Now())
	if err != nil {
		return err
	}
	out := make([]silenceJSON, 0, len(sls))
	for i := range sls {
		out = append(out, toSilenceJSON(&sls[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"silences": out})
	return nil
}

func (s *Server) apiEndSilence(w http.ResponseWriter, r *http.Request) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.E(errs.Invalid, "silence id %q is not a number", r.PathValue("id"))
	}
	if err := al.EndSilence(r.Context(), id, s.Clock.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type alertRow struct {
	alertJSON
	For  string // how long it lasted, or has lasted
	Path string // the page of what it is about: a monitor, an SLO or a backup job
}

type alertsData struct {
	Open, Recent []alertRow
	Silences     int
}

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAlerts(w, r, http.StatusOK, "", "")
}

func (s *Server) renderAlerts(w http.ResponseWriter, r *http.Request, status int, msg, notice string) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	as, err := al.RecentAlerts(r.Context(), now.Add(-7*24*time.Hour), 200)
	if err != nil {
		return err
	}
	sls, err := al.Silences(r.Context(), now)
	if err != nil {
		return err
	}
	data := alertsData{Silences: len(sls)}
	for i := range as {
		a := &as[i]
		row := alertRow{alertJSON: toAlertJSON(a), Path: a.Path()}
		if a.Firing() {
			row.For = human.Duration(now.Sub(a.StartedAt))
			data.Open = append(data.Open, row)
		} else {
			row.For = human.Duration(a.ResolvedAt.Sub(a.StartedAt))
			data.Recent = append(data.Recent, row)
		}
	}
	return s.render(w, r, status, "alerts", page{Title: "Alerts", Nav: "alerts", Error: msg, Notice: notice, Data: data})
}

func (s *Server) alertAck(w http.ResponseWriter, r *http.Request) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.E(errs.Invalid, "alert id %q is not a number", r.PathValue("id"))
	}
	acked, err := al.Ack(r.Context(), []int64{id}, principalFrom(r.Context()).name())
	if err != nil {
		return err
	}
	return s.renderAlerts(w, r, http.StatusOK, "", "Acknowledged "+acked[0].Monitor+": no more reminders or escalations for this alert.")
}

type silencesData struct {
	Active, Upcoming []silenceJSON
	Form             silenceForm
	Durations        []string
}

// silenceForm is the create form, kept filled in when it comes back with an error.
type silenceForm struct {
	Matchers, Duration, Reason string
}

func (s *Server) silencesPage(w http.ResponseWriter, r *http.Request) error {
	form := silenceForm{Duration: "2h"}
	if m := r.URL.Query().Get("monitor"); m != "" {
		form.Matchers = "monitor=" + m
	}
	return s.renderSilences(w, r, http.StatusOK, form, "", "")
}

func (s *Server) renderSilences(w http.ResponseWriter, r *http.Request, status int, form silenceForm, msg, notice string) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	sls, err := al.Silences(r.Context(), now)
	if err != nil {
		return err
	}
	data := silencesData{Form: form, Durations: []string{"30m", "1h", "2h", "4h", "8h", "24h", "72h", "168h"}}
	for i := range sls {
		if sls[i].Active(now) {
			data.Active = append(data.Active, toSilenceJSON(&sls[i]))
		} else {
			data.Upcoming = append(data.Upcoming, toSilenceJSON(&sls[i]))
		}
	}
	return s.render(w, r, status, "silences", page{Title: "Silences", Nav: "silences", Error: msg, Notice: notice, Data: data})
}

func (s *Server) silencesCreate(w http.ResponseWriter, r *http.Request) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	form := silenceForm{Matchers: r.PostFormValue("matchers"), Duration: r.PostFormValue("duration"), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	fail := func(err error) error {
		if errs.CodeOf(err) == errs.Invalid {
			return s.renderSilences(w, r, http.StatusBadRequest, form, errs.MessageOf(err), "")
		}
		return err
	}
	matchers, err := alert.ParseMatchers(form.Matchers)
	if err != nil {
		return fail(err)
	}
	d, err := time.ParseDuration(form.Duration)
	if err != nil || d <= 0 || d > 90*24*time.Hour {
		return fail(errs.E(errs.Invalid, "duration: want a positive duration up to 90 days like 90m or 2h, got %q", form.Duration))
	}
	if form.Reason == "" {
		return fail(errs.E(errs.Invalid, "reason: say why, for whoever wonders later"))
	}
	now := s.Clock.Now()
	sl := &alert.Silence{Matchers: matchers, StartsAt: now, EndsAt: now.Add(d), Author: principalFrom(r.Context()).name(), Reason: form.Reason, CreatedAt: now}
	if err := al.CreateSilence(r.Context(), sl); err != nil {
		return fail(err)
	}
	return s.renderSilences(w, r, http.StatusCreated, silenceForm{Duration: "2h"}, "", "Silence created until "+sl.EndsAt.UTC().Format("2006-01-02 15:04 UTC")+".")
}

func (s *Server) silencesEnd(w http.ResponseWriter, r *http.Request) error {
	al, err := s.alertsOrNotFound()
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.E(errs.Invalid, "silence id %q is not a number", r.PathValue("id"))
	}
	if err := al.EndSilence(r.Context(), id, s.Clock.Now()); err != nil {
		return err
	}
	return s.renderSilences(w, r, http.StatusOK, silenceForm{Duration: "2h"}, "", "Silence ended.")
}
