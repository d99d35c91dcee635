package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"vigie/internal/alert"
	"vigie/internal/errs"
)

// Alerts is what the server does with alerts.
type Alerts interface {
	Ack(ctx context.Context, ids []int64, by string) ([]*alert.Alert, error)
	RecentAlerts(ctx context.Context, since time.Time, limit int) ([]alert.Alert, error)
	VerifyAck(ctx context.Context, token string) ([]int64, error)
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
