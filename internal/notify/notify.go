// Package notify delivers messages to receivers (webhooks, chat, e-mail, paging) through a
// durable outbox: a message is stored before anything is sent, delivered by workers with
// backoff, and retried until it arrives or is judged undeliverable. One sub-package per
// provider implements Notifier.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind is why a message is sent.
type Kind string

const (
	KindFiring   Kind = "firing"   // an alert opened
	KindReminder Kind = "reminder" // still firing, repeat interval passed
	KindEscalate Kind = "escalate" // not acknowledged in time: the next escalation step
	KindResolved Kind = "resolved" // the alert closed
	KindTest     Kind = "test"     // `vigie notify test`
	KindNotice   Kind = "notice"   // to a status page's subscribers: see Message.Notice
	// KindUpdateDue: an incident's promised public update is late.
	KindUpdateDue Kind = "update_due"
	KindReport    Kind = "report" // a scheduled report (the weekly report)
)

// Severity of the alert behind a message.
type Severity string

const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Alert is one alert as a message reports it. A message may carry several (a group).
type Alert struct {
	Monitor   string            `json:"monitor"`
	State     string            `json:"state"` // down, degraded, cert_expiring; up or cert_renewed when resolved
	Reason    string            `json:"reason,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	StartedAt time.Time         `json:"started_at"`
	EndedAt   time.Time         `json:"ended_at,omitzero"` // set when resolved
	URL       string            `json:"url,omitempty"`     // the monitor's page
}

// Duration is how long the alert lasted (resolved) or has lasted so far (at asOf).
func (a Alert) Duration(asOf time.Time) time.Duration {
	if !a.EndedAt.IsZero() {
		return a.EndedAt.Sub(a.StartedAt)
	}
	return asOf.Sub(a.StartedAt)
}

// Message is what a receiver is told. Providers render Title and Text in their own format;
// the structured fields are there for providers with fields of their own (PagerDuty, webhooks).
type Message struct {
	// Key is stable for one notification across retries, so a receiver that supports it can
	// drop duplicates (delivery is at least once). PagerDuty's dedup_key is the alert's
	// GroupKey instead, so its incident opens once and resolves.
	Key      string    `json:"key"`
	GroupKey string    `json:"group_key"` // the same for every message about one alert group
	Kind     Kind      `json:"kind"`
	Severity Severity  `json:"severity"`
	Title    string    `json:"title"` // one line: "[DOWN] website — status == 200 (got 503)"
	Text     string    `json:"text"`  // a few plain-text lines, the same content
	Alerts   []Alert   `json:"alerts"`
	AckURL   string    `json:"ack_url,omitempty"` // a signed link that acknowledges, while firing
	SentAt   time.Time `json:"sent_at"`
	// Notice is set, instead of Alerts, on messages to a status page's subscribers.
	Notice *Notice `json:"notice,omitempty"`
	// HTML is the message rendered by its sender, for e-mail; empty lets the provider render it.
	HTML string `json:"html,omitempty"`
}

// Notice is what a message to a status page's subscribers is about: a maintenance scheduled,
// starting or over, an incident update, a subscription to confirm.
type Notice struct {
	Event      string    `json:"event"` // maintenance_scheduled, maintenance_started, subscription_confirm...
	Page       string    `json:"page"`  // the page's slug
	PageTitle  string    `json:"page_title"`
	PageURL    string    `json:"page_url"`
	Components []string  `json:"components,omitempty"` // names of the components concerned
	StartsAt   time.Time `json:"starts_at,omitzero"`   // the window it is about, if any
	EndsAt     time.Time `json:"ends_at,omitzero"`
	// ConfirmURL and UnsubscribeURL are signed links for the one subscriber the message goes to.
	ConfirmURL     string `json:"confirm_url,omitempty"`
	UnsubscribeURL string `json:"unsubscribe_url,omitempty"`
}

// Notifier sends a message to one receiver. It returns nil when the receiver took it, a
// *PermanentError when retrying cannot help (the receiver refused the request: 4xx), a
// *RetryAfterError when the receiver asked to come back later, and any other error for
// failures worth retrying (timeouts, refused connections, 5xx).
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// PermanentError is a failure that retrying will not fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// RetryAfterError is a failure with the receiver's own idea of when to try again.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}
func (e *RetryAfterError) Unwrap() error { return e.Err }

// ErrGone marks a receiver that no longer exists and will not come back (a subscriber who
// unsubscribed): a message for it fails at once, without retries.
var ErrGone = errors.New("receiver is gone")

// IsPermanent reports whether err says retrying cannot help.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
