package report

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"vigie/internal/clock"
	"vigie/internal/notify"
	"vigie/internal/schedule"
	"vigie/internal/status"
)

// Enqueuer puts a message in the durable outbox; a key already there is stored once.
type Enqueuer interface {
	Enqueue(ctx context.Context, receiver string, m notify.Message) error
}

// WeeklyPlan is what the configuration says of weekly e-mails.
type WeeklyPlan struct {
	Schedule  schedule.Schedule
	Location  *time.Location // weeks run Monday to Monday in it
	Pages     []*status.Page
	Receivers []string
	BaseURL   string // for the link to the report's page
}

// SenderOptions configure a Sender.
type SenderOptions struct {
	Reports *Service
	Outbox  Enqueuer
	// Plan is read on every round so a reload applies; nil or no receivers sends nothing.
	Plan   func() *WeeklyPlan
	Clock  clock.Clock
	Logger *slog.Logger
}

// Sender mails each page's weekly report to the receivers when the schedule says, through the
// outbox. Every message has a key made of the page, the week and the receiver, so a round
// repeated, or run again after a restart, stores nothing twice: a week's report goes out once.
type Sender struct {
	opts SenderOptions
	mu   sync.Mutex
	done map[string]bool // keys this process already enqueued, to skip making their report again
}

// NewSender returns a sender; Run sends on a ticker, Tick once.
func NewSender(o SenderOptions) *Sender {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{opts: o, done: map[string]bool{}}
}

// catchUp is how late a scheduled report still goes out: a server that was down at 08:00 on
// Monday sends it when it starts that day, not on Thursday. A restart within it stays silent
// because the outbox still holds the keys sent: it must keep them at least this long.
const catchUp = 24 * time.Hour

// Due is the latest scheduled time at or before now, within catchUp, and the week it reports:
// the last whole week (Monday to Monday in the plan's zone) before that time. ok is false when
// nothing is due.
func (p *WeeklyPlan) Due(now time.Time) (at time.Time, week Week, ok bool) {
	fires := schedule.Between(p.Schedule, now.Add(-catchUp), now, 1000)
	if len(fires) == 0 {
		return time.Time{}, Week{}, false
	}
	at = fires[len(fires)-1]
	return at, WeekOf(at, p.Location).Previous(p.Location), true
}

// Key is the outbox key of one page's weekly report to one receiver.
func weeklyKey(page string, week Week, receiver string) string {
	return notify.Key("weekly-report", page, week.String(), receiver)
}

// Tick sends what is due now.
func (s *Sender) Tick(ctx context.Context) error {
	plan := s.opts.Plan()
	if plan == nil || len(plan.Receivers) == 0 {
		return nil
	}
	now := s.opts.Clock.Now()
	_, week, ok := plan.Due(now)
	if !ok {
		return nil
	}
	for _, p := range plan.Pages {
		var todo []string
		s.mu.Lock()
		for _, rcv := range plan.Receivers {
			if !s.done[weeklyKey(p.Slug, week, rcv)] {
				todo = append(todo, rcv)
			}
		}
		s.mu.Unlock()
		if len(todo) == 0 {
			continue
		}
		r, err := s.opts.Reports.Weekly(ctx, p, week, plan.Location)
		if err != nil {
			return fmt.Errorf("weekly report of %s: %w", p.Slug, err)
		}
		m, err := r.Message(plan.BaseURL)
		if err != nil {
			return err
		}
		for _, rcv := range todo {
			m.Key = weeklyKey(p.Slug, week, rcv)
			if err := s.opts.Outbox.Enqueue(ctx, rcv, m); err != nil {
				return err
			}
			s.mu.Lock()
			s.done[m.Key] = true
			s.mu.Unlock()
		}
		s.opts.Logger.Info("weekly report queued", "page", p.Slug, "week", week.String(), "receivers", len(todo))
	}
	return nil
}

// Run sends every minute until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("sending weekly reports failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Message is the report as a notification: plain text, the e-mail's own HTML, and a thread
// per page. baseURL, when set, adds a link to the report's page in the admin UI.
func (w *Weekly) Message(baseURL string) (notify.Message, error) {
	if baseURL != "" {
		w.URL = strings.TrimRight(baseURL, "/") + "/reports/weekly?page=" + w.Page.Slug + "&week=" + w.Week
	}
	html, err := w.Email()
	if err != nil {
		return notify.Message{}, err
	}
	text := w.Text()
	if w.URL != "" {
		text += "\n" + w.URL + "\n"
	}
	return notify.Message{GroupKey: notify.Key("weekly-report", w.Page.Slug), Kind: notify.KindReport, Severity: notify.SeverityInfo,
		Title: fmt.Sprintf("Weekly report — %s — %s", w.Page.Title, w.Title), Text: text, HTML: html}, nil
}
