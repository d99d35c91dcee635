package config

import (
	"errors"

	"vigie/internal/notify"
	"vigie/internal/notify/discord"
	"vigie/internal/notify/email"
	"vigie/internal/notify/gotify"
	"vigie/internal/notify/matrix"
	"vigie/internal/notify/mattermost"
	"vigie/internal/notify/ntfy"
	"vigie/internal/notify/pagerduty"
	"vigie/internal/notify/receivers"
	"vigie/internal/notify/slack"
	"vigie/internal/notify/teams"
	"vigie/internal/notify/telegram"
	"vigie/internal/notify/webhook"
)

// Receiver is one destination of notifications. Webhook URLs that carry their own
// credential (Slack, Teams, Discord, Mattermost) are secrets.
type Receiver struct {
	Name       string             `yaml:"name"`
	Type       string             `yaml:"type"`
	Webhook    WebhookReceiver    `yaml:"webhook"`
	Email      EmailReceiver      `yaml:"email"`
	Slack      URLReceiver        `yaml:"slack"`
	Mattermost MattermostReceiver `yaml:"mattermost"`
	Teams      URLReceiver        `yaml:"teams"`
	Discord    URLReceiver        `yaml:"discord"`
	Telegram   TelegramReceiver   `yaml:"telegram"`
	Matrix     MatrixReceiver     `yaml:"matrix"`
	Ntfy       TokenReceiver      `yaml:"ntfy"`
	Gotify     TokenReceiver      `yaml:"gotify"`
	PagerDuty  PagerDutyReceiver  `yaml:"pagerduty"`
	Template   MessageTemplate    `yaml:"template"`
}

// MessageTemplate overrides a receiver's message title and text: Go text/template sources
// executed with the message as data.
type MessageTemplate struct {
	Title string `yaml:"title"`
	Text  string `yaml:"text"`
}

// WebhookReceiver posts JSON, signed with HMAC-SHA256 when a secret is set.
type WebhookReceiver struct {
	URL     string            `yaml:"url"`
	Secret  Secret            `yaml:"secret"`
	Headers map[string]string `yaml:"headers"`
}

// EmailReceiver sends mail through an SMTP server.
type EmailReceiver struct {
	Host     string   `yaml:"host"`
	Port     int      `yaml:"port"`
	TLS      string   `yaml:"tls"`
	Username string   `yaml:"username"`
	Password Secret   `yaml:"password"`
	From     string   `yaml:"from"`
	To       []string `yaml:"to"`
}

// URLReceiver is a chat webhook whose URL is the credential.
type URLReceiver struct {
	WebhookURL Secret `yaml:"webhook_url"`
}

// MattermostReceiver is a Mattermost incoming webhook.
type MattermostReceiver struct {
	WebhookURL Secret `yaml:"webhook_url"`
	Channel    string `yaml:"channel"`
	Username   string `yaml:"username"`
}

// TelegramReceiver is a bot writing to a chat.
type TelegramReceiver struct {
	BotToken Secret `yaml:"bot_token"`
	ChatID   string `yaml:"chat_id"`
	APIURL   string `yaml:"api_url"`
}

// MatrixReceiver posts to a room.
type MatrixReceiver struct {
	HomeserverURL string `yaml:"homeserver_url"`
	AccessToken   Secret `yaml:"access_token"`
	RoomID        string `yaml:"room_id"`
}

// TokenReceiver is a server URL with an optional token (ntfy, Gotify).
type TokenReceiver struct {
	URL   string `yaml:"url"`
	Token Secret `yaml:"token"`
}

// PagerDutyReceiver sends Events API v2 events.
type PagerDutyReceiver struct {
	RoutingKey Secret `yaml:"routing_key"`
	EventsURL  string `yaml:"events_url"`
}

// Spec is the receiver as the notify packages take it.
func (r *Receiver) Spec() receivers.Spec {
	return receivers.Spec{
		Type:       r.Type,
		Webhook:    webhook.Options{URL: r.Webhook.URL, Secret: r.Webhook.Secret.Reveal(), Headers: r.Webhook.Headers},
		Email:      email.Options{Host: r.Email.Host, Port: r.Email.Port, TLS: r.Email.TLS, Username: r.Email.Username, Password: r.Email.Password.Reveal(), From: r.Email.From, To: r.Email.To},
		Slack:      slack.Options{WebhookURL: r.Slack.WebhookURL.Reveal()},
		Mattermost: mattermost.Options{WebhookURL: r.Mattermost.WebhookURL.Reveal(), Channel: r.Mattermost.Channel, Username: r.Mattermost.Username},
		Teams:      teams.Options{WebhookURL: r.Teams.WebhookURL.Reveal()},
		Discord:    discord.Options{WebhookURL: r.Discord.WebhookURL.Reveal()},
		Telegram:   telegram.Options{BotToken: r.Telegram.BotToken.Reveal(), ChatID: r.Telegram.ChatID, APIURL: r.Telegram.APIURL},
		Matrix:     matrix.Options{HomeserverURL: r.Matrix.HomeserverURL, AccessToken: r.Matrix.AccessToken.Reveal(), RoomID: r.Matrix.RoomID},
		Ntfy:       ntfy.Options{URL: r.Ntfy.URL, Token: r.Ntfy.Token.Reveal()},
		Gotify:     gotify.Options{URL: r.Gotify.URL, Token: r.Gotify.Token.Reveal()},
		PagerDuty:  pagerduty.Options{RoutingKey: r.PagerDuty.RoutingKey.Reveal(), EventsURL: r.PagerDuty.EventsURL},
		Template:   r.template(),
	}
}

// template compiles the receiver's message template; Validate reports its errors.
func (r *Receiver) template() *notify.Template {
	t, err := notify.ParseTemplate(r.Template.Title, r.Template.Text)
	if err != nil {
		return nil
	}
	return t
}

// Validate checks the type and lets the provider check its options.
func (r *Receiver) Validate(v *Validator) {
	if r.Name == "" {
		v.Errorf("name", "a receiver needs a name")
	}
	if _, err := notify.ParseTemplate(r.Template.Title, r.Template.Text); err != nil {
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			var te *notify.TemplateError
			if errors.As(e, &te) {
				v.Errorf("template."+te.Part, "%s", te.Err)
			}
		}
	}
	if !v.OneOf("type", r.Type, receivers.Types()...) {
		return
	}
	if _, err := receivers.New(r.Spec()); err != nil {
		// The options live under the key named after the type.
		v.Errorf(r.Type, "%s", err)
	}
}
