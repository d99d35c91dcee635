package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/notify"
)

// Notifications is the outbox as the API and UI see it.
type Notifications interface {
	ListNotifications(ctx context.Context, state notify.State, limit int) ([]notify.Notification, error)
	NotificationByID(ctx context.Context, id int64) (*notify.Notification, []notify.Attempt, error)
	ResendNotification(ctx context.Context, id int64, now time.Time) error
}

type attemptJSON struct {
	At         time.Time `json:"at"`
	DurationMS float64   `json:"duration_ms"`
	OK         bool      `json:"ok"`
	Error      string    `json:"error,omitempty"`
}

type notificationJSON struct {
	ID            int64         `json:"id"`
	Key           string        `json:"key"`
	Receiver      string        `json:"receiver"`
	Kind          notify.Kind   `json:"kind"`
	Title         string        `json:"title"`
	Text          string        `json:"text,omitempty"`
	State         notify.State  `json:"state"`
	Attempts      int           `json:"attempts"`
	NextAttemptAt *time.Time    `json:"next_attempt_at"`
	LastError     string        `json:"last_error,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	SentAt        *time.Time    `json:"sent_at"`
	History       []attemptJSON `json:"history,omitempty"`
}

// hideSignedLinks removes the signed links from a message's text (acknowledge an alert,
// confirm or end a subscription): they are credentials for whoever holds the message, not
// for whoever may read the outbox.
func hideSignedLinks(m notify.Message) string {
	links := []string{m.AckURL}
	if m.Notice != nil {
		links = append(links, m.Notice.ConfirmURL, m.Notice.UnsubscribeURL)
	}
	text := m.Text
	for _, l := range links {
		if l != "" {
			text = strings.ReplaceAll(text, l, "(signed link)")
		}
	}
	return text
}

func toNotificationJSON(n *notify.Notification, history []notify.Attempt) notificationJSON {
	out := notificationJSON{ID: n.ID, Key: n.Key, Receiver: n.Receiver, Kind: n.Message.Kind, Title: n.Message.Title,
		State: n.State, Attempts: n.Attempts, LastError: n.LastError, CreatedAt: n.CreatedAt}
	if n.State == notify.StatePending && !n.NextAttemptAt.IsZero() {
		out.NextAttemptAt = &n.NextAttemptAt
	}
	if !n.SentAt.IsZero() {
		out.SentAt = &n.SentAt
	}
	if history != nil {
		out.Text = hideSignedLinks(n.Message)
		out.History = make([]attemptJSON, 0, len(history))
		for _, a := range history {
			out.History = append(out.History, attemptJSON{At: a.At, DurationMS: float64(a.Duration.Microseconds()) / 1000, OK: a.OK, Error: a.Error})
		}
	}
	return out
}

func (s *Server) notificationsOrNotFound() (Notifications, error) {
	if s.Notifications == nil {
		return nil, errs.E(errs.NotFound, "the outbox is not running")
	}
	return s.Notifications, nil
}

// parseState reads the optional ?state= filter.
func parseState(r *http.Request) (notify.State, error) {
	switch st := notify.State(r.URL.Query().Get("state")); st {
	case "", notify.StatePending, notify.StateSent, notify.StateFailed:
		return st, nil
	default:
		return "", errs.E(errs.Invalid, "state: want pending, sent or failed, got %q", st)
	}
}

func notificationID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errs.E(errs.Invalid, "notification id %q is not a number", r.PathValue("id"))
	}
	return id, nil
}

// apiListNotifications lists the newest 500 notifications, optionally of one state.
func (s *Server) apiListNotifications(w http.ResponseWriter, r *http.Request) error {
	nf, err := s.notificationsOrNotFound()
	if err != nil {
		return err
	}
	state, err := parseState(r)
	if err != nil {
		return err
	}
	ns, err := nf.ListNotifications(r.Context(), state, 500)
	if err != nil {
		return err
	}
	out := make([]notificationJSON, 0, len(ns))
	for i := range ns {
		out = append(out, toNotificationJSON(&ns[i], nil))
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out})
	return nil
}

func (s *Server) apiGetNotification(w http.ResponseWriter, r *http.Request) error {
	nf, err := s.notificationsOrNotFound()
	if err != nil {
		return err
	}
	id, err := notificationID(r)
	if err != nil {
		return err
	}
	n, history, err := nf.NotificationByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toNotificationJSON(n, append([]notify.Attempt{}, history...)))
	return nil
}

// apiResendNotification makes a notification due again now, whatever its state: a failed
// one after the receiver was fixed, a sent one that somebody lost.
func (s *Server) apiResendNotification(w http.ResponseWriter, r *http.Request) error {
	nf, err := s.notificationsOrNotFound()
	if err != nil {
		return err
	}
	id, err := notificationID(r)
	if err != nil {
		return err
	}
	if err := nf.ResendNotification(r.Context(), id, s.Clock.Now()); err != nil {
		return err
	}
	n, history, err := nf.NotificationByID(r.Context(), id)
	if err != nil {
		return err
	}
	s.Logger.Info("notification queued again", "id", id, "receiver", n.Receiver, "by", principalFrom(r.Context()).name())
	writeJSON(w, http.StatusAccepted, toNotificationJSON(n, append([]notify.Attempt{}, history...)))
	return nil
}

type notificationsData struct {
	State  notify.State
	States []notify.State
	Rows   []notificationJSON
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderNotifications(w, r, "")
}

func (s *Server) renderNotifications(w http.ResponseWriter, r *http.Request, notice string) error {
	nf, err := s.notificationsOrNotFound()
	if err != nil {
		return err
	}
	state, err := parseState(r)
	if err != nil {
		return err
	}
	ns, err := nf.ListNotifications(r.Context(), state, 200)
	if err != nil {
		return err
	}
	data := notificationsData{State: state, States: []notify.State{"", notify.StatePending, notify.StateSent, notify.StateFailed}}
	for i := range ns {
		data.Rows = append(data.Rows, toNotificationJSON(&ns[i], nil))
	}
	return s.render(w, r, http.StatusOK, "notifications", page{Title: "Notifications", Nav: "notifications", Notice: notice, Data: data})
}

func (s *Server) notificationPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderNotification(w, r, "")
}

func (s *Server) renderNotification(w http.ResponseWriter, r *http.Request, notice string) error {
	nf, err := s.notificationsOrNotFound()
	if err != nil {
		return err
	}
	id, err := notificationID(r)
	if err != nil {
		return err
	}
	n, history, err := nf.NotificationByID(r.Context(), id)
	if err != nil {
		return err
	}
	data := toNotificationJSON(n, append([]notify.Attempt{}, history...))
	return s.render(w, r, http.StatusOK, "notification", page{Title: "Notification " + strconv.FormatInt(id, 10), Nav: "notifications", Notice: notice, Data: data})
}

func (s *Server) notificationResend(w http.ResponseWriter, r *http.Request) error {
	nf, err := s.notificationsOrNotFound()
	if err != nil {
		return err
	}
	id, err := notificationID(r)
	if err != nil {
		return err
	}
	if err := nf.ResendNotification(r.Context(), id, s.Clock.Now()); err != nil {
		return err
	}
	s.Logger.Info("notification queued again", "id", id, "by", principalFrom(r.Context()).name())
	return s.renderNotification(w, r, "Queued again: it goes out within a few seconds.")
}
