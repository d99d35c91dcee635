package teams_test

import (
	"testing"

	"vigie/internal/notify"
	"vigie/internal/notify/notifytest"
	"vigie/internal/notify/teams"
)

const (
	flowPath = "/workflows/abc123/triggers/manual/paths/invoke"
	sig      = "sigSECRETsig"
)

func newNotifier(t *testing.T, base string) *teams.Notifier {
	t.Helper()
	n, err := teams.New(teams.Options{WebhookURL: base + flowPath + "?api-version=2016-06-01&sig=" + sig}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func card(t *testing.T, doc any) any {
	t.Helper()
	notifytest.Equal(t, doc, "message", "type")
	notifytest.Equal(t, doc, "application/vnd.microsoft.card.adaptive", "attachments", 0, "contentType")
	c := notifytest.Get(t, doc, "attachments", 0, "content")
	notifytest.Equal(t, c, "AdaptiveCard", "type")
	notifytest.Equal(t, c, "1.4", "version")
	return c
}

func TestFiring(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Status: 202})
	if err := newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Firing()); err != nil {
		t.Fatal(err)
	}
	req := srv.Last(t)
	if req.Method != "POST" || req.Path != flowPath || req.Query != "api-version=2016-06-01&sig="+sig {
		t.Errorf("got %s %s?%s", req.Method, req.Path, req.Query)
	}
	c := card(t, req.JSON(t))
	notifytest.Equal(t, c, "TextBlock", "body", 0, "type")
	notifytest.Equal(t, c, "🔴 [DOWN] website, api — 2 alerts", "body", 0, "text")
	notifytest.Equal(t, c, "Attention", "body", 0, "color")
	notifytest.Equal(t, c, "Firing · critical · 2026-11-23 09:05 UTC", "body", 1, "text")
	notifytest.Equal(t, c, notifytest.Firing().Text, "body", 2, "text")
	notifytest.Equal(t, c, "FactSet", "body", 3, "type")
	notifytest.Equal(t, c, []any{
		map[string]any{"title": "website", "value": "down: status == 200 (got 503) · started 2026-11-23 09:00 UTC · env=prod, team=web" +
			" · [open](https://vigie.example/monitors/website)"},
		map[string]any{"title": "api", "value": "down: body contains \"<ok>\" & @everyone · started 2026-11-23 09:01 UTC · tenant=acme" +
			" · [open](https://vigie.example/monitors/api)"},
	}, "body", 3, "facts")
	notifytest.Equal(t, c, []any{map[string]any{
		"type": "Action.OpenUrl", "title": "Acknowledge", "url": notifytest.AckURL, "style": "positive",
	}}, "actions")
	notifytest.AssertAbsent(t, "the body", string(req.Body), sig)
}

func TestResolved(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Status: 202})
	if err := newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Resolved()); err != nil {
		t.Fatal(err)
	}
	c := card(t, srv.Last(t).JSON(t))
	notifytest.Equal(t, c, "✅ [RESOLVED] website, api — 2 alerts", "body", 0, "text")
	notifytest.Equal(t, c, "Good", "body", 0, "color")
	notifytest.Equal(t, c, "up · started 2026-11-23 09:00 UTC · ended 2026-11-23 09:42 UTC · env=prod, team=web"+
		" · [open](https://vigie.example/monitors/website)", "body", 3, "facts", 0, "value")
	notifytest.Absent(t, c, "actions")
}

func TestErrors(t *testing.T) {
	notifytest.CheckErrors(t, func(t *testing.T, base string) notify.Notifier { return newNotifier(t, base) }, sig)
}

func TestOptions(t *testing.T) {
	notifytest.CheckOptions(t, func(o teams.Options) error {
		_, err := teams.New(o, nil)
		return err
	}, map[string]notifytest.OptionsCase[teams.Options]{
		"valid":    {Options: teams.Options{WebhookURL: "https://prod-00.westeurope.logic.azure.com" + flowPath}},
		"missing":  {Options: teams.Options{}, Want: "teams: webhook_url is required"},
		"not http": {Options: teams.Options{WebhookURL: "mailto:ops@example.com"}, Want: "teams: webhook_url must be an http or https URL"},
	})
}
