// Package receivers builds a Notifier from a receiver's type and options: the one place that
// knows every provider, as check.New is for probes.
package receivers

import (
	"fmt"

	"vigie/internal/notify"
	"vigie/internal/notify/discord"
	"vigie/internal/notify/email"
	"vigie/internal/notify/gotify"
	"vigie/internal/notify/matrix"
	"vigie/internal/notify/mattermost"
	"vigie/internal/notify/ntfy"
	"vigie/internal/notify/pagerduty"
	"vigie/internal/notify/slack"
	"vigie/internal/notify/teams"
	"vigie/internal/notify/telegram"
	"vigie/internal/notify/webhook"
)

// Spec describes one receiver.
type Spec struct {
	Type       string
	Webhook    webhook.Options
	Email      email.Options
	Slack      slack.Options
	Mattermost mattermost.Options
	Teams      teams.Options
	Discord    discord.Options
	Telegram   telegram.Options
	Matrix     matrix.Options
	Ntfy       ntfy.Options
	Gotify     gotify.Options
	PagerDuty  pagerduty.Options
	// Template, when set, rewrites every message's title and text before the provider
	// renders it.
	Template *notify.Template
}

// Types names the receiver types.
func Types() []string {
	return []string{"webhook", "email", "slack", "mattermost", "teams", "discord", "telegram", "matrix", "ntfy", "gotify", "pagerduty"}
}

// New builds the notifier a Spec describes.
func New(s Spec) (notify.Notifier, error) {
	n, err := provider(s)
	if err != nil {
		return nil, err
	}
	return notify.WithTemplate(n, s.Template), nil
}

func provider(s Spec) (notify.Notifier, error) {
	switch s.Type {
	case "webhook":
		return webhook.New(s.Webhook, nil)
	case "email":
		return email.New(s.Email)
	case "slack":
		return slack.New(s.Slack, nil)
	case "mattermost":
		return mattermost.New(s.Mattermost, nil)
	case "teams":
		return teams.New(s.Teams, nil)
	case "discord":
		return discord.New(s.Discord, nil)
	case "telegram":
		return telegram.New(s.Telegram, nil)
	case "matrix":
		return matrix.New(s.Matrix, nil)
	case "ntfy":
		return ntfy.New(s.Ntfy, nil)
	case "gotify":
		return gotify.New(s.Gotify, nil)
	case "pagerduty":
		return pagerduty.New(s.PagerDuty, nil)
	}
	return nil, fmt.Errorf("unknown receiver type %q", s.Type)
}
