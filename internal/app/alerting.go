package app

import (
	"context"
	"fmt"
	"time"

	"vigie/internal/alert"
	"vigie/internal/config"
	"vigie/internal/incident"
	"vigie/internal/notify"
	"vigie/internal/notify/receivers"
)

// alerting is what a configuration says about who is told what; swapped whole on reload.
type alerting struct {
	receivers map[string]notify.Notifier
	routes    []alert.Route
	incidents []*incident.Rule // by route index; nil where a route opens no incidents
	oncall    map[string]config.OnCall
}

func buildAlerting(c *config.Config) (*alerting, error) {
	out := &alerting{receivers: map[string]notify.Notifier{}, oncall: map[string]config.OnCall{}}
	for _, r := range c.Receivers {
		n, err := receivers.New(r.Spec())
		if err != nil {
			return nil, fmt.Errorf("receiver %s: %w", r.Name, err)
		}
		out.receivers[r.Name] = n
	}
	for _, o := range c.OnCall {
		out.oncall[o.Name] = o
	}
	escalations := map[string][]alert.Step{}
	for _, e := range c.Escalations {
		for _, s := range e.Steps {
			escalations[e.Name] = append(escalations[e.Name], alert.Step{After: s.After.Std(), Receivers: s.Receivers})
		}
	}
	for _, r := range c.Routes {
		out.routes = append(out.routes, alert.Route{Match: r.Match, Receivers: r.Receivers, Escalation: escalations[r.Escalation],
			Continue: r.Continue, GroupBy: r.GroupBy, GroupWait: r.GroupWait.Std(), Repeat: r.Repeat.Std(),
			NotifyOn: r.NotifyOn, SendResolved: r.SendResolved})
		out.incidents = append(out.incidents, incidentRule(r))
	}
	return out, nil
}

// expand turns an on-call schedule's name into the receivers on duty at t.
func (al *alerting) expand(name string, t time.Time) []string {
	if o, ok := al.oncall[name]; ok {
		return o.Active(t)
	}
	return []string{name}
}

// alertsView serves the web's alert endpoints.
type alertsView struct {
	engine *alert.Engine
	store  alert.Store
	signer *alert.Signer
}

func (v alertsView) Ack(ctx context.Context, ids []int64, by string) ([]*alert.Alert, error) {
	return v.engine.Ack(ctx, ids, by)
}

func (v alertsView) RecentAlerts(ctx context.Context, since time.Time, limit int) ([]alert.Alert, error) {
	return v.store.RecentAlerts(ctx, since, limit)
}

func (v alertsView) VerifyAck(ctx context.Context, token string) ([]int64, error) {
	return v.signer.Verify(ctx, token)
}

func (v alertsView) CreateSilence(ctx context.Context, sl *alert.Silence) error {
	return v.store.CreateSilence(ctx, sl)
}

func (v alertsView) Silences(ctx context.Context, t time.Time) ([]alert.Silence, error) {
	return v.store.Silences(ctx, t)
}

func (v alertsView) EndSilence(ctx context.Context, id int64, at time.Time) error {
	return v.store.EndSilence(ctx, id, at)
}
