package subscriber

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"vigie/internal/errs"
	"vigie/internal/status"
)

// Subscription rules.
const (
	// ConfirmWithin is how long a confirmation link works; a subscription still unconfirmed
	// then is deleted.
	ConfirmWithin = 48 * time.Hour
	// UnsubscribeWithin is how long an unsubscribe link works. Every message carries a fresh
	// one, so only a very old message has a dead link.
	UnsubscribeWithin = 365 * 24 * time.Hour
	// Requests to subscribe from one client address, per hour, before it must wait.
	requestsPerHour = 10
	// Messages about its subscription one address gets per day, however often it is entered.
	mailsPerDay = 3
)

// Public is CreatedBy of subscriptions made on the public page or API.
const Public = "public"

// Subscribe asks for an e-mail subscription to a page, for its components (ids; none for the
// whole page), from client address ip. It answers the same whether the address is new,
// waiting for confirmation or subscribed already, so nobody learns who follows a page: a new
// address gets a confirmation link; a waiting one a fresh link; a subscribed one a note
// that nothing changed. An address gets at most a few such messages a day whoever asks.
func (s *Service) Subscribe(ctx context.Context, p *status.Page, address string, components []string, ip string) error {
	if !p.EmailSubscribers {
		return errs.E(errs.NotFound, "status page %s takes no e-mail subscribers", p.Slug)
	}
	addr, err := parseAddress(address)
	if err != nil {
		return err
	}
	components, err = pageComponents(p, components)
	if err != nil {
		return err
	}
	now := s.opts.Clock.Now()
	if ok, wait := s.throttle.allow("ip "+ip, requestsPerHour, time.Hour, now); !ok {
		return &errs.Error{Code: errs.TooManyRequests, Message: "too many subscription requests from your network; try again later", RetryAfter: wait}
	}
	if ok, _ := s.throttle.allow("address "+addr, mailsPerDay, 24*time.Hour, now); !ok {
		s.opts.Logger.Info("subscription request dropped: this address had its messages for the day", "page", p.Slug)
		return nil
	}
	existing, err := s.opts.Store.SubscriberByAddress(ctx, p.Slug, KindEmail, addr)
	switch {
	case errs.Is(err, errs.NotFound):
	case err != nil:
		return err
	case existing.Confirmed():
		return s.sendSubscriptionMail(ctx, p, existing, eventAlreadySubscribed)
	default:
		// A new request replaces the waiting one: its own components, a fresh link.
		if err := s.opts.Store.DeleteSubscriber(ctx, existing.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	sub := &Subscriber{Page: p.Slug, Kind: KindEmail, Address: addr, Components: components, Nonce: nonce(),
		CreatedBy: Public, CreatedAt: now}
	if err := s.opts.Store.CreateSubscriber(ctx, sub); errs.Is(err, errs.Conflict) {
		return nil // a request for the same address just won the race; the answer stays the same
	} else if err != nil {
		return err
	}
	s.opts.Logger.Info("subscription waiting for confirmation", "page", p.Slug, "subscriber", sub.ID)
	return s.sendSubscriptionMail(ctx, p, sub, eventConfirm)
}

// parseAddress accepts one bare e-mail address, as a person types it in a form.
func parseAddress(address string) (string, error) {
	address = strings.TrimSpace(address)
	bad := errs.E(errs.Invalid, "email: give one e-mail address, like name@example.com")
	if address == "" || len(address) > 254 {
		return "", bad
	}
	a, err := mail.ParseAddress(address)
	if err != nil || a.Name != "" || a.Address != address {
		return "", bad
	}
	at := strings.LastIndexByte(address, '@')
	if domain := address[at+1:]; !strings.Contains(strings.Trim(domain, "."), ".") {
		return "", errs.E(errs.Invalid, "email: %q lacks a full domain name after the @", domain)
	}
	return strings.ToLower(address), nil
}

// pageComponents checks component ids against the page and drops repeats; none means the
// whole page.
func pageComponents(p *status.Page, components []string) ([]string, error) {
	ids := p.ComponentIDs()
	var out []string
	for _, c := range components {
		if !slices.Contains(ids, c) {
			return nil, errs.E(errs.Invalid, "components: page %s has no component %q (it has %s)", p.Slug, c, strings.Join(ids, ", "))
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

func nonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Link purposes, the first letter of a token.
const (
	purposeConfirm     = 'c'
	purposeUnsubscribe = 'u'
)

// linkToken makes the token of a link for sub: purpose, id, expiry and a MAC over them and
// the subscriber's nonce, "c42.1767225600.MAC".
func (s *Service) linkToken(ctx context.Context, sub *Subscriber, purpose byte, expires time.Time) (string, error) {
	payload := string(purpose) + strconv.FormatInt(sub.ID, 10) + "." + strconv.FormatInt(expires.Unix(), 10)
	sum, err := s.links.Sum(ctx, "vigie subscriber v1:"+payload+":"+sub.Nonce)
	if err != nil {
		return "", err
	}
	return payload + "." + sum, nil
}

// checkToken returns the subscriber of a page a link token was made for. A forged, expired
// or dead token (its subscription is gone) is errs.NotFound with the message given.
func (s *Service) checkToken(ctx context.Context, p *status.Page, token string, purpose byte, invalid string) (*Subscriber, error) {
	bad := errs.E(errs.NotFound, "%s", invalid)
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(parts[0]) < 2 || parts[0][0] != purpose {
		return nil, bad
	}
	id, err1 := strconv.ParseInt(parts[0][1:], 10, 64)
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, bad
	}
	sub, err := s.opts.Store.SubscriberByID(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	ok, err := s.links.Verify(ctx, "vigie subscriber v1:"+parts[0]+"."+parts[1]+":"+sub.Nonce, parts[2])
	if err != nil {
		return nil, err
	}
	if !ok || sub.Page != p.Slug || !s.opts.Clock.Now().Before(time.Unix(exp, 0)) {
		return nil, bad
	}
	return sub, nil
}

const (
	invalidConfirm     = "this confirmation link is not valid: it has expired (links work for 48 hours) or its subscription is gone; subscribe again from the status page"
	invalidUnsubscribe = "this unsubscribe link is not valid: it was used already, or it is too old; every message has a fresh one"
)

// CheckConfirm returns the subscription a confirmation link is for, without confirming: a
// page shows it with a button, since mail scanners follow links.
func (s *Service) CheckConfirm(ctx context.Context, p *status.Page, token string) (*Subscriber, error) {
	return s.checkToken(ctx, p, token, purposeConfirm, invalidConfirm)
}

// Confirm confirms the subscription of a link; confirming twice is no error.
func (s *Service) Confirm(ctx context.Context, p *status.Page, token string) (*Subscriber, error) {
	sub, err := s.CheckConfirm(ctx, p, token)
	if err != nil || sub.Confirmed() {
		return sub, err
	}
	sub.ConfirmedAt = s.opts.Clock.Now()
	if err := s.opts.Store.ConfirmSubscriber(ctx, sub.ID, sub.ConfirmedAt); err != nil {
		return nil, err
	}
	s.opts.Logger.Info("subscription confirmed", "page", p.Slug, "subscriber", sub.ID)
	return sub, nil
}

// CheckUnsubscribe returns the subscription an unsubscribe link ends, without ending it.
func (s *Service) CheckUnsubscribe(ctx context.Context, p *status.Page, token string) (*Subscriber, error) {
	return s.checkToken(ctx, p, token, purposeUnsubscribe, invalidUnsubscribe)
}

// Unsubscribe ends the subscription of a link. Messages still in the outbox for it are not
// sent: the subscriber is gone when their turn comes.
func (s *Service) Unsubscribe(ctx context.Context, p *status.Page, token string) (*Subscriber, error) {
	sub, err := s.CheckUnsubscribe(ctx, p, token)
	if err != nil {
		return nil, err
	}
	if err := s.opts.Store.DeleteSubscriber(ctx, sub.ID); err != nil {
		return nil, err
	}
	s.opts.Logger.Info("unsubscribed by link", "page", p.Slug, "subscriber", sub.ID)
	return sub, nil
}

// sendSubscriptionMail tells an address about its subscription: the link to confirm it, or
// that it stands already.
func (s *Service) sendSubscriptionMail(ctx context.Context, p *status.Page, sub *Subscriber, event string) error {
	now := s.opts.Clock.Now()
	n := Notice{Key: event + "/" + strconv.FormatInt(now.UnixMicro(), 10), Event: event}
	switch event {
	case eventConfirm:
		n.Title = "Confirm your subscription"
		n.Body = "Someone, probably you, asked to get news of " + p.Title + " at this address. Confirm with the link below; " +
			"until then nothing else is sent. If it was not you, ignore this message: the request expires in 48 hours."
	default:
		n.Title = "You are subscribed already"
		n.Body = "Someone, probably you, asked to subscribe this address to " + p.Title + ". It is subscribed already, " +
			"so nothing changes. To stop the messages, use the unsubscribe link below."
	}
	m, err := s.message(ctx, p, sub, nil, n)
	if err != nil {
		return err
	}
	return s.opts.Outbox.Enqueue(ctx, sub.Receiver(), m)
}

// throttle counts events per key over a sliding window, in memory: a restart forgets.
type throttle struct {
	mu   sync.Mutex
	seen map[string][]time.Time
}

// maxThrottleKeys bounds the memory a flood of addresses can take; longestWindow is the
// longest window a key is counted over.
const (
	maxThrottleKeys = 50000
	longestWindow   = 24 * time.Hour
)

func newThrottle() *throttle { return &throttle{seen: map[string][]time.Time{}} }

// allow records an event for key unless limit events happened within per; when refusing it
// says how long until the oldest of them leaves the window.
func (t *throttle) allow(key string, limit int, per time.Duration, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.seen[key][:0]
	for _, at := range t.seen[key] {
		if now.Sub(at) < per {
			recent = append(recent, at)
		}
	}
	if len(recent) >= limit {
		t.seen[key] = recent
		return false, per - now.Sub(recent[0])
	}
	if len(t.seen) >= maxThrottleKeys {
		t.forget(now)
	}
	t.seen[key] = append(recent, now)
	return true, 0
}

// forget drops keys with nothing left in their window, and everything if that is not enough.
func (t *throttle) forget(now time.Time) {
	for k, ats := range t.seen {
		if len(ats) == 0 || now.Sub(ats[len(ats)-1]) >= longestWindow {
			delete(t.seen, k)
		}
	}
	if len(t.seen) >= maxThrottleKeys {
		t.seen = map[string][]time.Time{}
	}
}
