// Package mattermost posts vigie's messages to a Mattermost channel through an incoming
// webhook (https://developers.mattermost.com/integrate/webhooks/incoming/), with a
// Slack-compatible message attachment
// (https://developers.mattermost.com/integrate/reference/message-attachments/).
//
// The body's "text" is a Markdown line with the state, kind and severity and, while an alert
// fires, an "Acknowledge" link (attachments cannot hold link buttons without an integration).
// One attachment follows, coloured by state (red, orange, blue, green when resolved), with the
// title, the text, and one field per alert: state, reason, start and end, labels, monitor link.
// "channel" and "username" override the webhook's defaults when set.
package mattermost

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"vigie/internal/notify"
)

// Options configure a Mattermost receiver.
type Options struct {
	WebhookURL string // https://chat.example.com/hooks/…; it is the credential
	Channel    string // optional: a channel name (town-square) or @user, if the webhook may override it
	Username   string // optional: the name the post shows, if the webhook may override it
}

// Notifier posts messages to one Mattermost incoming webhook.
type Notifier struct {
	o      Options
	client *http.Client
}

// maxFields keeps a post readable; the rest are counted.
const maxFields = 20

// New checks o and returns a Notifier; a nil client means one with a 10 s timeout.
func New(o Options, client *http.Client) (*Notifier, error) {
	var problems []error
	err := notify.CheckURL("mattermost", "webhook_url", o.WebhookURL)
	if err != nil {
		problems = append(problems, err)
	}
	if strings.ContainsAny(o.Channel, " \t\r\n") {
		problems = append(problems, errors.New("mattermost: channel must be a channel name (town-square) or @user, without spaces"))
	}
	if strings.ContainsAny(o.Username, "\r\n") {
		problems = append(problems, errors.New("mattermost: username must be one line"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	client = notify.ClientOrDefault(client)
	return &Notifier{o: o, client: client}, nil
}

// Notify posts m to the channel.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) error {
	return notify.PostJSON(ctx, n.client, n.o.WebhookURL, nil, n.render(m))
}

type field struct {
	Short bool   `json:"short"`
	Title string `json:"title"`
	Value string `json:"value"`
}

type attachment struct {
	Fallback  string  `json:"fallback"`
	Color     string  `json:"color"`
	Title     string  `json:"title"`
	TitleLink string  `json:"title_link,omitempty"`
	Text      string  `json:"text,omitempty"`
	Fields    []field `json:"fields,omitempty"`
	Footer    string  `json:"footer"`
}

type payload struct {
	Channel     string       `json:"channel,omitempty"`
	Username    string       `json:"username,omitempty"`
	Text        string       `json:"text"`
	Attachments []attachment `json:"attachments"`
}

func (n *Notifier) render(m notify.Message) payload {
	head := fmt.Sprintf("%s **%s** · %s", notify.Icon(m), notify.KindLabel(m.Kind), m.Severity)
	if m.AckURL != "" {
		head += " · [Acknowledge](" + m.AckURL + ")"
	}
	a := attachment{
		Fallback: m.Title,
		Color:    color(m),
		Title:    m.Title,
		Text:     m.Text,
		Footer:   "vigie · " + notify.Stamp(m.SentAt),
	}
	if len(m.Alerts) == 1 {
		a.TitleLink = m.Alerts[0].URL
	}
	for i, al := range m.Alerts {
		if i == maxFields {
			a.Fields = append(a.Fields, field{Title: fmt.Sprintf("… and %d more", len(m.Alerts)-maxFields)})
			break
		}
		a.Fields = append(a.Fields, alertField(al))
	}
	return payload{Channel: n.o.Channel, Username: n.o.Username, Text: head, Attachments: []attachment{a}}
}

func alertField(a notify.Alert) field {
	f := field{Title: a.Monitor + " — " + a.State}
	var lines []string
	if a.Reason != "" {
		lines = append(lines, a.Reason)
	}
	times := "Started " + notify.Stamp(a.StartedAt)
	if !a.EndedAt.IsZero() {
		times += ", ended " + notify.Stamp(a.EndedAt)
	}
	lines = append(lines, times)
	if len(a.Labels) > 0 {
		var labels []string
		for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
			labels = append(labels, "`"+k+"="+a.Labels[k]+"`")
		}
		lines = append(lines, strings.Join(labels, " "))
	}
	if a.URL != "" {
		lines = append(lines, "[Open in vigie]("+a.URL+")")
	}
	f.Value = strings.Join(lines, "\n")
	return f
}

func color(m notify.Message) string {
	switch {
	case m.Kind == notify.KindResolved:
		return "#2EA043"
	case m.Kind == notify.KindTest:
		return "#3B82F6"
	case m.Severity == notify.SeverityCritical:
		return "#D0342C"
	case m.Severity == notify.SeverityWarning:
		return "#F2A900"
	}
	return "#3B82F6"
}

// checkURL never quotes the URL: it is the credential.
