// Package telegram sends vigie's messages to a Telegram chat through the Bot API's sendMessage
// method (https://core.telegram.org/bots/api#sendmessage).
//
// It POSTs JSON to {api_url}/bot{token}/sendMessage with chat_id, the text in HTML parse mode
// (https://core.telegram.org/bots/api#html-style; alert content is escaped), link previews
// off, and, while an alert fires, an inline keyboard with an "Acknowledge" URL button.
//
// Telegram reports failures in its JSON answer ({"ok":false,"description":…}), sometimes
// with status 200: such an answer is a *notify.PermanentError carrying the description. A 429
// carries parameters.retry_after, which becomes a *notify.RetryAfterError; 5xx answers and
// transport failures are retryable. The bot token is part of the request URL, so it is
// scrubbed from every error this package returns.
package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"vigie/internal/notify"
)

// DefaultAPIURL is Telegram's Bot API server.
const DefaultAPIURL = "https://api.telegram.org"

// Options configure a Telegram receiver.
type Options struct {
	BotToken string // 123456:ABC-DEF…, from @BotFather
	ChatID   string // a numeric chat id (-100… for groups and channels) or @channelname
	APIURL   string // a Bot API server; DefaultAPIURL when empty
}

// Notifier sends messages to one chat.
type Notifier struct {
	o        Options
	endpoint string
	shown    string // endpoint without the token, for errors
	client   *http.Client
}

var (
	tokenPattern  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	chatIDPattern = regexp.MustCompile(`^(-?[0-9]+|@[A-Za-z][A-Za-z0-9_]{3,})$`)
)

// maxText is Telegram's limit on a message's text, counted after entities are parsed; the
// HTML built here stays under it with room for the tags.
const maxText = 4096

// New checks o and returns a Notifier; a nil client means one with a 10 s timeout.
func New(o Options, client *http.Client) (*Notifier, error) {
	var problems []error
	switch {
	case o.BotToken == "":
		problems = append(problems, errors.New("telegram: bot_token is required"))
	case !tokenPattern.MatchString(o.BotToken):
		problems = append(problems, errors.New("telegram: bot_token must look like 123456:ABC-DEF… (from @BotFather)"))
	}
	switch {
	case o.ChatID == "":
		problems = append(problems, errors.New("telegram: chat_id is required"))
	case !chatIDPattern.MatchString(o.ChatID):
		problems = append(problems, errors.New("telegram: chat_id must be a numeric chat id or @channelname"))
	}
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	u, err := url.Parse(o.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, errors.New("telegram: api_url must be an http or https URL"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	client = notify.ClientOrDefault(client)
	base := strings.TrimSuffix(o.APIURL, "/")
	return &Notifier{
		o:        o,
		endpoint: base + "/bot" + o.BotToken + "/sendMessage",
		shown:    base + "/bot<bot_token>/sendMessage",
		client:   client,
	}, nil
}

type button struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

type request struct {
	ChatID             string             `json:"chat_id"`
	Text               string             `json:"text"`
	ParseMode          string             `json:"parse_mode"`
	LinkPreviewOptions linkPreviewOptions `json:"link_preview_options"`
	ReplyMarkup        *inlineKeyboard    `json:"reply_markup,omitempty"`
}

type linkPreviewOptions struct {
	IsDisabled bool `json:"is_disabled"`
}

type inlineKeyboard struct {
	InlineKeyboard [][]button `json:"inline_keyboard"`
}

// answer is the Bot API's reply envelope.
type answer struct {
	OK          *bool  `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// Notify sends m to the chat.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) error {
	body := request{
		ChatID:             n.o.ChatID,
		Text:               render(m),
		ParseMode:          "HTML",
		LinkPreviewOptions: linkPreviewOptions{IsDisabled: true},
	}
	if m.AckURL != "" {
		body.ReplyMarkup = &inlineKeyboard{InlineKeyboard: [][]button{{{Text: "Acknowledge", URL: m.AckURL}}}}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return &notify.PermanentError{Err: fmt.Errorf("telegram: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.endpoint, bytes.NewReader(data))
	if err != nil {
		return &notify.PermanentError{Err: n.scrub(err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", notify.UserAgent)
	resp, err := n.client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			ue.URL = n.shown
		}
		return n.scrub(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return n.classify(resp, raw)
}

// classify follows notify.Do's rules, reading Telegram's own envelope for the reason and
// for retry_after, which Telegram sends in the body rather than as Retry-After.
func (n *Notifier) classify(resp *http.Response, raw []byte) error {
	var a answer
	isEnvelope := json.Unmarshal(raw, &a) == nil && a.OK != nil
	ok2xx := resp.StatusCode >= 200 && resp.StatusCode < 300
	if ok2xx && (!isEnvelope || *a.OK) {
		return nil
	}
	reason := a.Description
	if !isEnvelope {
		reason = strings.TrimSpace(string(raw[:min(len(raw), 512)]))
	}
	if a.Parameters.MigrateToChatID != 0 {
		reason += fmt.Sprintf(" (the group is now a supergroup: set chat_id to %d)", a.Parameters.MigrateToChatID)
	}
	err := n.scrub(fmt.Errorf("telegram answered %d: %s", resp.StatusCode, reason))
	switch {
	case ok2xx:
		return &notify.PermanentError{Err: err}
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		if a.Parameters.RetryAfter > 0 {
			return &notify.RetryAfterError{After: time.Duration(a.Parameters.RetryAfter) * time.Second, Err: err}
		}
		if s, perr := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); perr == nil && s >= 0 {
			return &notify.RetryAfterError{After: time.Duration(s) * time.Second, Err: err}
		}
		return err
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		return err
	}
	return &notify.PermanentError{Err: err}
}

// scrub removes the bot token from err's text: Go and proxies quote request URLs, and errors
// end up in logs and in the outbox.
func (n *Notifier) scrub(err error) error {
	if !strings.Contains(err.Error(), n.o.BotToken) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), n.o.BotToken, "<bot_token>"))
}

// render is m as Telegram HTML: every piece of message content is escaped.
func render(m notify.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s <b>%s</b>\n", notify.Icon(m), esc(m.Title))
	if m.Text != "" {
		b.WriteString(esc(notify.Truncate(m.Text, 2000)) + "\n")
	}
	for i, a := range m.Alerts {
		line := alertLine(a)
		if utf8.RuneCountInString(b.String())+utf8.RuneCountInString(line) > maxText-200 {
			fmt.Fprintf(&b, "\n… and %d more", len(m.Alerts)-i)
			break
		}
		b.WriteString(line)
	}
	fmt.Fprintf(&b, "\n<i>%s · %s · %s</i>", notify.KindLabel(m.Kind), esc(string(m.Severity)), notify.Stamp(m.SentAt))
	return b.String()
}

func alertLine(a notify.Alert) string {
	name := "<b>" + esc(a.Monitor) + "</b>"
	if a.URL != "" {
		name = `<a href="` + esc(a.URL) + `">` + esc(a.Monitor) + "</a>"
	}
	line := "\n• " + name + " — " + esc(a.State)
	if a.Reason != "" {
		line += ": " + esc(notify.Truncate(a.Reason, 300))
	}
	line += "\n  since " + notify.Stamp(a.StartedAt)
	if !a.EndedAt.IsZero() {
		line += ", until " + notify.Stamp(a.EndedAt)
	}
	if len(a.Labels) > 0 {
		var labels []string
		for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
			labels = append(labels, "<code>"+esc(k+"="+a.Labels[k])+"</code>")
		}
		line += " · " + strings.Join(labels, " ")
	}
	return line
}

// esc escapes what Telegram's HTML mode requires (< > &) and quotes, for attributes.
func esc(s string) string { return html.EscapeString(s) }
