package incident

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"vigie/internal/alert"
	"vigie/internal/errs"
	"vigie/internal/human"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

// Rule is how a route opens incidents from the alerts it sends (its `incident` key).
type Rule struct {
	Page     string // status page; empty keeps the incident off pages
	Severity Severity
	// Components are component ids on Page; empty means those backed by the alert's monitor.
	Components []string
	// NextUpdate is when the first public update is promised after opening; 0 for none.
	NextUpdate time.Duration
	// Remind names who is reminded of an overdue update (the route's receivers by default).
	Remind []string
}

// AlertCreator is who opens incidents from alerts, in the record.
const AlertCreator = "alert"

// AlertChanged follows an alert: the alerting engine calls it when an alert is first sent
// (its group wait over, no silence or maintenance holding it), acknowledged or resolved.
// An alert that belongs to an incident writes its acknowledgement and resolution on the
// incident's timeline; when every alert of an incident is resolved, the impact is over
// (mitigated), and people resolve the incident. A firing alert that belongs to none, on a
// route with a rule, joins an open incident about the same monitor or components, or opens
// one. Certificate alerts never open incidents: nothing is broken yet.
func (s *Service) AlertChanged(ctx context.Context, a alert.Alert, rule *Rule) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, err := s.opts.Store.IncidentForAlert(ctx, a.ID)
	switch {
	case err == nil:
		_, err = s.modify(ctx, inc.ID, func(inc *Incident, now time.Time) error { return followAlert(inc, a) })
		return err
	case !errs.Is(err, errs.NotFound):
		return err
	case rule == nil || !a.Firing() || a.Kind == alert.KindCert:
		return nil
	}
	page, _ := s.Page(rule.Page)
	comps := rule.Components
	if len(comps) == 0 && page != nil {
		comps = componentsOf(page, a.Monitor)
	}
	open, err := s.opts.Store.Incidents(ctx, Filter{State: "open", Limit: 500})
	if err != nil {
		return err
	}
	for i := range open {
		if covers(&open[i], a.Monitor, rule.Page, comps) {
			_, err := s.modify(ctx, open[i].ID, func(inc *Incident, now time.Time) error {
				inc.Alerts = append(inc.Alerts, AlertLink{AlertID: a.ID, Monitor: a.Monitor})
				inc.record(a.StartedAt, EntryAlertFired, AlertCreator, alertText(a)).AlertID = a.ID
				if err := followAlert(inc, a); err != nil && !errors.Is(err, errUnchanged) {
					return err
				}
				sortEntries(inc)
				return nil
			})
			return err
		}
	}
	return s.openFromAlert(ctx, a, rule, page, comps)
}

// covers reports whether an open incident is about the monitor, or about one of the
// components on the page.
func covers(inc *Incident, monitor, page string, comps []string) bool {
	if slices.ContainsFunc(inc.Alerts, func(l AlertLink) bool { return l.Monitor == monitor }) {
		return true
	}
	return page != "" && inc.Page == page && slices.ContainsFunc(comps, func(c string) bool {
		_, ok := inc.Level(c)
		return ok
	})
}

// componentsOf lists the components of the page that the monitor is behind.
func componentsOf(p *status.Page, monitor string) []string {
	var out []string
	for _, g := range p.Groups {
		for _, c := range g.Components {
			if slices.Contains(c.Monitors, monitor) {
				out = append(out, c.ID)
			}
		}
	}
	return out
}

func (s *Service) openFromAlert(ctx context.Context, a alert.Alert, rule *Rule, page *status.Page, comps []string) error {
	now := s.opts.Clock.Now()
	level := sla.MajorOutage
	if a.Kind == "degraded" {
		level = sla.Degraded
	}
	inc := &Incident{Severity: rule.Severity, Status: Investigating, Page: rule.Page, Remind: rule.Remind,
		DetectedAt: a.StartedAt, StartedAt: a.StartedAt, CreatedBy: AlertCreator, CreatedAt: now, UpdatedAt: now,
		Alerts: []AlertLink{{AlertID: a.ID, Monitor: a.Monitor}}}
	if s.opts.ImpactStart != nil {
		if t := s.opts.ImpactStart(ctx, a.Monitor, a.StartedAt); !t.IsZero() && t.Before(a.StartedAt) {
			inc.StartedAt = t
		}
	}
	names := componentNames(page)
	var shown []string
	for _, c := range comps {
		inc.Components = append(inc.Components, Affected{Component: c, Level: level})
		shown = append(shown, names[c])
	}
	// The title is public when the incident is on a page: it names components, never the
	// monitor, whose name is internal.
	switch {
	case len(shown) > 0:
		inc.Title = strings.Join(shown, ", ") + ": " + LevelText(level)
	case rule.Page != "":
		inc.Title = "Service disruption"
	default:
		inc.Title = a.Monitor + " is " + a.Kind
	}
	if rule.NextUpdate > 0 && rule.Page != "" {
		inc.NextUpdateAt = now.Add(rule.NextUpdate)
	}
	inc.Logbook.WhatIsGoingOn = fmt.Sprintf("%s is %s since %s: %s", a.Monitor, a.Kind, a.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC"), a.Reason)
	inc.record(a.StartedAt, EntryAlertFired, AlertCreator, alertText(a)).AlertID = a.ID
	inc.record(now, EntryOpened, AlertCreator, "Opened from alert "+fmt.Sprint(a.ID)+".")
	var update *Entry
	if rule.Page != "" {
		msg := "We are investigating a problem."
		if len(shown) > 0 {
			msg = "We are investigating a problem affecting " + strings.Join(shown, ", ") + "."
		}
		u := *inc.record(now, EntryUpdate, AlertCreator, msg)
		update = &u
	}
	if err := followAlert(inc, a); err != nil && !errors.Is(err, errUnchanged) {
		return err
	}
	if err := s.opts.Store.CreateIncident(ctx, inc); err != nil {
		return err
	}
	s.opts.Logger.Info("incident opened from an alert", "id", inc.ID, "alert", a.ID, "monitor", a.Monitor, "page", inc.Page)
	s.changed()
	if update != nil {
		s.announce(ctx, inc, *update)
	}
	return nil
}

// followAlert writes an alert's acknowledgement and resolution on the timeline, once each.
func followAlert(inc *Incident, a alert.Alert) error {
	changed := false
	if !a.AckedAt.IsZero() && !inc.hasAlertEntry(a.ID, EntryAlertAcked) {
		inc.record(a.AckedAt, EntryAlertAcked, a.AckedBy, fmt.Sprintf("Alert %d (%s) acknowledged by %s.", a.ID, a.Monitor, a.AckedBy)).AlertID = a.ID
		inc.acknowledge(a.AckedAt, a.AckedBy)
		changed = true
	}
	if !a.Firing() && !inc.hasAlertEntry(a.ID, EntryAlertUp) {
		inc.record(a.ResolvedAt, EntryAlertUp, AlertCreator, fmt.Sprintf("Alert %d resolved: %s is up again after %s.", a.ID, a.Monitor,
			human.Duration(a.ResolvedAt.Sub(a.StartedAt)))).AlertID = a.ID
		if inc.Open() && inc.MitigatedAt.IsZero() && inc.allAlertsUp() {
			inc.MitigatedAt = a.ResolvedAt
			inc.record(a.ResolvedAt, EntryMitigated, AlertCreator, "Mitigated: every alert of the incident has resolved.")
		}
		changed = true
	}
	if !changed {
		return errUnchanged
	}
	sortEntries(inc)
	return nil
}

func alertText(a alert.Alert) string {
	text := fmt.Sprintf("Alert %d: %s is %s", a.ID, a.Monitor, a.Kind)
	if a.Reason != "" {
		text += ": " + a.Reason
	}
	return text + "."
}

// sortEntries keeps the timeline in time order: alert entries carry the alert's own times,
// which may come before what was recorded meanwhile. Saved entries keep their place among
// equals.
func sortEntries(inc *Incident) {
	slices.SortStableFunc(inc.Entries, func(x, y Entry) int { return x.At.Compare(y.At) })
}
