// Package teams posts vigie's messages to a Microsoft Teams channel through a Power Automate
// "Workflows" webhook ("Post to a channel when a webhook request is received",
// https://learn.microsoft.com/en-us/connectors/teams/#microsoft-teams-webhook), which replaced
// Office 365 connectors. The body is a message with one Adaptive Card 1.4
// (https://adaptivecards.io/explorer/):
//
//	{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
//	  "content":{"type":"AdaptiveCard","version":"1.4","body":[…],"actions":[…]}}]}
//
// The card shows the title coloured by state (Attention, Warning, Accent, Good when resolved),
// a subtle line with kind, severity and time, the text, and a FactSet with one fact per alert
// (monitor: state, reason, start and end, labels). While an alert fires, an Action.OpenUrl
// "Acknowledge" button follows. The workflow answers 202 Accepted.
package teams

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"vigie/internal/notify"
)

// Options configure a Teams receiver.
type Options struct {
	WebhookURL string // the workflow's HTTP trigger URL; its sig= parameter is the credential
}

// Notifier posts messages to one Teams workflow.
type Notifier struct {
	url    string
	client *http.Client
}

// maxFacts keeps a card readable; the rest are counted.
const maxFacts = 25

// New checks o and returns a Notifier; a nil client means one with a 10 s timeout.
func New(o Options, client *http.Client) (*Notifier, error) {
	err := notify.CheckURL("teams", "webhook_url", o.WebhookURL)
	if err != nil {
		return nil, err
	}
	client = notify.ClientOrDefault(client)
	return &Notifier{url: o.WebhookURL, client: client}, nil
}

// Notify posts m to the workflow.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) error {
	return notify.PostJSON(ctx, n.client, n.url, nil, render(m))
}

type element map[string]any

type fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

func render(m notify.Message) element {
	body := []element{
		{"type": "TextBlock", "text": notify.Icon(m) + " " + m.Title, "size": "Large", "weight": "Bolder", "color": color(m), "wrap": true},
		{"type": "TextBlock", "text": fmt.Sprintf("%s · %s · %s", notify.KindLabel(m.Kind), m.Severity, notify.Stamp(m.SentAt)),
			"isSubtle": true, "spacing": "None", "size": "Small", "wrap": true},
	}
	if m.Text != "" {
		body = append(body, element{"type": "TextBlock", "text": m.Text, "wrap": true})
	}
	if len(m.Alerts) > 0 {
		var facts []fact
		for i, a := range m.Alerts {
			if i == maxFacts {
				facts = append(facts, fact{Title: "…", Value: fmt.Sprintf("and %d more", len(m.Alerts)-maxFacts)})
				break
			}
			facts = append(facts, fact{Title: a.Monitor, Value: alertValue(a)})
		}
		body = append(body, element{"type": "FactSet", "facts": facts})
	}
	card := element{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
		"msteams": element{"width": "Full"},
	}
	if m.AckURL != "" {
		card["actions"] = []element{{"type": "Action.OpenUrl", "title": "Acknowledge", "url": m.AckURL, "style": "positive"}}
	}
	return element{
		"type": "message",
		"attachments": []element{{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"content":     card,
		}},
	}
}

func alertValue(a notify.Alert) string {
	v := a.State
	if a.Reason != "" {
		v += ": " + a.Reason
	}
	v += " · started " + notify.Stamp(a.StartedAt)
	if !a.EndedAt.IsZero() {
		v += " · ended " + notify.Stamp(a.EndedAt)
	}
	if len(a.Labels) > 0 {
		var labels []string
		for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
			labels = append(labels, k+"="+a.Labels[k])
		}
		v += " · " + strings.Join(labels, ", ")
	}
	if a.URL != "" {
		v += " · [open](" + a.URL + ")"
	}
	return v
}

// color is an Adaptive Card TextBlock colour name.
func color(m notify.Message) string {
	switch {
	case m.Kind == notify.KindResolved:
		return "Good"
	case m.Kind == notify.KindTest:
		return "Accent"
	case m.Severity == notify.SeverityCritical:
		return "Attention"
	case m.Severity == notify.SeverityWarning:
		return "Warning"
	}
	return "Accent"
}

// checkURL never quotes the URL: it holds the credential.
