// Package alert turns monitor state changes into alerts and alerts into notifications: one
// alert per outage, routed by labels to receivers, grouped so a burst of related failures is
// one message, repeated while nobody acknowledges, escalated step by step, silenced on
// request, and resolved with the outage's duration. Alerts live in the store, so a restart
// changes nothing of what is open, acknowledged or already sent.
package alert

import (
	"context"
	"maps"
	"strings"
	"time"

	"vigie/internal/errs"

	"vigie/internal/notify"
)

// Alert is one outage of one monitor.
type Alert struct {
	ID               int64
	Monitor          string
	Kind             string // down, degraded or cert_expiring
	Severity         notify.Severity
	Reason           string
	Labels           map[string]string // the monitor's labels plus monitor and type
	StartedAt        time.Time
	ResolvedAt       time.Time
	AckedAt          time.Time
	AckedBy          string
	NotifiedAt       time.Time // first notification, zero until group_wait passed (and no silence)
	LastNotifiedAt   time.Time
	ResolvedNotified bool
	EscalationStep   int
}

// KindCert is the kind of a certificate alert: the certificate expires within the monitor's
// warning window. It is open beside, not instead of, the monitor's outage alert.
const KindCert = "cert_expiring"

// StateCertRenewed is how a message reports a resolved certificate alert.
const StateCertRenewed = "cert_renewed"

// Firing reports whether the alert is open.
func (a *Alert) Firing() bool { return a.ResolvedAt.IsZero() }

// Silence mutes notifications for alerts whose labels match every matcher, from StartsAt to
// EndsAt. Alerts still open and show; they are only not sent.
type Silence struct {
	ID        int64
	Matchers  map[string]string
	StartsAt  time.Time
	EndsAt    time.Time
	Author    string
	Reason    string
	CreatedAt time.Time
}

// Active reports whether the silence mutes at t.
func (s *Silence) Active(t time.Time) bool { return !t.Before(s.StartsAt) && t.Before(s.EndsAt) }

// Matches reports whether labels satisfy every matcher.
func (s *Silence) Matches(labels map[string]string) bool { return matches(s.Matchers, labels) }

// ParseMatchers reads silence matchers written "monitor=website team=web" (spaces or
// commas between pairs), as the UI and the CLI take them.
func ParseMatchers(text string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == ',' || r == '\n' || r == '\t' || r == '\r' }) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" || v == "" {
			return nil, errs.E(errs.Invalid, "matchers: %q is not label=value", f)
		}
		if _, dup := out[k]; dup {
			return nil, errs.E(errs.Invalid, "matchers: label %q given twice", k)
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil, errs.E(errs.Invalid, "matchers: give at least one label=value, e.g. monitor=website")
	}
	return out, nil
}

func matches(matchers, labels map[string]string) bool {
	for k, v := range matchers {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// Labels of a monitor as alerts and routes see them.
func Labels(monitor, kind string, labels map[string]string) map[string]string {
	out := maps.Clone(labels)
	if out == nil {
		out = map[string]string{}
	}
	out["monitor"], out["type"] = monitor, kind
	return out
}

// Store is what alerting needs from storage.
type Store interface {
	// OpenAlert stores a new open alert; a monitor with one open already is errs.Conflict.
	OpenAlert(ctx context.Context, a *Alert) error
	// OpenAlertFor is the monitor's open certificate alert (cert) or outage alert (!cert),
	// or errs.NotFound.
	OpenAlertFor(ctx context.Context, monitor string, cert bool) (*Alert, error)
	UpdateAlert(ctx context.Context, a *Alert) error
	AlertByID(ctx context.Context, id int64) (*Alert, error)
	// PendingAlerts are the open alerts and the resolved ones whose resolution is not yet sent.
	PendingAlerts(ctx context.Context) ([]Alert, error)
	// RecentAlerts lists alerts started since t, newest first.
	RecentAlerts(ctx context.Context, since time.Time, limit int) ([]Alert, error)

	CreateSilence(ctx context.Context, s *Silence) error
	// Silences lists the silences that have not ended at t.
	Silences(ctx context.Context, t time.Time) ([]Silence, error)
	EndSilence(ctx context.Context, id int64, at time.Time) error

	// Setting reads a server-wide setting; SetSettingOnce writes it unless it exists and
	// returns the stored value (so several nodes agree on one signing key).
	Setting(ctx context.Context, key string) (string, error)
	SetSettingOnce(ctx context.Context, key, value string) (string, error)
}
