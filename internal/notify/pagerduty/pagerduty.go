// Package pagerduty sends vigie's messages to PagerDuty as Events API v2 alert events
// (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/), POSTed to
// https://events.pagerduty.com/v2/enqueue.
//
// The dedup_key is the message's GroupKey, so every message about one alert group lands on
// one PagerDuty alert: firing, reminder and escalate messages are "trigger" events (repeats
// are merged), resolved is a "resolve" event that closes it
// (https://developer.pagerduty.com/docs/events-api-v2/resolve-events/). A test message is a
// trigger whose summary says it is a test; resolve it in PagerDuty.
//
// A trigger's payload carries summary (the title, at most 1024 characters), source (the
// monitors' names), severity (critical, warning or info), timestamp (when the first alert
// started), and custom_details (kind, text, the alerts with their labels). "links" point to
// the monitors' pages in vigie. vigie's own acknowledgement link is left out: on-call people
// acknowledge in PagerDuty, and the link would let anyone with PagerDuty access acknowledge in
// vigie. PagerDuty answers 202; 400 is permanent, 429 and 5xx are retried. The routing key
// travels in the body, as the API requires, and is scrubbed from every error returned.
package pagerduty

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"vigie/internal/notify"
)

// DefaultEventsURL is PagerDuty's Events API v2 endpoint.
const DefaultEventsURL = "https://events.pagerduty.com/v2/enqueue"

// Options configure a PagerDuty receiver.
type Options struct {
	RoutingKey string // the 32-character integration key of an Events API v2 integration
	EventsURL  string // DefaultEventsURL when empty (EU accounts: https://events.eu.pagerduty.com/v2/enqueue)
}

// Notifier sends events to one PagerDuty service.
type Notifier struct {
	o      Options
	client *http.Client
}

var routingKeyPattern = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)

// PagerDuty's limits, in characters.
const (
	maxSummary  = 1024
	maxDedupKey = 255
)

// New checks o and returns a Notifier; a nil client means one with a 10 s timeout.
func New(o Options, client *http.Client) (*Notifier, error) {
	var problems []error
	switch {
	case o.RoutingKey == "":
		problems = append(problems, errors.New("pagerduty: routing_key is required"))
	case !routingKeyPattern.MatchString(o.RoutingKey):
		problems = append(problems, errors.New("pagerduty: routing_key must be the 32-character integration key of an Events API v2 integration"))
	}
	if o.EventsURL == "" {
		o.EventsURL = DefaultEventsURL
	}
	u, err := url.Parse(o.EventsURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, errors.New("pagerduty: events_url must be an http or https URL"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	client = notify.ClientOrDefault(client)
	return &Notifier{o: o, client: client}, nil
}

type link struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

type payload struct {
	Summary       string        `json:"summary"`
	Source        string        `json:"source"`
	Severity      string        `json:"severity"`
	Timestamp     string        `json:"timestamp,omitempty"`
	CustomDetails customDetails `json:"custom_details"`
}

type customDetails struct {
	Kind   notify.Kind    `json:"kind"`
	Text   string         `json:"text,omitempty"`
	Alerts []notify.Alert `json:"alerts,omitempty"`
}

type event struct {
	RoutingKey  string   `json:"routing_key"`
	EventAction string   `json:"event_action"`
	DedupKey    string   `json:"dedup_key"`
	Payload     *payload `json:"payload,omitempty"`
	Client      string   `json:"client,omitempty"`
	Links       []link   `json:"links,omitempty"`
}

// Notify sends m as a trigger or resolve event.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) error {
	e := event{RoutingKey: n.o.RoutingKey, EventAction: "trigger", DedupKey: dedupKey(m)}
	if m.Kind == notify.KindResolved {
		e.EventAction = "resolve" // PagerDuty needs only the key to resolve
	} else {
		e.Payload = trigger(m)
		e.Client = "vigie"
		for _, a := range m.Alerts {
			if a.URL != "" {
				e.Links = append(e.Links, link{Href: a.URL, Text: a.Monitor + " in vigie"})
			}
		}
	}
	err := notify.PostJSON(ctx, n.client, n.o.EventsURL, nil, e)
	return n.scrub(err)
}

func trigger(m notify.Message) *payload {
	summary := m.Title
	if m.Kind == notify.KindTest {
		summary = "Test from vigie, resolve at will: " + summary
	}
	p := &payload{
		Summary:       notify.Truncate(summary, maxSummary),
		Source:        source(m.Alerts),
		Severity:      severity(m.Severity),
		CustomDetails: customDetails{Kind: m.Kind, Text: m.Text, Alerts: m.Alerts},
	}
	first := m.SentAt
	for _, a := range m.Alerts {
		if !a.StartedAt.IsZero() && (first.IsZero() || a.StartedAt.Before(first)) {
			first = a.StartedAt
		}
	}
	if !first.IsZero() {
		p.Timestamp = first.UTC().Format(time.RFC3339)
	}
	return p
}

// dedupKey is the group key, hashed when longer than PagerDuty accepts.
func dedupKey(m notify.Message) string {
	k := m.GroupKey
	if k == "" {
		k = m.Key
	}
	if len(k) > maxDedupKey {
		sum := sha256.Sum256([]byte(k))
		return hex.EncodeToString(sum[:])
	}
	return k
}

func source(alerts []notify.Alert) string {
	var names []string
	for _, a := range alerts {
		if a.Monitor != "" && !slices.Contains(names, a.Monitor) {
			names = append(names, a.Monitor)
		}
	}
	if len(names) == 0 {
		return "vigie"
	}
	return notify.Truncate(strings.Join(names, ", "), maxSummary)
}

func severity(s notify.Severity) string {
	switch s {
	case notify.SeverityCritical, notify.SeverityWarning, notify.SeverityInfo:
		return string(s)
	}
	return "error" // PagerDuty's level between warning and critical, for anything unknown
}

// scrub removes the routing key from err's text, keeping its class: receivers and proxies
// may echo the request body, and errors end up in logs and in the outbox.
func (n *Notifier) scrub(err error) error {
	if err == nil || !strings.Contains(err.Error(), n.o.RoutingKey) {
		return err
	}
	clean := func(e error) error {
		return errors.New(strings.ReplaceAll(e.Error(), n.o.RoutingKey, "<routing_key>"))
	}
	if ra, ok := errors.AsType[*notify.RetryAfterError](err); ok {
		return &notify.RetryAfterError{After: ra.After, Err: clean(ra.Err)}
	}
	if notify.IsPermanent(err) {
		return &notify.PermanentError{Err: clean(err)}
	}
	return clean(err)
}
