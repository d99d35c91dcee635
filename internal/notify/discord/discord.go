// Package discord posts vigie's messages to a Discord channel through a webhook
// (https://discord.com/developers/docs/resources/webhook#execute-webhook), as one embed
// (https://discord.com/developers/docs/resources/message#embed-object).
//
// The body's "content" is the title with a state icon; the embed carries the title, the text
// as description, a colour (red, orange, blue, green when resolved), one field per alert
// (state, reason, start and end shown in each reader's time zone, labels, monitor link), an
// "Acknowledge" link field while an alert fires, and the sending time. "allowed_mentions"
// is {"parse": []}, so nothing in an alert can ping @everyone, a role or a user.
package discord

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"vigie/internal/notify"
)

// Options configure a Discord receiver.
type Options struct {
	WebhookURL string // https://discord.com/api/webhooks/<id>/<token>; it is the credential
}

// Notifier posts messages to one Discord webhook.
type Notifier struct {
	url    string
	client *http.Client
}

// Discord's limits, in characters and fields.
const (
	maxContent     = 2000
	maxTitle       = 256
	maxDescription = 4096
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxEmbed       = 6000 // all of an embed's text together
	maxAlerts      = 20   // an embed holds 25 fields
)

// New checks o and returns a Notifier; a nil client means one with a 10 s timeout.
func New(o Options, client *http.Client) (*Notifier, error) {
	err := notify.CheckURL("discord", "webhook_url", o.WebhookURL)
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

type field struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

type embed struct {
	Title       string  `json:"title"`
	Description string  `json:"description,omitempty"`
	Color       int     `json:"color"`
	Fields      []field `json:"fields,omitempty"`
	Timestamp   string  `json:"timestamp,omitempty"`
	Footer      footer  `json:"footer"`
}

type footer struct {
	Text string `json:"text"`
}

type payload struct {
	Content         string          `json:"content"`
	Embeds          []embed         `json:"embeds"`
	AllowedMentions allowedMentions `json:"allowed_mentions"`
}

type allowedMentions struct {
	Parse []string `json:"parse"`
}

func render(m notify.Message) payload {
	e := embed{
		Title:       notify.Truncate(m.Title, maxTitle),
		Description: notify.Truncate(m.Text, maxDescription),
		Color:       color(m),
		Footer:      footer{Text: fmt.Sprintf("vigie · %s · %s", kindLabel(m.Kind), m.Severity)},
	}
	if !m.SentAt.IsZero() {
		e.Timestamp = m.SentAt.UTC().Format(time.RFC3339)
	}
	var ack []field
	if m.AckURL != "" {
		ack = append(ack, field{Name: "Acknowledge", Value: "[Acknowledge](" + m.AckURL + ")"})
	}
	const moreSize = 32 // room for the "and N more" field
	size := length(e.Title, e.Description, e.Footer.Text) + moreSize
	for _, f := range ack {
		size += length(f.Name, f.Value)
	}
	for i, a := range m.Alerts {
		f := alertField(a)
		size += length(f.Name, f.Value)
		if i == maxAlerts || size > maxEmbed {
			e.Fields = append(e.Fields, field{Name: "…", Value: fmt.Sprintf("and %d more", len(m.Alerts)-i)})
			break
		}
		e.Fields = append(e.Fields, f)
	}
	e.Fields = append(e.Fields, ack...)
	return payload{
		Content:         notify.Truncate(notify.Icon(m)+" **"+m.Title+"**", maxContent),
		Embeds:          []embed{e},
		AllowedMentions: allowedMentions{Parse: []string{}},
	}
}

func alertField(a notify.Alert) field {
	var lines []string
	if a.Reason != "" {
		lines = append(lines, a.Reason)
	}
	times := "Started " + date(a.StartedAt)
	if !a.EndedAt.IsZero() {
		times += ", ended " + date(a.EndedAt)
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
	return field{Name: notify.Truncate(a.Monitor+" — "+a.State, maxFieldName), Value: notify.Truncate(strings.Join(lines, "\n"), maxFieldValue)}
}

// date lets Discord show t in each reader's own time zone.
func date(t time.Time) string { return fmt.Sprintf("<t:%d:f>", t.Unix()) }

func color(m notify.Message) int {
	switch {
	case m.Kind == notify.KindResolved:
		return 0x2EA043
	case m.Kind == notify.KindTest:
		return 0x3B82F6
	case m.Severity == notify.SeverityCritical:
		return 0xD0342C
	case m.Severity == notify.SeverityWarning:
		return 0xF2A900
	}
	return 0x3B82F6
}

func kindLabel(k notify.Kind) string {
	switch k {
	case notify.KindReminder:
		return "still firing"
	case notify.KindEscalate:
		return "escalated"
	case notify.KindResolved:
		return "resolved"
	case notify.KindTest:
		return "test"
	case notify.KindUpdateDue:
		return "update due"
	}
	return "firing"
}

func length(ss ...string) int {
	n := 0
	for _, s := range ss {
		n += utf8.RuneCountInString(s)
	}
	return n
}

// checkURL never quotes the URL: it is the credential.
