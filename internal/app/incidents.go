package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"vigie/internal/alert"
	"vigie/internal/config"
	"vigie/internal/incident"
	"vigie/internal/monitor"
	"vigie/internal/notify"
	"vigie/internal/status"
	"vigie/internal/store"
	"vigie/internal/subscriber"
)

// incidentRule turns a route's `incident` key into the rule the logbook follows; nil when
// the route opens no incidents. Reminders go to the route's receivers unless it names others.
func incidentRule(r config.Route) *incident.Rule {
	if !r.Incident.Enabled() {
		return nil
	}
	remind := r.Incident.Remind
	if len(remind) == 0 {
		remind = r.Receivers
	}
	return &incident.Rule{Page: r.Incident.Page, Severity: incident.Severity(r.Incident.Severity), Components: r.Incident.Components,
		NextUpdate: r.Incident.NextUpdate.Std(), Remind: slices.Clone(remind)}
}

// incidentRuleFor is the rule of the first route that sends the alert and opens incidents.
func (al *alerting) incidentRuleFor(a alert.Alert) *incident.Rule {
	for _, i := range alert.Matching(al.routes, a.Labels) {
		if rule := al.incidents[i]; rule != nil && slices.Contains(al.routes[i].NotifyOn, a.Kind) {
			return rule
		}
	}
	return nil
}

// targets turns a name into the receivers it stands for at t: a receiver itself, or the
// people an on-call schedule has on duty; nil for a name that is neither.
func (al *alerting) targets(name string, t time.Time) []string {
	if _, ok := al.receivers[name]; ok {
		return []string{name}
	}
	if o, ok := al.oncall[name]; ok {
		return o.Active(t)
	}
	return nil
}

// impactStart finds when a monitor's trouble began: the first of the failing checks that
// led to the state change detected at `detected`, within the hour before. Zero when the
// results do not say (not written yet, or pruned).
func (a *App) impactStart(ctx context.Context, mon string, detected time.Time) time.Time {
	rs, err := a.store.Results(ctx, mon, detected.Add(-time.Hour), detected.Add(time.Second))
	if err != nil {
		return time.Time{}
	}
	return firstFailure(rs)
}

// firstFailure is the start of the run of failing results at the end of rs.
func firstFailure(rs []monitor.Result) time.Time {
	var first time.Time
	for i := len(rs) - 1; i >= 0 && rs[i].Status != monitor.StatusUp; i-- {
		first = rs[i].At
	}
	return first
}

// OfflineIncidents is the logbook for one-shot commands (`vigie incident ...`): it checks
// pages, components and receivers against the configuration and computes post-mortems' SLA
// figures from the store, but sends nothing: the running server sends reminders, and its
// status pages show a change at their next refresh (30 s at most).
func OfflineIncidents(st *store.Store, cfg *config.Config, log *slog.Logger) (*incident.Service, error) {
	pages, err := StatusPages(cfg)
	if err != nil {
		return nil, err
	}
	defs, err := BuildMonitors(cfg.Monitors)
	if err != nil {
		return nil, err
	}
	snaps := make([]monitor.Snapshot, len(defs))
	for i := range defs {
		snaps[i] = monitor.Snapshot{Definition: &defs[i]}
	}
	al := &alerting{receivers: map[string]notify.Notifier{}, oncall: map[string]config.OnCall{}}
	for _, r := range cfg.Receivers {
		al.receivers[r.Name] = nil // only the names matter here
	}
	for _, o := range cfg.OnCall {
		al.oncall[o.Name] = o
	}
	listPages := func() []*status.Page { return pages }
	sla := status.NewService(status.Options{History: st, Monitors: func() []monitor.Snapshot { return snaps }, Logger: log,
		Maintenances: st, Pages: listPages})
	return incident.NewService(incident.Options{Store: st, Logger: log, Pages: listPages, SLA: sla, Targets: al.targets,
		BaseURL: func() string { return cfg.Server.BaseURL.String() }}), nil
}

// incidentAnnouncer tells a page's subscribers about an incident's public updates, through
// the same notices as maintenance.
type incidentAnnouncer struct{ a *App }

func (ia incidentAnnouncer) Announce(ctx context.Context, page string, components []string, u incident.Announcement) error {
	var p *status.Page
	for _, q := range *ia.a.pages.Load() {
		if q.Slug == page {
			p = q
		}
	}
	if p == nil {
		return fmt.Errorf("no status page %q", page)
	}
	word := string(u.Status)
	if word != "" {
		word = strings.ToUpper(word[:1]) + word[1:]
	}
	body := u.Body
	if u.URL != "" {
		body += "\n\nFollow the incident at " + u.URL
	}
	n := subscriber.Notice{
		Key:     fmt.Sprintf("incident/%d/update/%d", u.IncidentID, u.Seq),
		Event:   "incident_" + string(u.Status),
		Thread:  fmt.Sprintf("incident/%d", u.IncidentID),
		Title:   word + ": " + u.Title,
		Body:    body,
		Moments: []subscriber.Moment{{Label: "Posted", At: u.At}},
	}
	_, err := ia.a.subscribers.Announce(ctx, p, components, n)
	return err
}
