package mattermost_test

import (
	"testing"

	"vigie/internal/notify"
	"vigie/internal/notify/mattermost"
	"vigie/internal/notify/notifytest"
)

const hookPath = "/hooks/xoxsecrethookid"

func newNotifier(t *testing.T, o mattermost.Options) *mattermost.Notifier {
	t.Helper()
	n, err := mattermost.New(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFiring(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Body: "ok"})
	n := newNotifier(t, mattermost.Options{WebhookURL: srv.URL + hookPath, Channel: "ops-alerts", Username: "vigie"})
	if err := n.Notify(t.Context(), notifytest.Firing()); err != nil {
		t.Fatal(err)
	}
	req := srv.Last(t)
	if req.Method != "POST" || req.Path != hookPath {
		t.Errorf("got %s %s", req.Method, req.Path)
	}
	doc := req.JSON(t)
	notifytest.Equal(t, doc, "ops-alerts", "channel")
	notifytest.Equal(t, doc, "vigie", "username")
	notifytest.Equal(t, doc, "🔴 **Firing** · critical · [Acknowledge]("+notifytest.AckURL+")", "text")
	notifytest.Equal(t, doc, "#D0342C", "attachments", 0, "color")
	notifytest.Equal(t, doc, "[DOWN] website, api — 2 alerts", "attachments", 0, "title")
	notifytest.Equal(t, doc, "[DOWN] website, api — 2 alerts", "attachments", 0, "fallback")
	notifytest.Equal(t, doc, notifytest.Firing().Text, "attachments", 0, "text")
	notifytest.Absent(t, doc, "title_link", "attachments", 0)
	notifytest.Equal(t, doc, []any{
		map[string]any{"short": false, "title": "website — down", "value": "status == 200 (got 503)\nStarted 2026-11-23 09:00 UTC\n" +
			"`env=prod` `team=web`\n[Open in vigie](https://vigie.example/monitors/website)"},
		map[string]any{"short": false, "title": "api — down", "value": "body contains \"<ok>\" & @everyone\nStarted 2026-11-23 09:01 UTC\n" +
			"`tenant=acme`\n[Open in vigie](https://vigie.example/monitors/api)"},
	}, "attachments", 0, "fields")
	notifytest.AssertAbsent(t, "the body", string(req.Body), "xoxsecrethookid")
}

func TestResolved(t *testing.T) {
	srv := notifytest.NewServer(t)
	n := newNotifier(t, mattermost.Options{WebhookURL: srv.URL + hookPath})
	m := notifytest.Resolved()
	m.Alerts = m.Alerts[:1]
	if err := n.Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	doc := srv.Last(t).JSON(t)
	notifytest.Absent(t, doc, "channel")
	notifytest.Absent(t, doc, "username")
	notifytest.Equal(t, doc, "✅ **Resolved** · critical", "text")
	notifytest.Equal(t, doc, "#2EA043", "attachments", 0, "color")
	notifytest.Equal(t, doc, "https://vigie.example/monitors/website", "attachments", 0, "title_link")
	notifytest.Equal(t, doc, "website — up", "attachments", 0, "fields", 0, "title")
	notifytest.Equal(t, doc, "Started 2026-11-23 09:00 UTC, ended 2026-11-23 09:42 UTC\n`env=prod` `team=web`\n"+
		"[Open in vigie](https://vigie.example/monitors/website)", "attachments", 0, "fields", 0, "value")
}

func TestErrors(t *testing.T) {
	notifytest.CheckErrors(t, func(t *testing.T, base string) notify.Notifier {
		return newNotifier(t, mattermost.Options{WebhookURL: base + hookPath})
	}, "xoxsecrethookid")
}

func TestOptions(t *testing.T) {
	notifytest.CheckOptions(t, func(o mattermost.Options) error {
		_, err := mattermost.New(o, nil)
		return err
	}, map[string]notifytest.OptionsCase[mattermost.Options]{
		"valid":   {Options: mattermost.Options{WebhookURL: "https://chat.example.com" + hookPath, Channel: "@alice", Username: "vigie"}},
		"missing": {Options: mattermost.Options{}, Want: "mattermost: webhook_url is required"},
		"not http": {Options: mattermost.Options{WebhookURL: "chat.example.com" + hookPath},
			Want: "mattermost: webhook_url must be an http or https URL"},
		"channel with spaces": {Options: mattermost.Options{WebhookURL: "https://chat.example.com" + hookPath, Channel: "ops alerts"},
			Want: "mattermost: channel must be a channel name (town-square) or @user, without spaces"},
		"all at once": {Options: mattermost.Options{Channel: "a b", Username: "x\ny"},
			Want: "mattermost: webhook_url is required\n" +
				"mattermost: channel must be a channel name (town-square) or @user, without spaces\n" +
				"mattermost: username must be one line"},
	})
}
