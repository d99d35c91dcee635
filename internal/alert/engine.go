package alert

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/human"
	"vigie/internal/monitor"
	"vigie/internal/notify"
)

// Route sends the alerts whose labels match to receivers.
type Route struct {
	Match        map[string]string // every label must match; empty matches everything
	Receivers    []string
	Escalation   []Step // later steps: receivers told when nobody acknowledged in time
	Continue     bool   // also try the routes after this one
	GroupBy      []string
	GroupWait    time.Duration // wait this long after an alert opens, collecting its group
	Repeat       time.Duration // remind this often while firing and unacknowledged
	NotifyOn     []string      // alert kinds that notify: down, degraded
	SendResolved bool
}

// Step is one escalation step.
type Step struct {
	After     time.Duration // since the alert started
	Receivers []string
}

func (r *Route) notifies(kind string) bool { return slices.Contains(r.NotifyOn, kind) }

// Enqueuer puts notifications in the outbox.
type Enqueuer interface {
	Enqueue(ctx context.Context, receiver string, m notify.Message) error
}

// Options configure an Engine.
type Options struct {
	Store  Store
	Outbox Enqueuer
	Clock  clock.Clock
	Logger *slog.Logger
	// Routes and BaseURL are read on every round so a reload applies.
	Routes  func() []Route
	BaseURL func() string
	Signer  *Signer
	// Expand turns a route's receiver name into the receivers to tell at t: itself, or the
	// people on duty when it names an on-call schedule. Nil means names are receivers.
	Expand func(name string, t time.Time) []string
	// InMaintenance, if set, holds back the messages of a monitor's alerts while an
	// announced maintenance covers it, like a silence.
	InMaintenance func(ctx context.Context, monitor string, t time.Time) bool
	// Changed, if set, is told after an alert is first sent (its group wait over, no
	// silence or maintenance holding it), acknowledged, or resolved; incidents follow
	// alerts through it. It runs within the engine's round: it must not call the engine.
	Changed func(ctx context.Context, a Alert)
}

// Engine opens, routes, reminds, escalates and resolves alerts.
type Engine struct {
	opts Options
	mu   sync.Mutex // one round at a time: rounds read and write the same alerts
}

// NewEngine returns an engine; Observe feeds it, Run sends.
func NewEngine(o Options) *Engine {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Expand == nil {
		o.Expand = func(name string, _ time.Time) []string { return []string{name} }
	}
	return &Engine{opts: o}
}

func severityOf(kind string) notify.Severity {
	if kind == "down" {
		return notify.SeverityCritical
	}
	return notify.SeverityWarning
}

// Observe records a monitor's state change: down or degraded opens (or worsens) its alert,
// up resolves it. Unknown changes nothing: a monitor that is unknown because its parent is
// down is covered by the parent's alert.
func (e *Engine) Observe(ctx context.Context, ev monitor.Event, def *monitor.Definition) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	open, err := e.opts.Store.OpenAlertFor(ctx, ev.Monitor, false)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	switch ev.State {
	case monitor.StateDown, monitor.StateDegraded:
		kind := string(ev.State)
		if open == nil {
			a := &Alert{Monitor: ev.Monitor, Kind: kind, Severity: severityOf(kind), Reason: ev.Reason,
				Labels: Labels(def.Name, def.Kind, def.Labels), StartedAt: ev.At}
			e.opts.Logger.Info("alert opened", "monitor", a.Monitor, "kind", kind, "reason", a.Reason)
			return e.opts.Store.OpenAlert(ctx, a)
		}
		open.Reason = ev.Reason
		if kind == "down" && open.Kind != "down" {
			// Worse than first reported: tell the receivers again, as a down alert.
			open.Kind, open.Severity, open.NotifiedAt = kind, severityOf(kind), time.Time{}
		}
		return e.opts.Store.UpdateAlert(ctx, open)
	case monitor.StateUp:
		if open == nil {
			return nil
		}
		open.ResolvedAt = ev.At
		e.opts.Logger.Info("alert resolved", "monitor", open.Monitor, "after", ev.At.Sub(open.StartedAt))
		if err := e.opts.Store.UpdateAlert(ctx, open); err != nil {
			return err
		}
		e.changed(ctx, open)
	}
	return nil
}

// ObserveCert opens a certificate alert when a monitor's certificate enters its warning
// window and resolves it when a renewed one is seen. Reported again after a restart, an
// expiring certificate only refreshes the open alert's reason.
func (e *Engine) ObserveCert(ctx context.Context, ev monitor.CertEvent, def *monitor.Definition) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	open, err := e.opts.Store.OpenAlertFor(ctx, ev.Monitor, true)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	switch {
	case ev.Expiring && open == nil:
		a := &Alert{Monitor: ev.Monitor, Kind: KindCert, Severity: notify.SeverityWarning, Reason: ev.Reason,
			Labels: Labels(def.Name, def.Kind, def.Labels), StartedAt: ev.At}
		e.opts.Logger.Info("alert opened", "monitor", a.Monitor, "kind", a.Kind, "reason", a.Reason)
		return e.opts.Store.OpenAlert(ctx, a)
	case ev.Expiring:
		open.Reason = ev.Reason
		return e.opts.Store.UpdateAlert(ctx, open)
	case open != nil:
		open.ResolvedAt, open.Reason = ev.At, ev.Reason
		e.opts.Logger.Info("alert resolved", "monitor", open.Monitor, "kind", open.Kind, "reason", ev.Reason)
		return e.opts.Store.UpdateAlert(ctx, open)
	}
	return nil
}

// Run sends what is due every few seconds until ctx ends.
func (e *Engine) Run(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		if err := e.Tick(ctx); err != nil && ctx.Err() == nil {
			e.opts.Logger.Warn("alert round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// batch is the alerts one message will carry to one receiver.
type batch struct {
	receiver string
	kind     notify.Kind
	step     int
	alerts   []*Alert
}

// Tick sends what is due now: first notifications of groups whose wait is over, reminders,
// escalations and resolutions. Each notification's key is derived from what it reports, so
// a round repeated after a crash enqueues nothing twice.
func (e *Engine) Tick(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Clock.Now()
	alerts, err := e.opts.Store.PendingAlerts(ctx)
	if err != nil {
		return err
	}
	silences, err := e.opts.Store.Silences(ctx, now)
	if err != nil {
		return err
	}
	routes := e.opts.Routes()
	batches := map[string]*batch{}
	add := func(groupKey, target string, kind notify.Kind, step int, a *Alert) {
		for _, receiver := range e.opts.Expand(target, now) {
			k := strings.Join([]string{groupKey, receiver, string(kind), strconv.Itoa(step)}, "\x00")
			b := batches[k]
			if b == nil {
				b = &batch{receiver: receiver, kind: kind, step: step}
				batches[k] = b
			}
			if !slices.Contains(b.alerts, a) {
				b.alerts = append(b.alerts, a)
			}
		}
	}
	changed := map[*Alert]bool{}
	var sent []*Alert // first sent in this round
	for i := range alerts {
		a := &alerts[i]
		if !a.Firing() {
			if !a.NotifiedAt.IsZero() {
				for ri, r := range matching(routes, a.Labels) {
					if r.SendResolved && r.notifies(a.Kind) {
						for _, rcv := range r.Receivers {
							add(groupKey(ri, r, a.Labels), rcv, notify.KindResolved, 0, a)
						}
					}
				}
			}
			// Resolved before anyone was told (a blip within group_wait, or silenced): nothing to say.
			a.ResolvedNotified, changed[a] = true, true
			continue
		}
		if silenced(silences, a.Labels, now) || e.opts.InMaintenance != nil && e.opts.InMaintenance(ctx, a.Monitor, now) {
			continue
		}
		// As of the round's start, so that every route that matches (continue: true) hears
		// the first message and the reminders, not only the first of them.
		notified, lastNotified := a.NotifiedAt, a.LastNotifiedAt
		for ri, r := range matching(routes, a.Labels) {
			if !r.notifies(a.Kind) {
				continue
			}
			g := groupKey(ri, r, a.Labels)
			switch {
			case notified.IsZero():
				if now.Sub(a.StartedAt) >= r.GroupWait {
					for _, rcv := range r.Receivers {
						add(g, rcv, notify.KindFiring, 0, a)
					}
					a.NotifiedAt, a.LastNotifiedAt, changed[a] = now, now, true
					sent = append(sent, a)
				}
			case a.AckedAt.IsZero() && r.Repeat > 0 && now.Sub(lastNotified) >= r.Repeat:
				for _, rcv := range r.Receivers {
					add(g, rcv, notify.KindReminder, 0, a)
				}
				a.LastNotifiedAt, changed[a] = now, true
			}
			if a.AckedAt.IsZero() && !a.NotifiedAt.IsZero() {
				for s := a.EscalationStep; s < len(r.Escalation) && now.Sub(a.StartedAt) >= r.Escalation[s].After; s++ {
					for _, rcv := range r.Escalation[s].Receivers {
						add(g, rcv, notify.KindEscalate, s+1, a)
					}
					a.EscalationStep, changed[a] = s+1, true
				}
			}
		}
	}
	// Messages first, then the alerts' new state: a crash in between re-enqueues the same keys,
	// which the outbox stores once.
	for _, b := range sortedBatches(batches) {
		if err := e.opts.Outbox.Enqueue(ctx, b.receiver, e.message(ctx, b, now)); err != nil {
			return err
		}
	}
	for a := range changed {
		if err := e.opts.Store.UpdateAlert(ctx, a); err != nil {
			return err
		}
	}
	for _, a := range sent {
		e.changed(ctx, a)
	}
	return nil
}

func (e *Engine) changed(ctx context.Context, a *Alert) {
	if e.opts.Changed != nil {
		e.opts.Changed(ctx, *a)
	}
}

// Matching lists the indexes of the routes that alerts with these labels go to, in order.
func Matching(routes []Route, labels map[string]string) []int {
	return slices.Sorted(maps.Keys(matching(routes, labels)))
}

func sortedBatches(m map[string]*batch) []*batch {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
	out := make([]*batch, 0, len(keys))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

// matching returns the routes for labels, by index: the first that matches, and those after
// it while the matched ones say continue.
func matching(routes []Route, labels map[string]string) map[int]*Route {
	out := map[int]*Route{}
	for i := range routes {
		if !matches(routes[i].Match, labels) {
			continue
		}
		out[i] = &routes[i]
		if !routes[i].Continue {
			break
		}
	}
	return out
}

func groupKey(route int, r *Route, labels map[string]string) string {
	parts := []string{strconv.Itoa(route)}
	for _, l := range r.GroupBy {
		parts = append(parts, l+"="+labels[l])
	}
	if len(r.GroupBy) == 0 {
		parts = append(parts, "monitor="+labels["monitor"]) // no grouping: one alert a message
	}
	return strings.Join(parts, ",")
}

func silenced(silences []Silence, labels map[string]string, now time.Time) bool {
	for i := range silences {
		if silences[i].Active(now) && silences[i].Matches(labels) {
			return true
		}
	}
	return false
}

// message renders a batch.
func (e *Engine) message(ctx context.Context, b *batch, now time.Time) notify.Message {
	slices.SortFunc(b.alerts, func(x, y *Alert) int { return cmp.Compare(x.Monitor, y.Monitor) })
	ids := make([]string, len(b.alerts))
	var alerts []notify.Alert
	base := strings.TrimRight(e.opts.BaseURL(), "/")
	worst := notify.SeverityWarning
	for i, a := range b.alerts {
		ids[i] = strconv.FormatInt(a.ID, 10)
		na := notify.Alert{Monitor: a.Monitor, State: a.Kind, Reason: a.Reason, Labels: a.Labels, StartedAt: a.StartedAt,
			URL: base + a.Path()}
		if b.kind == notify.KindResolved {
			na.State, na.EndedAt = "up", a.ResolvedAt
			if a.Kind == KindCert {
				na.State = StateCertRenewed
			}
		}
		if a.Severity == notify.SeverityCritical {
			worst = notify.SeverityCritical
		}
		alerts = append(alerts, na)
	}
	// What identifies this notification: kind, step, receiver, alerts, and for reminders the
	// time of the round (each reminder is a new notification).
	keyParts := []string{string(b.kind), strconv.Itoa(b.step), b.receiver, strings.Join(ids, ",")}
	if b.kind == notify.KindReminder {
		keyParts = append(keyParts, now.UTC().Format(time.RFC3339))
	}
	if b.kind == notify.KindFiring {
		keyParts = append(keyParts, b.alerts[0].Kind) // a degraded alert turned down is told again
	}
	m := notify.Message{Key: notify.Key(keyParts...), GroupKey: notify.Key("group", strings.Join(ids, ",")),
		Kind: b.kind, Severity: worst, Alerts: alerts, SentAt: now}
	if b.kind == notify.KindResolved {
		m.Severity = notify.SeverityInfo
	} else if e.opts.Signer != nil {
		if tok, err := e.opts.Signer.Sign(ctx, b.alerts); err == nil {
			m.AckURL = base + "/ack/" + tok
		} else {
			e.opts.Logger.Warn("signing an acknowledgement link failed", "err", err)
		}
	}
	m.Title, m.Text = render(m, b.alerts[0].Kind, now)
	return m
}

// render writes a message's title and plain text, the same for every provider. wasKind is
// what the first alert was (down, degraded), for resolutions.
func render(m notify.Message, wasKind string, now time.Time) (title, text string) {
	tag := map[notify.Kind]string{notify.KindFiring: "", notify.KindReminder: "still ", notify.KindEscalate: "escalated: ",
		notify.KindResolved: "", notify.KindTest: ""}[m.Kind]
	a := m.Alerts[0]
	state := strings.ToUpper(strings.ReplaceAll(a.State, "_", " "))
	if m.Kind == notify.KindResolved {
		state = "RESOLVED"
	}
	subject := a.Monitor
	if len(m.Alerts) > 1 {
		subject = fmt.Sprintf("%d monitors", len(m.Alerts))
	}
	detail := a.Reason
	if m.Kind == notify.KindResolved && wasKind != KindCert {
		detail = "was " + wasKind + " for " + human.Duration(a.Duration(now))
	}
	title = fmt.Sprintf("[%s] %s%s", state, tag, subject)
	if len(m.Alerts) == 1 && detail != "" {
		title += " — " + detail
	}
	var b strings.Builder
	for _, al := range m.Alerts {
		switch {
		case al.State == StateCertRenewed:
			fmt.Fprintf(&b, "✓ %s: %s\n", al.Monitor, al.Reason)
		case al.State == KindCert:
			fmt.Fprintf(&b, "▲ %s: %s\n", al.Monitor, al.Reason)
		case m.Kind == notify.KindResolved:
			fmt.Fprintf(&b, "✓ %s is up again after %s (since %s)\n", al.Monitor, human.Duration(al.Duration(now)), al.StartedAt.UTC().Format("Jan 2 15:04 UTC"))
		default:
			fmt.Fprintf(&b, "▲ %s is %s since %s (%s): %s\n", al.Monitor, al.State, al.StartedAt.UTC().Format("Jan 2 15:04 UTC"),
				human.Duration(al.Duration(now)), al.Reason)
		}
		if al.URL != "" {
			fmt.Fprintf(&b, "  %s\n", al.URL)
		}
	}
	if m.AckURL != "" {
		fmt.Fprintf(&b, "Acknowledge: %s\n", m.AckURL)
	}
	return title, strings.TrimRight(b.String(), "\n")
}

// Ack acknowledges alerts: no more reminders or escalations for them.
func (e *Engine) Ack(ctx context.Context, ids []int64, by string) ([]*Alert, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Clock.Now()
	var out []*Alert
	for _, id := range ids {
		a, err := e.opts.Store.AlertByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if a.Firing() && a.AckedAt.IsZero() {
			a.AckedAt, a.AckedBy = now, by
			if err := e.opts.Store.UpdateAlert(ctx, a); err != nil {
				return nil, err
			}
			e.opts.Logger.Info("alert acknowledged", "monitor", a.Monitor, "by", by)
			e.changed(ctx, a)
		}
		out = append(out, a)
	}
	return out, nil
}
