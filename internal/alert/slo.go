package alert

import (
	"context"
	"net/url"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/notify"
)

// Kinds of SLO alerts: an error budget burning fast enough to page someone, or to file a
// ticket. Routes choose them with notify_on like any other kind.
const (
	KindSLOPage   = "slo_page"
	KindSLOTicket = "slo_ticket"
)

// sloPrefix marks an SLO alert's subject, in the place a monitor alert has its monitor, so an
// SLO never shares an alert with a monitor of the same name.
const sloPrefix = "slo:"

// Burn is an SLO's verdict at one evaluation: the worst kind of burn-rate rule firing.
type Burn struct {
	SLO    string
	Kind   string // KindSLOPage, KindSLOTicket, or empty when no rule fires
	Reason string // e.g. "error budget burning 15.2× over 1h and 16.0× over 5m"
	Labels map[string]string
	At     time.Time
}

// IsSLO reports whether an alert kind is an SLO's.
func IsSLO(kind string) bool { return kind == KindSLOPage || kind == KindSLOTicket }

// Path is where the admin UI shows what the alert is about: an SLO, a backup job or a
// monitor.
func (a *Alert) Path() string {
	if name, ok := strings.CutPrefix(a.Monitor, sloPrefix); ok && IsSLO(a.Kind) {
		return "/slos/" + name
	}
	if a.Labels["type"] == "backup" && a.Labels["job"] != "" {
		return "/backups/" + url.PathEscape(a.Labels["job"])
	}
	return "/monitors/" + a.Monitor
}

// ObserveBurn opens, worsens or resolves an SLO's alert, one at a time per SLO. A ticket that
// turns into a page is told again, as a page (like degraded turning down); a page whose burn
// slows to a ticket's stays a page until no rule fires, when it resolves.
func (e *Engine) ObserveBurn(ctx context.Context, b Burn) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	subject := sloPrefix + b.SLO
	open, err := e.opts.Store.OpenAlertFor(ctx, subject, false)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	switch {
	case b.Kind == "" && open == nil:
		return nil
	case b.Kind == "":
		open.ResolvedAt = b.At
		e.opts.Logger.Info("alert resolved", "slo", b.SLO, "after", b.At.Sub(open.StartedAt))
		return e.opts.Store.UpdateAlert(ctx, open)
	case open == nil:
		labels := Labels(subject, "slo", b.Labels)
		labels["slo"] = b.SLO
		a := &Alert{Monitor: subject, Kind: b.Kind, Severity: sloSeverity(b.Kind), Reason: b.Reason, Labels: labels, StartedAt: b.At}
		e.opts.Logger.Info("alert opened", "slo", b.SLO, "kind", b.Kind, "reason", b.Reason)
		return e.opts.Store.OpenAlert(ctx, a)
	}
	open.Reason = b.Reason
	if b.Kind == KindSLOPage && open.Kind != KindSLOPage {
		open.Kind, open.Severity, open.NotifiedAt = b.Kind, sloSeverity(b.Kind), time.Time{}
	}
	return e.opts.Store.UpdateAlert(ctx, open)
}

func sloSeverity(kind string) notify.Severity {
	if kind == KindSLOPage {
		return notify.SeverityCritical
	}
	return notify.SeverityWarning
}
