package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"vigie/internal/config"
	"vigie/internal/notify"
	"vigie/internal/notify/email"
	"vigie/internal/notify/webhook"
	"vigie/internal/subscriber"
)

// subscriberSenders gives, per page slug, the SMTP settings its subscriber mail goes out
// with: those of the email receiver its subscribers.email names, with subscribers.from if set.
func subscriberSenders(cfg *config.Config) map[string]email.Options {
	receivers := map[string]config.Receiver{}
	for _, r := range cfg.Receivers {
		receivers[r.Name] = r
	}
	out := map[string]email.Options{}
	for _, p := range cfg.StatusPages {
		r, ok := receivers[p.Subscribers.Email]
		if !ok {
			continue
		}
		o := r.Spec().Email
		if p.Subscribers.From != "" {
			o.From = p.Subscribers.From
		}
		out[p.Slug] = o
	}
	return out
}

// subscriberReceiver is the outbox's Lookup: it turns "subscriber:42" into a notifier that
// writes to that subscriber, with its page's sender for mail and its secret for webhooks.
func (a *App) subscriberReceiver(ctx context.Context, name string) (notify.Notifier, error) {
	sub, err := a.subscribers.Recipient(ctx, name)
	if sub == nil || err != nil {
		return nil, err
	}
	var n notify.Notifier
	switch sub.Kind {
	case subscriber.KindWebhook:
		n, err = webhook.New(webhook.Options{URL: sub.Address, Secret: sub.Secret}, nil)
	default:
		o, ok := (*a.senders.Load())[sub.Page]
		if !ok {
			return nil, &notify.PermanentError{Err: fmt.Errorf("status page %s has no subscribers.email sender (any more)", sub.Page)}
		}
		o.To = []string{sub.Address}
		n, err = email.New(o)
	}
	if err != nil {
		return nil, &notify.PermanentError{Err: hideAddress(err, sub)}
	}
	return private{n, sub}, nil
}

// private keeps a subscriber's address out of delivery errors, which are logged and shown
// in the outbox: a server's "550 <alice@example.net>: no such user" names them.
type private struct {
	notify.Notifier
	sub *subscriber.Subscriber
}

func (p private) Notify(ctx context.Context, m notify.Message) error {
	return hideAddress(p.Notifier.Notify(ctx, m), p.sub)
}

// hideAddress rewrites err without the subscriber's address, keeping what it says about
// retrying.
func hideAddress(err error, sub *subscriber.Subscriber) error {
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(sub.Address)) {
		return err
	}
	text := regexp.MustCompile("(?i)"+regexp.QuoteMeta(sub.Address)).ReplaceAllLiteralString(err.Error(), sub.Receiver())
	hidden := errors.New(text)
	var ra *notify.RetryAfterError
	switch {
	case notify.IsPermanent(err):
		return &notify.PermanentError{Err: hidden}
	case errors.As(err, &ra):
		return &notify.RetryAfterError{After: ra.After, Err: hidden}
	}
	return hidden
}
