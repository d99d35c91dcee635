// Package slack posts vigie's messages to a Slack channel through an incoming webhook
// (https://api.slack.com/messaging/webhooks), laid out with Block Kit
// (https://api.slack.com/reference/block-kit/blocks).
//
// The body carries "text", the fallback Slack shows in notifications, and "blocks": a header
// with the title, a section with the text, one context line per alert (state, reason, start
// and end in the reader's time zone, labels, a link to the monitor), a context line with the
// kind and severity, and, while an alert fires, an actions block with an "Acknowledge" link
// button. Alert content is escaped (& < >), so it can neither mention @channel nor forge links.
package slack

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"vigie/internal/notify"
)

// Options configure a Slack receiver.
type Options struct {
	WebhookURL string // https://hooks.slack.com/services/…; it is the credential
}

// Notifier posts messages to one Slack incoming webhook.
type Notifier struct {
	url    string
	client *http.Client
}

// Block Kit limits (characters and blocks).
const (
	maxHeader  = 150
	maxSection = 3000
	maxAlerts  = 20 // a message holds at most 50 blocks
)

// New checks o and returns a Notifier; a nil client means one with a 10 s timeout.
func New(o Options, client *http.Client) (*Notifier, error) {
	err := notify.CheckURL("slack", "webhook_url", o.WebhookURL)
	if err != nil {
		return nil, err
	}
	client = notify.ClientOrDefault(client)
	return &Notifier{url: o.WebhookURL, client: client}, nil
}

// Notify posts m to the channel.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) error {
	return notify.PostJSON(ctx, n.client, n.url, nil, render(m))
}

type text struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type block struct {
	Type     string    `json:"type"`
	Text     *text     `json:"text,omitempty"`
	Elements []element `json:"elements,omitempty"`
}

// element is a context's text or an actions block's button.
type element struct {
	Type  string `json:"type"`
	Text  any    `json:"text"`
	URL   string `json:"url,omitempty"`
	Style string `json:"style,omitempty"`
}

type payload struct {
	Text   string  `json:"text"`
	Blocks []block `json:"blocks"`
}

// render is the incoming-webhook body for m.
func render(m notify.Message) payload {
	blocks := []block{{Type: "header", Text: &text{Type: "plain_text", Text: notify.Truncate(notify.Icon(m)+" "+m.Title, maxHeader), Emoji: true}}}
	if m.Text != "" {
		blocks = append(blocks, block{Type: "section", Text: &text{Type: "mrkdwn", Text: notify.Truncate(escape(m.Text), maxSection)}})
	}
	for i, a := range m.Alerts {
		if i == maxAlerts {
			blocks = append(blocks, contextBlock(fmt.Sprintf("… and %d more", len(m.Alerts)-maxAlerts)))
			break
		}
		blocks = append(blocks, contextBlock(alertLine(a)))
	}
	blocks = append(blocks, contextBlock(fmt.Sprintf("%s · %s · %s", notify.KindLabel(m.Kind), m.Severity, date(m.SentAt))))
	if m.AckURL != "" {
		blocks = append(blocks, block{Type: "actions", Elements: []element{{
			Type:  "button",
			Text:  text{Type: "plain_text", Text: "Acknowledge"},
			URL:   m.AckURL,
			Style: "primary",
		}}})
	}
	return payload{Text: escape(notify.Icon(m) + " " + m.Title), Blocks: blocks}
}

func contextBlock(s string) block {
	return block{Type: "context", Elements: []element{{Type: "mrkdwn", Text: notify.Truncate(s, maxSection)}}}
}

func alertLine(a notify.Alert) string {
	name := "*" + escape(a.Monitor) + "*"
	if a.URL != "" {
		name = "<" + a.URL + "|" + escape(a.Monitor) + ">"
	}
	parts := []string{name + " " + escape(a.State)}
	if a.Reason != "" {
		parts[0] += ": " + escape(a.Reason)
	}
	if !a.StartedAt.IsZero() {
		parts = append(parts, "since "+date(a.StartedAt))
	}
	if !a.EndedAt.IsZero() {
		parts = append(parts, "until "+date(a.EndedAt))
	}
	if len(a.Labels) > 0 {
		var labels []string
		for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
			labels = append(labels, "`"+escape(k+"="+a.Labels[k])+"`")
		}
		parts = append(parts, strings.Join(labels, " "))
	}
	return strings.Join(parts, " · ")
}

// date lets Slack show t in each reader's own time zone, with UTC as the fallback text.
func date(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

// escape is Slack's required escaping of mrkdwn text, which also defuses <!channel>.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// checkURL never quotes the URL: it is the credential.
