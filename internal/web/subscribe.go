package web

import (
	"bytes"
	"context"
	"crypto/subtle"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/status"
	"vigie/internal/subscriber"
)

// The public side of subscriptions: the form on a status page (and the same endpoint in
// JSON), and the signed links in mails that confirm and end a subscription. None of the
// answers says whether an address was subscribed.

// publicPage finds a page for a visitor. A private page wants its token, given once in the
// URL (a cookie then keeps it); a wrong or missing one is "not found": a private page does
// not admit it exists.
func (s *Server) publicPage(w http.ResponseWriter, r *http.Request) (*status.Page, error) {
	p, err := s.statusPage(r.PathValue("slug"))
	if err != nil {
		return nil, err
	}
	if p.Token != "" {
		given := r.URL.Query().Get("token")
		if given == "" {
			if c, err := r.Cookie(statusCookie + "_" + p.Slug); err == nil {
				given = c.Value
			}
		}
		if subtle.ConstantTimeCompare([]byte(given), []byte(p.Token)) != 1 {
			return nil, errs.E(errs.NotFound, "no status page %q", p.Slug)
		}
		if r.URL.Query().Get("token") != "" {
			http.SetCookie(w, &http.Cookie{Name: statusCookie + "_" + p.Slug, Value: p.Token, Path: "/status/" + p.Slug,
				HttpOnly: true, Secure: s.isSecure(r), SameSite: http.SameSiteLaxMode, MaxAge: 30 * 24 * 3600})
		}
		w.Header().Set("X-Robots-Tag", "noindex")
	}
	return p, nil
}

// subscriptionPage is what the public subscription pages show: a heading, words, and maybe
// one button that posts back to the same address.
type subscriptionPage struct {
	Page    *status.Page
	Heading string
	Text    string
	Button  string // when set, a form posting to Action
	Action  string
	Failed  bool // the words are an error
}

func (s *Server) renderSubscription(w http.ResponseWriter, code int, d subscriptionPage) error {
	var buf bytes.Buffer
	if err := s.tmpl["subscription"].ExecuteTemplate(&buf, "subscription", d); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Security-Policy", statusCSP(d.Page))
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The token in the address is a credential: no page it leads to tells it to anyone.
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(code)
	_, err := w.Write(buf.Bytes())
	return err
}

// publicSubscribe takes the form of a status page (email, component...) or JSON
// ({"email", "components"?}), and answers in kind.
func (s *Server) publicSubscribe(w http.ResponseWriter, r *http.Request) error {
	p, err := s.publicPage(w, r)
	if err != nil {
		return err
	}
	if s.Subscribers == nil || !p.EmailSubscribers {
		return errs.E(errs.NotFound, "status page %s takes no e-mail subscribers", p.Slug)
	}
	var address string
	var components []string
	asJSON := wantsJSON(r)
	if asJSON {
		var req struct {
			Email      string   `json:"email"`
			Components []string `json:"components"`
		}
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		address, components = req.Email, req.Components
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			return errs.E(errs.Invalid, "the form could not be read")
		}
		address, components = r.PostForm.Get("email"), r.PostForm["component"]
	}
	err = s.Subscribers.Subscribe(r.Context(), p, address, components, s.clientIP(r))
	if err != nil && asJSON {
		return err
	}
	if err != nil {
		code := errs.CodeOf(err)
		if code != errs.Invalid && code != errs.TooManyRequests {
			return err
		}
		if e, ok := err.(*errs.Error); ok && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", retryAfterSeconds(e.RetryAfter))
		}
		return s.renderSubscription(w, statusOf(code), subscriptionPage{Page: p, Heading: "Not subscribed", Failed: true,
			Text: upperFirst(errs.MessageOf(err)) + "."})
	}
	const checkInbox = "We sent a message to the address you gave. Follow the link in it within 48 hours to confirm: " +
		"nothing else is sent before that. Every message has a link to unsubscribe."
	if asJSON {
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "check_inbox", "message": checkInbox})
		return nil
	}
	return s.renderSubscription(w, http.StatusOK, subscriptionPage{Page: p, Heading: "Check your inbox", Text: checkInbox})
}

// confirmPage answers the link in a confirmation mail. GET shows a button only: mail
// scanners follow links, and must not subscribe anyone by doing so.
func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) error {
	p, sub, err := s.linkTarget(r, (*subscriber.Service).CheckConfirm)
	if err != nil {
		return s.linkFailed(w, p, err)
	}
	if sub.Confirmed() {
		return s.renderSubscription(w, http.StatusOK, subscriptionPage{Page: p, Heading: "Subscribed", Text: "This subscription is confirmed already."})
	}
	return s.renderSubscription(w, http.StatusOK, subscriptionPage{Page: p, Heading: "Confirm your subscription",
		Text: "Get news of " + p.Title + " by e-mail: " + following(p, sub) + ".", Button: "Confirm my subscription", Action: r.URL.Path})
}

func (s *Server) confirmSubmit(w http.ResponseWriter, r *http.Request) error {
	p, sub, err := s.linkTarget(r, (*subscriber.Service).Confirm)
	if err != nil {
		return s.linkFailed(w, p, err)
	}
	return s.renderSubscription(w, http.StatusOK, subscriptionPage{Page: p, Heading: "Subscribed",
		Text: "You will get news of " + p.Title + " by e-mail: " + following(p, sub) + ". Every message has a link to unsubscribe."})
}

// unsubscribePage answers the link in a mail; like confirmPage, GET only shows a button.
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.linkTarget(r, (*subscriber.Service).CheckUnsubscribe)
	if err != nil {
		return s.linkFailed(w, p, err)
	}
	return s.renderSubscription(w, http.StatusOK, subscriptionPage{Page: p, Heading: "Unsubscribe",
		Text: "Stop getting news of " + p.Title + " at this address?", Button: "Unsubscribe", Action: r.URL.Path})
}

// unsubscribeSubmit ends the subscription: the button of unsubscribePage, or a mail client's
// one-click POST (RFC 8058), which comes with "List-Unsubscribe=One-Click" and no cookie.
func (s *Server) unsubscribeSubmit(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.linkTarget(r, (*subscriber.Service).Unsubscribe)
	if err != nil {
		return s.linkFailed(w, p, err)
	}
	return s.renderSubscription(w, http.StatusOK, subscriptionPage{Page: p, Heading: "Unsubscribed",
		Text: "You will get no more news of " + p.Title + " at this address. You can subscribe again on the status page."})
}

// linkCheck is a Service method that checks (and maybe acts on) the token of a link.
type linkCheck func(*subscriber.Service, context.Context, *status.Page, string) (*subscriber.Subscriber, error)

// linkTarget runs check on the token of a link. The token is the credential: a private
// page's own token is not asked for.
func (s *Server) linkTarget(r *http.Request, check linkCheck) (*status.Page, *subscriber.Subscriber, error) {
	p, err := s.statusPage(r.PathValue("slug"))
	if err != nil {
		return nil, nil, err
	}
	if s.Subscribers == nil {
		return p, nil, errs.E(errs.NotFound, "status page %s has no subscribers", p.Slug)
	}
	sub, err := check(s.Subscribers, r.Context(), p, r.PathValue("token"))
	return p, sub, err
}

// linkFailed shows a dead link on the page's own style; other errors go the usual way.
func (s *Server) linkFailed(w http.ResponseWriter, p *status.Page, err error) error {
	if p == nil || errs.CodeOf(err) != errs.NotFound {
		return err
	}
	return s.renderSubscription(w, http.StatusNotFound, subscriptionPage{Page: p, Heading: "Link not valid", Failed: true,
		Text: upperFirst(errs.MessageOf(err)) + "."})
}

// following says what a subscriber follows, for a page.
func following(p *status.Page, sub *subscriber.Subscriber) string {
	if len(sub.Components) == 0 {
		return "every component"
	}
	return strings.Join(p.ComponentNames(sub.Components), ", ")
}

// wantsJSON reports whether the request body is JSON, so the answer should be too.
func wantsJSON(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

func retryAfterSeconds(d time.Duration) string { return strconv.Itoa(int(d.Seconds() + 0.999)) }

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
