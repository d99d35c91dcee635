package subscriber

import (
	"context"
	"time"

	"vigie/internal/notify"
	"vigie/internal/status"
)

// Notice is a public announcement to a page's subscribers. Maintenance notices are made by
// the notices loop; incidents announce their public updates the same way.
type Notice struct {
	// Key names the notice for good: Announce sends it once to each subscriber however
	// often it is called, "incident/12/update/3".
	Key string
	// Event says what happened, for programs: maintenance_scheduled, incident_update...
	Event string
	// Thread groups notices into one conversation in mail clients: "maintenance/7".
	Thread string
	Title  string // one line: "Scheduled maintenance: Database upgrade"
	Body   string // plain text; blank lines separate paragraphs
	// From and To are the window the notice is about, if it has one.
	From, To time.Time
	Repeats  string   // how the window recurs, in words; empty when once
	Moments  []Moment // other times worth telling: an estimated resolution, the next update
}

// Moment is a labelled time in a notice, shown in the page's zone.
type Moment struct {
	Label string
	At    time.Time
}

// Events of the messages about a subscription itself.
const (
	eventConfirm           = "subscription_confirm"
	eventAlreadySubscribed = "subscription_active"
)

// Announce sends n to the confirmed subscribers of the page who follow any of components
// (ids), or the whole page, and returns how many were sent it. Each message goes through the
// outbox keyed by notice and subscriber, so a repeated call sends nothing twice.
func (s *Service) Announce(ctx context.Context, p *status.Page, components []string, n Notice) (int, error) {
	subs, err := s.opts.Store.Subscribers(ctx, Query{Page: p.Slug, ConfirmedOnly: true})
	if err != nil {
		return 0, err
	}
	sent := 0
	for i := range subs {
		sub := &subs[i]
		if !sub.Wants(components) {
			continue
		}
		m, err := s.message(ctx, p, sub, components, n)
		if err != nil {
			return sent, err
		}
		if err := s.opts.Outbox.Enqueue(ctx, sub.Receiver(), m); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// message renders n for one subscriber, with the links signed for them.
func (s *Service) message(ctx context.Context, p *status.Page, sub *Subscriber, components []string, n Notice) (notify.Message, error) {
	now := s.opts.Clock.Now()
	if components == nil {
		components = sub.Components
	}
	notice := &notify.Notice{Event: n.Event, Page: p.Slug, PageTitle: p.Title, PageURL: s.pageURL(p),
		Components: p.ComponentNames(components), StartsAt: n.From, EndsAt: n.To}
	if sub.Kind == KindEmail {
		tok, err := s.linkToken(ctx, sub, purposeUnsubscribe, now.Add(UnsubscribeWithin))
		if err != nil {
			return notify.Message{}, err
		}
		notice.UnsubscribeURL = notice.PageURL + "/unsubscribe/" + tok
	}
	if n.Event == eventConfirm {
		tok, err := s.linkToken(ctx, sub, purposeConfirm, sub.CreatedAt.Add(ConfirmWithin))
		if err != nil {
			return notify.Message{}, err
		}
		notice.ConfirmURL = notice.PageURL + "/confirm/" + tok
	}
	thread := n.Thread
	if thread == "" {
		thread = n.Key
	}
	m := notify.Message{Key: notify.Key("subscriber notice", n.Key, sub.Receiver()), GroupKey: notify.Key(p.Slug, thread),
		Kind: notify.KindNotice, Severity: notify.SeverityInfo, Title: "[" + p.Title + "] " + n.Title,
		Alerts: []notify.Alert{}, SentAt: now, Notice: notice}
	v := newMailView(p, sub, n, notice)
	m.Text = v.text()
	if sub.Kind == KindEmail {
		html, err := v.html()
		if err != nil {
			return notify.Message{}, err
		}
		m.HTML = html
	}
	return m, nil
}
