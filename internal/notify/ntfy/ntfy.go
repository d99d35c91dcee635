// Package ntfy publishes vigie's messages to an ntfy topic (https://ntfy.sh, self-hosted or
// not) in ntfy's JSON form (https://docs.ntfy.sh/publish/#publish-as-json).
//
// The configured URL names server and topic, https://ntfy.sh/mytopic. Rather than POSTing the
// text to that URL with Title, Priority, Tags and Actions headers, it POSTs JSON to the
// server's root (https://ntfy.sh/) with "topic" in the body: headers would have to squeeze
// UTF-8 titles and commas in URLs through RFC 2047 and ntfy's header syntax, and JSON needs
// neither. The body carries "title", "message" (the text), "priority" (5 urgent for critical,
// 4 high for warning, 3 default for info, resolved and test), "tags" (rotating_light,
// warning, information_source, white_check_mark when resolved, test_tube), "click" (the
// monitor's page when there is one alert) and, while an alert fires, a "view" action labelled
// "Acknowledge" (https://docs.ntfy.sh/publish/#action-buttons). A token, when set, is sent as
// "Authorization: Bearer" (https://docs.ntfy.sh/publish/#access-tokens).
package ntfy

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"vigie/internal/notify"
)

// Options configure an ntfy receiver.
type Options struct {
	URL   string // server and topic: https://ntfy.sh/mytopic
	Token string // optional access token (tk_…)
}

// Notifier publishes messages to one topic.
type Notifier struct {
	root   string // the server's URL, ending in "/"
	topic  string
	token  string
	client *http.Client
}

var topicPattern = regexp.MustCompile(`^[-_A-Za-z0-9]{1,64}$`)

// maxMessage is ntfy's default message size limit in bytes; beyond it ntfy turns the text
// into an attachment.
const maxMessage = 4096

// New checks o and returns a Notifier; a nil client means one with a 10 s timeout.
func New(o Options, client *http.Client) (*Notifier, error) {
	var problems []error
	u, err := url.Parse(o.URL)
	var root, topic string
	switch {
	case o.URL == "":
		problems = append(problems, errors.New("ntfy: url is required"))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		problems = append(problems, errors.New("ntfy: url must be an http or https URL"))
	case u.RawQuery != "" || u.Fragment != "":
		problems = append(problems, errors.New("ntfy: url must be the server and topic, without query: https://ntfy.sh/mytopic"))
	default:
		dir, last, _ := cutLast(strings.TrimSuffix(u.Path, "/"), "/")
		if !topicPattern.MatchString(last) {
			problems = append(problems, errors.New("ntfy: url must end with a topic of letters, digits, - and _: https://ntfy.sh/mytopic"))
		}
		root, topic = u.Scheme+"://"+u.Host+dir+"/", last
	}
	if strings.ContainsAny(o.Token, " \t\r\n") {
		problems = append(problems, errors.New("ntfy: token must not contain spaces or line breaks"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	client = notify.ClientOrDefault(client)
	return &Notifier{root: root, topic: topic, token: o.Token, client: client}, nil
}

type action struct {
	Action string `json:"action"`
	Label  string `json:"label"`
	URL    string `json:"url"`
	Clear  bool   `json:"clear"`
}

type message struct {
	Topic    string   `json:"topic"`
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	Priority int      `json:"priority"`
	Tags     []string `json:"tags"`
	Click    string   `json:"click,omitempty"`
	Actions  []action `json:"actions,omitempty"`
}

// Notify publishes m to the topic.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) error {
	msg := message{
		Topic:    n.topic,
		Title:    m.Title,
		Message:  truncateBytes(m.Text, maxMessage),
		Priority: priority(m),
		Tags:     []string{tag(m)},
	}
	if msg.Message == "" {
		msg.Message = m.Title // ntfy would publish "triggered"
	}
	if len(m.Alerts) == 1 {
		msg.Click = m.Alerts[0].URL
	}
	if m.AckURL != "" {
		msg.Actions = []action{{Action: "view", Label: "Acknowledge", URL: m.AckURL, Clear: true}}
	}
	var header http.Header
	if n.token != "" {
		header = http.Header{"Authorization": {"Bearer " + n.token}}
	}
	err := notify.PostJSON(ctx, n.client, n.root, header, msg)
	return err
}

func priority(m notify.Message) int {
	switch {
	case m.Kind == notify.KindResolved || m.Kind == notify.KindTest:
		return 3
	case m.Severity == notify.SeverityCritical:
		return 5
	case m.Severity == notify.SeverityWarning:
		return 4
	}
	return 3
}

// tag is an ntfy tag that shows as an emoji.
func tag(m notify.Message) string {
	switch {
	case m.Kind == notify.KindResolved:
		return "white_check_mark"
	case m.Kind == notify.KindTest:
		return "test_tube"
	case m.Severity == notify.SeverityCritical:
		return "rotating_light"
	case m.Severity == notify.SeverityWarning:
		return "warning"
	}
	return "information_source"
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return "", s, false
}

// truncateBytes cuts s to at most n bytes without splitting a character.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
