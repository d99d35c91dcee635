package subscriber

import (
	"context"
	"strconv"
	"time"

	"vigie/internal/human"
	"vigie/internal/status"
)

// NoticeInterval is how often the notices loop looks for notices that came due; a change
// made through vigie wakes it at once.
const NoticeInterval = 2 * time.Second

// pruneEvery is how often expired unconfirmed subscriptions are deleted.
const pruneEvery = 10 * time.Minute

// Wake makes the notices loop look now: a maintenance was announced, updated or cancelled.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run calls RunOnce every NoticeInterval, and when woken, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(NoticeInterval)
	defer t.Stop()
	for {
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("sending maintenance notices failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// RunOnce announces every maintenance notice due now that was not announced yet, and returns
// how many it announced. A notice is recorded after its messages are in the outbox: a crash
// in between announces it again, and the outbox keeps one message per notice and subscriber,
// so a restart neither sends a notice twice nor skips one that came due meanwhile. Now and
// then it also deletes the subscriptions left unconfirmed too long.
func (s *Service) RunOnce(ctx context.Context) (int, error) {
	now := s.opts.Clock.Now()
	if now.Sub(s.prunedAt) >= pruneEvery || now.Before(s.prunedAt) {
		n, err := s.opts.Store.DeleteUnconfirmedSubscribers(ctx, now.Add(-ConfirmWithin))
		if err != nil {
			return 0, err
		}
		if n > 0 {
			s.opts.Logger.Info("unconfirmed subscriptions expired", "count", n)
		}
		s.prunedAt = now
	}
	if s.opts.Maintenances == nil {
		return 0, nil
	}
	ms, err := s.opts.Maintenances.Maintenances(ctx)
	if err != nil {
		return 0, err
	}
	s.forgetSent(now)
	announced := 0
	for i := range ms {
		m := &ms[i]
		p := s.page(m.Page)
		if p == nil {
			continue
		}
		for _, n := range m.DueNotices(now, p.Location, p.NoticeBefore) {
			done, err := s.noticeSent(ctx, n.Key)
			if err != nil {
				return announced, err
			}
			if done {
				continue
			}
			count, err := s.Announce(ctx, p, m.Components, maintenanceNotice(p, m, n))
			if err != nil {
				return announced, err
			}
			if _, err := s.opts.Store.RecordNotice(ctx, SentNotice{Key: n.Key, Event: n.Event, At: now, Recipients: count}); err != nil {
				return announced, err
			}
			s.markSent(n.Key, now)
			announced++
			s.opts.Logger.Info("maintenance notice sent", "maintenance", m.ID, "event", n.Event, "subscribers", count)
		}
	}
	return announced, nil
}

func (s *Service) noticeSent(ctx context.Context, key string) (bool, error) {
	s.sentMu.Lock()
	_, ok := s.sent[key]
	s.sentMu.Unlock()
	if ok {
		return true, nil
	}
	done, err := s.opts.Store.NoticeSent(ctx, key)
	if done {
		s.markSent(key, s.opts.Clock.Now())
	}
	return done, err
}

func (s *Service) markSent(key string, at time.Time) {
	s.sentMu.Lock()
	s.sent[key] = at
	s.sentMu.Unlock()
}

// forgetSent drops remembered keys that can no longer come due.
func (s *Service) forgetSent(now time.Time) {
	s.sentMu.Lock()
	defer s.sentMu.Unlock()
	for k, at := range s.sent {
		if now.Sub(at) > 2*status.NoticeHorizon {
			delete(s.sent, k)
		}
	}
}

// maintenanceNotice writes what subscribers read about one step of a maintenance.
func maintenanceNotice(p *status.Page, m *status.Maintenance, n status.MaintenanceNotice) Notice {
	out := Notice{Key: n.Key, Event: n.Event, Thread: "maintenance/" + strconv.FormatInt(m.ID, 10),
		From: n.Window.From, To: n.Window.To, Body: m.Body}
	out.Repeats = m.Repeats(p.Location)
	switch n.Event {
	case status.NoticeScheduled:
		out.Title = "Scheduled maintenance: " + m.Title
	case status.NoticeReminder:
		out.Title = "Maintenance in " + human.Duration(n.Window.From.Sub(n.Due)) + ": " + m.Title
	case status.NoticeStarted:
		out.Title = "Maintenance in progress: " + m.Title
	case status.NoticeCompleted:
		out.Title = "Maintenance completed: " + m.Title
		out.Body = "The maintenance window is over."
		if m.Recurrence != "" {
			out.Body += " It comes back " + out.Repeats + "."
		}
	case status.NoticeUpdated:
		out.Title = "Maintenance update: " + m.Title
		out.Body = n.Update.Body
		out.Moments = []Moment{{"Posted", n.Update.At}}
	case status.NoticeCancelled:
		out.Title = "Maintenance cancelled: " + m.Title
		out.Body = "This maintenance will not take place."
		if m.Recurrence != "" {
			out.Body = "This maintenance and every later occurrence of it will not take place."
		}
		if !n.Window.From.After(n.Due) {
			out.Body = "The maintenance was stopped before the end of its window."
			if m.Recurrence != "" {
				out.Body += " Later occurrences will not take place."
			}
		}
	}
	return out
}
