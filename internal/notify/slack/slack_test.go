package slack_test

import (
	"fmt"
	"strings"
	"testing"

	"vigie/internal/notify"
	"vigie/internal/notify/notifytest"
	"vigie/internal/notify/slack"
)

const hookPath = "/services/T0001/B0002/XXXXsecretXXXX"

func newNotifier(t *testing.T, base string) *slack.Notifier {
	t.Helper()
	n, err := slack.New(slack.Options{WebhookURL: base + hookPath}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func blockTypes(t *testing.T, doc any) []string {
	var types []string
	for i := range notifytest.Get(t, doc, "blocks").([]any) {
		types = append(types, notifytest.Get(t, doc, "blocks", i, "type").(string))
	}
	return types
}

func TestFiring(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Body: "ok"})
	m := notifytest.Firing()
	if err := newNotifier(t, srv.URL).Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	req := srv.Last(t)
	if req.Method != "POST" || req.Path != hookPath || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("got %s %s %s", req.Method, req.Path, req.Header.Get("Content-Type"))
	}
	doc := req.JSON(t)
	notifytest.Equal(t, doc, "🔴 [DOWN] website, api — 2 alerts", "text")
	if got, want := strings.Join(blockTypes(t, doc), ","), "header,section,context,context,context,actions"; got != want {
		t.Fatalf("blocks %s, want %s", got, want)
	}
	notifytest.Equal(t, doc, "plain_text", "blocks", 0, "text", "type")
	notifytest.Equal(t, doc, "🔴 [DOWN] website, api — 2 alerts", "blocks", 0, "text", "text")
	notifytest.Equal(t, doc, "mrkdwn", "blocks", 1, "text", "type")
	notifytest.Equal(t, doc, "website is down: status == 200 (got 503)\napi is down: body contains \"&lt;ok&gt;\" &amp; @everyone",
		"blocks", 1, "text", "text")
	notifytest.Equal(t, doc, fmt.Sprintf("<https://vigie.example/monitors/website|website> down: status == 200 (got 503)"+
		" · since <!date^%d^{date_short_pretty} {time}|2026-11-23 09:00 UTC> · `env=prod` `team=web`", notifytest.T0.Unix()),
		"blocks", 2, "elements", 0, "text")
	api := notifytest.Get(t, doc, "blocks", 3, "elements", 0, "text").(string)
	if !strings.Contains(api, `down: body contains "&lt;ok&gt;" &amp; @everyone`) || !strings.Contains(api, "`tenant=acme`") {
		t.Errorf("api line %q", api)
	}
	if meta := notifytest.Get(t, doc, "blocks", 4, "elements", 0, "text").(string); !strings.HasPrefix(meta, "Firing · critical · <!date^") {
		t.Errorf("context %q", meta)
	}
	notifytest.Equal(t, doc, map[string]any{
		"type":  "button",
		"text":  map[string]any{"type": "plain_text", "text": "Acknowledge"},
		"url":   notifytest.AckURL,
		"style": "primary",
	}, "blocks", 5, "elements", 0)
	notifytest.AssertAbsent(t, "the body", string(req.Body), "XXXXsecretXXXX", "<ok>", "<!channel>")
}

func TestResolved(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Body: "ok"})
	if err := newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Resolved()); err != nil {
		t.Fatal(err)
	}
	doc := srv.Last(t).JSON(t)
	if got, want := strings.Join(blockTypes(t, doc), ","), "header,section,context,context,context"; got != want {
		t.Fatalf("blocks %s, want %s (no Acknowledge button once resolved)", got, want)
	}
	notifytest.Equal(t, doc, "✅ [RESOLVED] website, api — 2 alerts", "blocks", 0, "text", "text")
	if line := notifytest.Get(t, doc, "blocks", 2, "elements", 0, "text").(string); !strings.Contains(line, "> up · since ") || !strings.Contains(line, " · until <!date^") {
		t.Errorf("alert line %q", line)
	}
	if meta := notifytest.Get(t, doc, "blocks", 4, "elements", 0, "text").(string); !strings.HasPrefix(meta, "Resolved · critical") {
		t.Errorf("context %q", meta)
	}
}

func TestManyAlertsStayWithinBlockLimit(t *testing.T) {
	srv := notifytest.NewServer(t)
	m := notifytest.Firing()
	for i := range 60 {
		m.Alerts = append(m.Alerts, notify.Alert{Monitor: fmt.Sprintf("m%d", i), State: "down"})
	}
	if err := newNotifier(t, srv.URL).Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	doc := srv.Last(t).JSON(t)
	if n := len(blockTypes(t, doc)); n > 50 {
		t.Errorf("%d blocks, Slack takes at most 50", n)
	}
	notifytest.Equal(t, doc, "… and 42 more", "blocks", 22, "elements", 0, "text")
}

func TestErrors(t *testing.T) {
	notifytest.CheckErrors(t, func(t *testing.T, base string) notify.Notifier { return newNotifier(t, base) }, "XXXXsecretXXXX")
}

func TestOptions(t *testing.T) {
	notifytest.CheckOptions(t, func(o slack.Options) error {
		_, err := slack.New(o, nil)
		return err
	}, map[string]notifytest.OptionsCase[slack.Options]{
		"valid":    {Options: slack.Options{WebhookURL: "https://hooks.slack.com" + hookPath}},
		"missing":  {Options: slack.Options{}, Want: "slack: webhook_url is required"},
		"not http": {Options: slack.Options{WebhookURL: "hooks.slack.com" + hookPath}, Want: "slack: webhook_url must be an http or https URL"},
		"no host":  {Options: slack.Options{WebhookURL: "https://" + hookPath[1:] + "%zz"}, Want: "slack: webhook_url must be an http or https URL"},
	})
}
