package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/status"
	"vigie/internal/subscriber"
)

// Administrators list, search, add (webhooks) and remove subscribers here. Addresses are
// personal data: only the admin scope sees them.

type subscriberJSON struct {
	ID          int64      `json:"id"`
	Page        string     `json:"page"`
	Kind        string     `json:"kind"`
	Address     string     `json:"address"` // a webhook's URL is cut to its origin: the rest may be a credential
	Components  []string   `json:"components"`
	State       string     `json:"state"` // confirmed, or waiting for confirmation
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
	// Secret signs the webhook's requests; present only in the answer that creates it.
	Secret string `json:"secret,omitempty"`
}

func toSubscriberJSON(sub *subscriber.Subscriber) subscriberJSON {
	out := subscriberJSON{ID: sub.ID, Page: sub.Page, Kind: string(sub.Kind), Address: shownAddress(sub), Components: sub.Components,
		State: "waiting", CreatedBy: sub.CreatedBy, CreatedAt: sub.CreatedAt}
	if out.Components == nil {
		out.Components = []string{}
	}
	if sub.Confirmed() {
		out.State, out.ConfirmedAt = "confirmed", &sub.ConfirmedAt
	}
	return out
}

// shownAddress is a subscriber's address for administrators: a webhook URL keeps only its
// origin, as its path or query may be the receiver's credential.
func shownAddress(sub *subscriber.Subscriber) string {
	if sub.Kind != subscriber.KindWebhook {
		return sub.Address
	}
	u, err := url.Parse(sub.Address)
	if err != nil {
		return "(webhook)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

func (s *Server) subscribersOrNotFound() (*subscriber.Service, error) {
	if s.Subscribers == nil {
		return nil, errs.E(errs.NotFound, "subscribers are not running")
	}
	return s.Subscribers, nil
}

// subscriberQuery reads ?page=, ?q= and ?limit= (default 500).
func (s *Server) subscriberQuery(r *http.Request) (subscriber.Query, error) {
	q := subscriber.Query{Page: r.URL.Query().Get("page"), Search: r.URL.Query().Get("q"), Limit: 500}
	if q.Page != "" {
		if _, err := s.statusPage(q.Page); err != nil {
			return q, errs.E(errs.Invalid, "page: no status page %q", q.Page)
		}
	}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 10000 {
			return q, errs.E(errs.Invalid, "limit: want a number from 1 to 10000, got %q", l)
		}
		q.Limit = n
	}
	return q, nil
}

// listSubscribers lists the subscribers the request's ?page=, ?q= and ?limit= select.
func (s *Server) listSubscribers(r *http.Request) ([]subscriber.Subscriber, subscriber.Query, error) {
	svc, err := s.subscribersOrNotFound()
	if err != nil {
		return nil, subscriber.Query{}, err
	}
	q, err := s.subscriberQuery(r)
	if err != nil {
		return nil, q, err
	}
	subs, err := svc.List(r.Context(), q)
	return subs, q, err
}

func (s *Server) apiListSubscribers(w http.ResponseWriter, r *http.Request) error {
	subs, _, err := s.listSubscribers(r)
	if err != nil {
		return err
	}
	out := make([]subscriberJSON, 0, len(subs))
	for i := range subs {
		out = append(out, toSubscriberJSON(&subs[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"subscribers": out})
	return nil
}

// apiAddSubscriber adds a webhook: {"page", "url", "secret"?, "components"?}. E-mail
// addresses subscribe themselves, with the confirmation that takes.
func (s *Server) apiAddSubscriber(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.subscribersOrNotFound()
	if err != nil {
		return err
	}
	var req struct {
		Page       string   `json:"page"`
		URL        string   `json:"url"`
		Secret     string   `json:"secret"`
		Components []string `json:"components"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	p, err := s.statusPage(req.Page)
	if err != nil {
		return errs.E(errs.Invalid, "page: no status page %q", req.Page)
	}
	sub, err := svc.AddWebhook(r.Context(), p, req.URL, req.Secret, req.Components, principalFrom(r.Context()).name())
	if err != nil {
		return err
	}
	out := toSubscriberJSON(sub)
	out.Secret = sub.Secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func subscriberID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errs.E(errs.Invalid, "subscriber id %q is not a number", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) apiRemoveSubscriber(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.subscribersOrNotFound()
	if err != nil {
		return err
	}
	id, err := subscriberID(r)
	if err != nil {
		return err
	}
	if _, err := svc.Remove(r.Context(), id, principalFrom(r.Context()).name()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type subscribersData struct {
	Rows    []subscriberRow
	Pages   []*status.Page
	Query   subscriber.Query
	Limited bool // more may match than are shown
	Form    webhookForm
	Created *subscriberJSON // the webhook just added, with its secret
}

type subscriberRow struct {
	subscriberJSON
	PageTitle  string
	Components string
	Expires    time.Time // when a waiting subscription goes away
}

// webhookForm is the add-a-webhook form, kept filled in when it comes back with an error.
type webhookForm struct {
	Page       *status.Page
	URL        string
	Components []string
}

func (s *Server) subscribersPage(w http.ResponseWriter, r *http.Request) error {
	var form webhookForm
	if slug := r.URL.Query().Get("page"); slug != "" {
		form.Page, _ = s.statusPage(slug)
	}
	return s.renderSubscribers(w, r, http.StatusOK, form, nil, "", "")
}

func (s *Server) renderSubscribers(w http.ResponseWriter, r *http.Request, code int, form webhookForm, created *subscriberJSON, msg, notice string) error {
	subs, q, err := s.listSubscribers(r)
	if err != nil {
		return err
	}
	data := subscribersData{Pages: s.StatusPages(), Query: q, Limited: len(subs) == q.Limit, Form: form, Created: created}
	if data.Form.Page == nil && len(data.Pages) == 1 {
		data.Form.Page = data.Pages[0]
	}
	for i := range subs {
		sub := &subs[i]
		row := subscriberRow{subscriberJSON: toSubscriberJSON(sub), PageTitle: sub.Page, Components: "all"}
		if p, err := s.statusPage(sub.Page); err == nil {
			row.PageTitle = p.Title
			if len(sub.Components) > 0 {
				row.Components = strings.Join(p.ComponentNames(sub.Components), ", ")
			}
		}
		if !sub.Confirmed() {
			row.Expires = sub.CreatedAt.Add(subscriber.ConfirmWithin)
		}
		data.Rows = append(data.Rows, row)
	}
	return s.render(w, r, code, "subscribers", page{Title: "Subscribers", Nav: "subscribers", Error: msg, Notice: notice, Data: data})
}

func (s *Server) subscribersAdd(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.subscribersOrNotFound()
	if err != nil {
		return err
	}
	p, err := s.statusPage(r.PostFormValue("page"))
	if err != nil {
		return s.renderSubscribers(w, r, http.StatusBadRequest, webhookForm{}, nil, "Choose a status page.", "")
	}
	form := webhookForm{Page: p, URL: r.PostFormValue("url"), Components: r.PostForm["component"]}
	sub, err := svc.AddWebhook(r.Context(), p, form.URL, r.PostFormValue("secret"), form.Components, principalFrom(r.Context()).name())
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Invalid || c == errs.Conflict {
			return s.renderSubscribers(w, r, statusOf(c), form, nil, errs.MessageOf(err), "")
		}
		return err
	}
	created := toSubscriberJSON(sub)
	created.Secret = sub.Secret
	// Shown in this answer only; the page is no-store so it does not linger in caches.
	return s.renderSubscribers(w, r, http.StatusCreated, webhookForm{Page: p}, &created, "", "")
}

func (s *Server) subscribersRemove(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.subscribersOrNotFound()
	if err != nil {
		return err
	}
	id, err := subscriberID(r)
	if err != nil {
		return err
	}
	sub, err := svc.Remove(r.Context(), id, principalFrom(r.Context()).name())
	if err != nil {
		return err
	}
	return s.renderSubscribers(w, r, http.StatusOK, webhookForm{}, nil, "", shownAddress(sub)+" no longer follows "+sub.Page+".")
}
