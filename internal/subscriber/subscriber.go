// Package subscriber keeps those who follow a status page: e-mail addresses confirmed by
// double opt-in, and webhooks an administrator added, each for the whole page or for some of
// its components. Announce sends them a public notice through the outbox, once per notice
// and subscriber; the notices loop (Run) announces maintenances when they are scheduled,
// ahead of each occurrence, at its start and end, and when they are updated or cancelled.
//
// An address is personal data: it is shown to administrators only, never logged, and the
// public answers are the same whether an address is subscribed or not.
package subscriber

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/notify"
	"vigie/internal/signing"
	"vigie/internal/status"
)

// Kind is how a subscriber is told.
type Kind string

const (
	KindEmail   Kind = "email"
	KindWebhook Kind = "webhook"
)

// Subscriber follows one status page.
type Subscriber struct {
	ID         int64
	Page       string // slug
	Kind       Kind
	Address    string   // the e-mail address (lower case) or the webhook URL; never public
	Secret     string   // signs webhook requests
	Components []string // component ids; empty for the whole page
	// Nonce is part of every link signed for the subscriber, so that a link dies with the
	// subscription it was made for.
	Nonce       string
	CreatedBy   string // "public" for the subscribe form and API, else the administrator
	CreatedAt   time.Time
	ConfirmedAt time.Time // zero until the address is confirmed; webhooks are at once
}

// Confirmed reports whether the subscriber gets notices.
func (s *Subscriber) Confirmed() bool { return !s.ConfirmedAt.IsZero() }

// Wants reports whether a notice about these components concerns the subscriber.
func (s *Subscriber) Wants(components []string) bool {
	if len(s.Components) == 0 {
		return true
	}
	for _, c := range components {
		if slices.Contains(s.Components, c) {
			return true
		}
	}
	return false
}

// receiverPrefix names the outbox receivers that are subscribers.
const receiverPrefix = "subscriber:"

// Receiver is the subscriber's name in the outbox.
func (s *Subscriber) Receiver() string { return receiverPrefix + strconv.FormatInt(s.ID, 10) }

// Query selects subscribers.
type Query struct {
	Page          string // a slug; empty for every page
	Search        string // part of the address, any case
	ConfirmedOnly bool
	Limit         int // 0 for no limit
}

// SentNotice records a notice announced to a page's subscribers.
type SentNotice struct {
	Key        string
	Event      string
	At         time.Time
	Recipients int
}

// Store keeps subscribers and the notices sent to them.
type Store interface {
	// CreateSubscriber stores s; the same address (or URL) twice on a page is errs.Conflict.
	CreateSubscriber(ctx context.Context, s *Subscriber) error
	SubscriberByID(ctx context.Context, id int64) (*Subscriber, error)
	SubscriberByAddress(ctx context.Context, page string, kind Kind, address string) (*Subscriber, error)
	// Subscribers lists the subscribers q selects, oldest first.
	Subscribers(ctx context.Context, q Query) ([]Subscriber, error)
	ConfirmSubscriber(ctx context.Context, id int64, at time.Time) error
	DeleteSubscriber(ctx context.Context, id int64) error
	// DeleteUnconfirmedSubscribers removes the subscriptions still unconfirmed that were
	// made before t.
	DeleteUnconfirmedSubscribers(ctx context.Context, before time.Time) (int64, error)
	// RecordNotice stores n unless its key is stored already; it reports whether it stored.
	RecordNotice(ctx context.Context, n SentNotice) (bool, error)
	NoticeSent(ctx context.Context, key string) (bool, error)
	// SentNotices lists the notices whose key starts with prefix, oldest first.
	SentNotices(ctx context.Context, prefix string) ([]SentNotice, error)
	signing.Settings
}

// Outbox takes messages to deliver.
type Outbox interface {
	Enqueue(ctx context.Context, receiver string, m notify.Message) error
}

// Options configure a Service.
type Options struct {
	Store        Store
	Outbox       Outbox
	Maintenances status.MaintenanceStore
	// Pages lists the configured pages; read on every use so a reload applies.
	Pages func() []*status.Page
	// BaseURL is the absolute URL links in messages start with.
	BaseURL func() string
	Clock   clock.Clock
	Logger  *slog.Logger
}

// Service manages subscriptions and sends notices.
type Service struct {
	opts     Options
	links    *signing.Key
	throttle *throttle
	wake     chan struct{}
	// sent remembers notice keys known to be recorded, so rounds do not ask the store again.
	sentMu sync.Mutex
	sent   map[string]time.Time
	// prunedAt is when RunOnce last deleted expired subscriptions; only Run's goroutine
	// (or a test driving RunOnce) touches it.
	prunedAt time.Time
}

// linkKeySetting names the stored key that signs confirmation and unsubscribe links.
const linkKeySetting = "subscriber.link_key"

// NewService returns a service; Run sends the maintenance notices.
func NewService(o Options) *Service {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Pages == nil {
		o.Pages = func() []*status.Page { return nil }
	}
	if o.BaseURL == nil {
		o.BaseURL = func() string { return "" }
	}
	return &Service{opts: o, links: signing.NewKey(o.Store, linkKeySetting), throttle: newThrottle(),
		wake: make(chan struct{}, 1), sent: map[string]time.Time{}}
}

// page finds a configured page.
func (s *Service) page(slug string) *status.Page {
	for _, p := range s.opts.Pages() {
		if p.Slug == slug {
			return p
		}
	}
	return nil
}

// pageURL is the public address of a page.
func (s *Service) pageURL(p *status.Page) string {
	return strings.TrimRight(s.opts.BaseURL(), "/") + "/status/" + p.Slug
}

// Recipient finds the subscriber an outbox receiver name stands for ("subscriber:42"). It
// returns nil and no error for other names, and an error wrapping notify.ErrGone once the
// subscriber is gone: unsubscribed, removed, or its page no longer configured.
func (s *Service) Recipient(ctx context.Context, receiver string) (*Subscriber, error) {
	rest, ok := strings.CutPrefix(receiver, receiverPrefix)
	if !ok {
		return nil, nil
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: not a subscriber id: %w", receiver, notify.ErrGone)
	}
	sub, err := s.opts.Store.SubscriberByID(ctx, id)
	switch {
	case errs.Is(err, errs.NotFound):
		return nil, fmt.Errorf("subscriber %d unsubscribed or was removed: %w", id, notify.ErrGone)
	case err != nil:
		return nil, err
	case s.page(sub.Page) == nil:
		return nil, fmt.Errorf("subscriber %d follows page %q, which is no longer configured: %w", id, sub.Page, notify.ErrGone)
	}
	return sub, nil
}
