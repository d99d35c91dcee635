// Package matrix posts vigie's messages to a Matrix room with the Client-Server API's
// send-event endpoint
// (https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid):
//
//	PUT {homeserver_url}/_matrix/client/v3/rooms/{room_id}/send/m.room.message/{message key}
//	Authorization: Bearer {access_token}
//
// The transaction id is the message's Key, which stays the same across retries, so the
// homeserver drops duplicates: that is Matrix's idempotency. The event is an m.text message
// (m.notice would be quieter, but Element's default push rules suppress notices, and an alert
// must notify) with a plain "body" and an org.matrix.custom.html "formatted_body": the title
// coloured by state, the text, one line per alert, and an "Acknowledge" link while firing.
// An empty "m.mentions" stops alert content such as "@room" from pinging anyone
// (https://spec.matrix.org/latest/client-server-api/#user-and-room-mentions).
package matrix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"vigie/internal/notify"
)

// Options configure a Matrix receiver.
type Options struct {
	HomeserverURL string // https://matrix.example.org
	AccessToken   string // the sending user's access token
	RoomID        string // !opaque:example.org (a room id, not an #alias)
}

// Notifier posts messages to one room.
type Notifier struct {
	o      Options
	base   string // homeserver URL up to the room's send path
	client *http.Client
}

// New checks o and returns a Notifier; a nil client means one with a 10 s timeout.
func New(o Options, client *http.Client) (*Notifier, error) {
	var problems []error
	u, err := url.Parse(o.HomeserverURL)
	switch {
	case o.HomeserverURL == "":
		problems = append(problems, errors.New("matrix: homeserver_url is required"))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		problems = append(problems, errors.New("matrix: homeserver_url must be an http or https URL"))
	}
	if o.AccessToken == "" {
		problems = append(problems, errors.New("matrix: access_token is required"))
	} else if strings.ContainsAny(o.AccessToken, " \t\r\n") {
		problems = append(problems, errors.New("matrix: access_token must not contain spaces or line breaks"))
	}
	switch {
	case o.RoomID == "":
		problems = append(problems, errors.New("matrix: room_id is required"))
	case !strings.HasPrefix(o.RoomID, "!") || strings.ContainsAny(o.RoomID, " \t\r\n/"):
		problems = append(problems, errors.New("matrix: room_id must be a room id like !abc:example.org (not an #alias)"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	client = notify.ClientOrDefault(client)
	return &Notifier{
		o:      o,
		base:   strings.TrimSuffix(o.HomeserverURL, "/") + "/_matrix/client/v3/rooms/" + url.PathEscape(o.RoomID) + "/send/m.room.message/",
		client: client,
	}, nil
}

type event struct {
	MsgType       string   `json:"msgtype"`
	Body          string   `json:"body"`
	Format        string   `json:"format"`
	FormattedBody string   `json:"formatted_body"`
	Mentions      struct{} `json:"m.mentions"`
}

// Notify sends m to the room.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) error {
	if m.Key == "" {
		return &notify.PermanentError{Err: errors.New("matrix: the message has no key to use as transaction id")}
	}
	data, err := json.Marshal(event{
		MsgType:       "m.text",
		Body:          plain(m),
		Format:        "org.matrix.custom.html",
		FormattedBody: formatted(m),
	})
	if err != nil {
		return &notify.PermanentError{Err: fmt.Errorf("matrix: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, n.base+url.PathEscape(m.Key), bytes.NewReader(data))
	if err != nil {
		return &notify.PermanentError{Err: fmt.Errorf("matrix: cannot build the request for key %q", m.Key)}
	}
	req.Header.Set("Authorization", "Bearer "+n.o.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", notify.UserAgent)
	err = notify.Do(n.client, req)
	return err
}

func plain(m notify.Message) string {
	var b strings.Builder
	b.WriteString(notify.Icon(m) + " " + m.Title + "\n")
	if m.Text != "" {
		b.WriteString(m.Text + "\n")
	}
	for _, a := range m.Alerts {
		b.WriteString("\n• " + a.Monitor + " — " + a.State)
		if a.Reason != "" {
			b.WriteString(": " + a.Reason)
		}
		b.WriteString("\n  " + times(a) + labels(a, func(s string) string { return s }))
		if a.URL != "" {
			b.WriteString("\n  " + a.URL)
		}
	}
	fmt.Fprintf(&b, "\n%s · %s · %s", notify.KindLabel(m.Kind), m.Severity, notify.Stamp(m.SentAt))
	if m.AckURL != "" {
		b.WriteString("\nAcknowledge: " + m.AckURL)
	}
	return b.String()
}

func formatted(m notify.Message) string {
	esc := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<p><strong><font color="%[1]s" data-mx-color="%[1]s">%[2]s %[3]s</font></strong></p>`, color(m), notify.Icon(m), esc(m.Title))
	if m.Text != "" {
		b.WriteString("<p>" + strings.ReplaceAll(esc(m.Text), "\n", "<br>") + "</p>")
	}
	if len(m.Alerts) > 0 {
		b.WriteString("<ul>")
		for _, a := range m.Alerts {
			name := "<strong>" + esc(a.Monitor) + "</strong>"
			if a.URL != "" {
				name = `<a href="` + esc(a.URL) + `">` + esc(a.Monitor) + "</a>"
			}
			b.WriteString("<li>" + name + " — " + esc(a.State))
			if a.Reason != "" {
				b.WriteString(": " + esc(a.Reason))
			}
			b.WriteString("<br>" + times(a) + labels(a, func(s string) string { return "<code>" + esc(s) + "</code>" }) + "</li>")
		}
		b.WriteString("</ul>")
	}
	fmt.Fprintf(&b, "<p><em>%s · %s · %s</em>", notify.KindLabel(m.Kind), esc(string(m.Severity)), notify.Stamp(m.SentAt))
	if m.AckURL != "" {
		b.WriteString(` · <a href="` + esc(m.AckURL) + `">Acknowledge</a>`)
	}
	b.WriteString("</p>")
	return b.String()
}

func times(a notify.Alert) string {
	s := "since " + notify.Stamp(a.StartedAt)
	if !a.EndedAt.IsZero() {
		s += ", until " + notify.Stamp(a.EndedAt)
	}
	return s
}

func labels(a notify.Alert, wrap func(string) string) string {
	if len(a.Labels) == 0 {
		return ""
	}
	var ls []string
	for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
		ls = append(ls, wrap(k+"="+a.Labels[k]))
	}
	return " · " + strings.Join(ls, " ")
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
