// Package gotify pushes vigie's messages to a Gotify server with its REST API's
// POST /message (https://gotify.net/api-docs#/message/createMessage), authenticated by an
// application token in the X-Gotify-Key header (https://gotify.net/docs/pushmsg).
//
// The body carries "title", "message" (Markdown: the text, one line per alert, an
// "Acknowledge" link while firing), "priority" (8 critical, 5 warning, 2 for info, resolved
// and test, so Gotify's default rules ring only for the first two) and "extras"
// (https://gotify.net/docs/msgextras): client::display renders the Markdown and, while an alert
// fires, client::notification's click opens the acknowledgement link.
package gotify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"vigie/internal/notify"
)

// Options configure a Gotify receiver.
type Options struct {
	URL   string // the server: https://push.example.com
	Token string // an application token
}

// Notifier pushes messages to one Gotify application.
type Notifier struct {
	endpoint string
	token    string
	client   *http.Client
}

// New checks o and returns a Notifier; a nil client means one with a 10 s timeout.
func New(o Options, client *http.Client) (*Notifier, error) {
	var problems []error
	u, err := url.Parse(o.URL)
	switch {
	case o.URL == "":
		problems = append(problems, errors.New("gotify: url is required"))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		problems = append(problems, errors.New("gotify: url must be an http or https URL"))
	}
	switch {
	case o.Token == "":
		problems = append(problems, errors.New("gotify: token is required"))
	case strings.ContainsAny(o.Token, " \t\r\n"):
		problems = append(problems, errors.New("gotify: token must not contain spaces or line breaks"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	client = notify.ClientOrDefault(client)
	return &Notifier{
		endpoint: strings.TrimSuffix(o.URL, "/") + "/message",
		token:    o.Token,
		client:   client,
	}, nil
}

type message struct {
	Title    string         `json:"title"`
	Message  string         `json:"message"`
	Priority int            `json:"priority"`
	Extras   map[string]any `json:"extras"`
}

// Notify pushes m.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) error {
	extras := map[string]any{"client::display": map[string]string{"contentType": "text/markdown"}}
	if m.AckURL != "" {
		extras["client::notification"] = map[string]any{"click": map[string]string{"url": m.AckURL}}
	}
	err := notify.PostJSON(ctx, n.client, n.endpoint, http.Header{"X-Gotify-Key": {n.token}}, message{
		Title:    notify.Icon(m) + " " + m.Title,
		Message:  markdown(m),
		Priority: priority(m),
		Extras:   extras,
	})
	return err
}

func markdown(m notify.Message) string {
	var b strings.Builder
	if m.Text != "" {
		b.WriteString(strings.ReplaceAll(m.Text, "\n", "  \n") + "\n\n")
	}
	for _, a := range m.Alerts {
		name := "**" + a.Monitor + "**"
		if a.URL != "" {
			name = "[" + a.Monitor + "](" + a.URL + ")"
		}
		b.WriteString("- " + name + " — " + a.State)
		if a.Reason != "" {
			b.WriteString(": " + a.Reason)
		}
		b.WriteString(" · since " + notify.Stamp(a.StartedAt))
		if !a.EndedAt.IsZero() {
			b.WriteString(", until " + notify.Stamp(a.EndedAt))
		}
		for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
			b.WriteString(" `" + k + "=" + a.Labels[k] + "`")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n_%s · %s · %s_", notify.KindLabel(m.Kind), m.Severity, notify.Stamp(m.SentAt))
	if m.AckURL != "" {
		b.WriteString("\n\n[Acknowledge](" + m.AckURL + ")")
	}
	return b.String()
}

func priority(m notify.Message) int {
	switch {
	case m.Kind == notify.KindResolved || m.Kind == notify.KindTest:
		return 2
	case m.Severity == notify.SeverityCritical:
		return 8
	case m.Severity == notify.SeverityWarning:
		return 5
	}
	return 2
}
