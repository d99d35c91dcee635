package subscriber

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"

	"vigie/internal/errs"
	"vigie/internal/notify"
	"vigie/internal/status"
)

// minSecretLength keeps webhook secrets out of guessing range.
const minSecretLength = 16

// AddWebhook subscribes a webhook to a page, for its components (ids; none for the whole
// page). Requests are signed with secret like the webhook receiver's; an empty secret gets a
// random one. The subscriber, with its secret, is returned once.
func (s *Service) AddWebhook(ctx context.Context, p *status.Page, url, secret string, components []string, by string) (*Subscriber, error) {
	url = strings.TrimSpace(url)
	if err := notify.CheckURL("webhook", "url", url); err != nil {
		return nil, errs.E(errs.Invalid, "%s", err)
	}
	switch secret = strings.TrimSpace(secret); {
	case secret == "":
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		secret = hex.EncodeToString(b)
	case len(secret) < minSecretLength:
		return nil, errs.E(errs.Invalid, "secret: use at least %d characters, or leave it empty for a random one", minSecretLength)
	}
	components, err := pageComponents(p, components)
	if err != nil {
		return nil, err
	}
	now := s.opts.Clock.Now()
	sub := &Subscriber{Page: p.Slug, Kind: KindWebhook, Address: url, Secret: secret, Components: components, Nonce: nonce(),
		CreatedBy: by, CreatedAt: now, ConfirmedAt: now}
	if err := s.opts.Store.CreateSubscriber(ctx, sub); err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, errs.E(errs.Conflict, "this webhook follows page %s already", p.Slug)
		}
		return nil, err
	}
	s.opts.Logger.Info("webhook subscriber added", "page", p.Slug, "subscriber", sub.ID, "by", by)
	return sub, nil
}

// Remove ends a subscription, for an administrator.
func (s *Service) Remove(ctx context.Context, id int64, by string) (*Subscriber, error) {
	sub, err := s.opts.Store.SubscriberByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.opts.Store.DeleteSubscriber(ctx, id); err != nil {
		return nil, err
	}
	s.opts.Logger.Info("subscriber removed", "page", sub.Page, "subscriber", id, "by", by)
	return sub, nil
}

// List returns the subscribers q selects, for administrators.
func (s *Service) List(ctx context.Context, q Query) ([]Subscriber, error) {
	q.Search = strings.ToLower(strings.TrimSpace(q.Search))
	return s.opts.Store.Subscribers(ctx, q)
}

// SentNotices lists the notices sent about one maintenance, oldest first.
func (s *Service) SentNotices(ctx context.Context, maintenance int64) ([]SentNotice, error) {
	return s.opts.Store.SentNotices(ctx, "maintenance/"+strconv.FormatInt(maintenance, 10)+"/")
}
