package incident

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie/internal/notify"
)

// Run sends reminders every few seconds until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("incident reminder round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick reminds, once per promise, of every open incident whose promised public update is
// late. The reminder goes to the lead when the lead is a receiver (or an on-call schedule),
// otherwise to the incident's remind list (for an incident opened from an alert, the
// route's receivers); with neither, the timeline says nobody could be reminded.
func (s *Service) Tick(ctx context.Context) error {
	if s.opts.Outbox == nil {
		return nil
	}
	now := s.opts.Clock.Now()
	open, err := s.opts.Store.Incidents(ctx, Filter{State: "open", Limit: 500})
	if err != nil {
		return err
	}
	for i := range open {
		inc := &open[i]
		if !inc.Overdue(now) || inc.RemindedFor.Equal(inc.NextUpdateAt) {
			continue
		}
		if err := s.remind(ctx, inc, now); err != nil {
			return err
		}
	}
	return nil
}

// remind sends one incident's reminder, then records it. Messages go first: a crash in
// between enqueues the same keys again, which the outbox stores once.
func (s *Service) remind(ctx context.Context, inc *Incident, now time.Time) error {
	due := inc.NextUpdateAt
	who, receivers := s.reminderTargets(inc, now)
	m := s.reminderMessage(inc, now)
	for _, r := range receivers {
		m.Key = notify.Key("incident-update-due", strconv.FormatInt(inc.ID, 10), due.UTC().Format(time.RFC3339Nano), r)
		if err := s.opts.Outbox.Enqueue(ctx, r, m); err != nil {
			return err
		}
	}
	_, err := s.modify(ctx, inc.ID, func(inc *Incident, now time.Time) error {
		if inc.RemindedFor.Equal(due) || !inc.NextUpdateAt.Equal(due) {
			return errUnchanged // reminded meanwhile, or an update came
		}
		inc.RemindedFor = due
		body := fmt.Sprintf("The public update promised for %s did not come; reminded %s.", due.UTC().Format("15:04 UTC"), who)
		if len(receivers) == 0 {
			body = fmt.Sprintf("The public update promised for %s did not come, and nobody could be reminded: "+
				"make the lead a receiver's name, or list receivers to remind.", due.UTC().Format("15:04 UTC"))
		}
		inc.record(now, EntryReminder, AlertCreator, body)
		return nil
	})
	if err == nil {
		s.opts.Logger.Info("incident update overdue", "id", inc.ID, "due", due, "reminded", receivers)
	}
	return err
}

// reminderTargets says who is reminded (in words, for the timeline) and the receivers.
func (s *Service) reminderTargets(inc *Incident, now time.Time) (string, []string) {
	if s.opts.Targets == nil {
		return "", nil
	}
	if inc.Lead != "" {
		if rs := s.opts.Targets(inc.Lead, now); len(rs) > 0 {
			return "the lead, " + inc.Lead, rs
		}
	}
	var out []string
	for _, name := range inc.Remind {
		for _, r := range s.opts.Targets(name, now) {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return strings.Join(inc.Remind, ", "), out
}

func (s *Service) reminderMessage(inc *Incident, now time.Time) notify.Message {
	url := strings.TrimRight(s.opts.BaseURL(), "/") + "/incidents/" + strconv.FormatInt(inc.ID, 10)
	late := now.Sub(inc.NextUpdateAt)
	title := fmt.Sprintf("[UPDATE DUE] Incident %d: %s", inc.ID, inc.Title)
	var b strings.Builder
	fmt.Fprintf(&b, "The status page promised a public update on incident %d (%s, %s) by %s; none was posted",
		inc.ID, inc.Severity, inc.Status, notify.Stamp(inc.NextUpdateAt))
	if late >= time.Minute {
		fmt.Fprintf(&b, " (%d min late)", int(late.Minutes()))
	}
	b.WriteString(".\n")
	if last := inc.LastUpdateAt(); !last.IsZero() {
		fmt.Fprintf(&b, "Last public update: %s.\n", notify.Stamp(last))
	}
	fmt.Fprintf(&b, "Post one: %s", url)
	return notify.Message{GroupKey: notify.Key("incident", strconv.FormatInt(inc.ID, 10)), Kind: notify.KindUpdateDue,
		Severity: notify.SeverityWarning, Title: title, Text: b.String(), SentAt: now}
}
