package discord_test

import (
	"fmt"
	"strings"
	"testing"

	"vigie/internal/notify"
	"vigie/internal/notify/discord"
	"vigie/internal/notify/notifytest"
)

const hookPath = "/api/webhooks/1234567890/hookTOKENsecret"

func newNotifier(t *testing.T, base string) *discord.Notifier {
	t.Helper()
	n, err := discord.New(discord.Options{WebhookURL: base + hookPath}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFiring(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Status: 204})
	m := notifytest.Firing()
	if err := newNotifier(t, srv.URL).Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	req := srv.Last(t)
	if req.Method != "POST" || req.Path != hookPath {
		t.Errorf("got %s %s", req.Method, req.Path)
	}
	doc := req.JSON(t)
	notifytest.Equal(t, doc, map[string]any{"parse": []any{}}, "allowed_mentions")
	notifytest.Equal(t, doc, "🔴 **[DOWN] website, api — 2 alerts**", "content")
	notifytest.Equal(t, doc, m.Title, "embeds", 0, "title")
	notifytest.Equal(t, doc, m.Text, "embeds", 0, "description")
	notifytest.Equal(t, doc, 0xD0342C, "embeds", 0, "color")
	notifytest.Equal(t, doc, "2026-11-23T09:05:00Z", "embeds", 0, "timestamp")
	notifytest.Equal(t, doc, "vigie · firing · critical", "embeds", 0, "footer", "text")
	notifytest.Equal(t, doc, []any{
		map[string]any{"name": "website — down", "inline": false, "value": fmt.Sprintf("status == 200 (got 503)\nStarted <t:%d:f>\n"+
			"`env=prod` `team=web`\n[Open in vigie](https://vigie.example/monitors/website)", notifytest.T0.Unix())},
		map[string]any{"name": "api — down", "inline": false, "value": fmt.Sprintf("body contains \"<ok>\" & @everyone\nStarted <t:%d:f>\n"+
			"`tenant=acme`\n[Open in vigie](https://vigie.example/monitors/api)", notifytest.T0.Unix()+60)},
		map[string]any{"name": "Acknowledge", "inline": false, "value": "[Acknowledge](" + notifytest.AckURL + ")"},
	}, "embeds", 0, "fields")
	notifytest.AssertAbsent(t, "the body", string(req.Body), "hookTOKENsecret")
}

func TestResolved(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Status: 204})
	m := notifytest.Resolved()
	if err := newNotifier(t, srv.URL).Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	doc := srv.Last(t).JSON(t)
	notifytest.Equal(t, doc, "✅ **[RESOLVED] website, api — 2 alerts**", "content")
	notifytest.Equal(t, doc, 0x2EA043, "embeds", 0, "color")
	notifytest.Equal(t, doc, "website — up", "embeds", 0, "fields", 0, "name")
	notifytest.Equal(t, doc, fmt.Sprintf("Started <t:%d:f>, ended <t:%d:f>\n`env=prod` `team=web`\n[Open in vigie](https://vigie.example/monitors/website)",
		notifytest.T0.Unix(), m.SentAt.Unix()), "embeds", 0, "fields", 0, "value")
	if n := len(notifytest.Get(t, doc, "embeds", 0, "fields").([]any)); n != 2 {
		t.Errorf("%d fields, want 2 (no Acknowledge once resolved)", n)
	}
}

func TestErrors(t *testing.T) {
	notifytest.CheckErrors(t, func(t *testing.T, base string) notify.Notifier { return newNotifier(t, base) }, "hookTOKENsecret")
}

func TestOptions(t *testing.T) {
	notifytest.CheckOptions(t, func(o discord.Options) error {
		_, err := discord.New(o, nil)
		return err
	}, map[string]notifytest.OptionsCase[discord.Options]{
		"valid":    {Options: discord.Options{WebhookURL: "https://discord.com" + hookPath}},
		"missing":  {Options: discord.Options{}, Want: "discord: webhook_url is required"},
		"not http": {Options: discord.Options{WebhookURL: "discord.com" + hookPath}, Want: "discord: webhook_url must be an http or https URL"},
	})
}

func TestStaysWithinEmbedLimits(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Status: 204})
	m := notifytest.Firing()
	long := strings.Repeat("x", 900)
	for i := range 30 {
		m.Alerts = append(m.Alerts, notify.Alert{Monitor: fmt.Sprintf("m%d", i), State: "down", Reason: long})
	}
	if err := newNotifier(t, srv.URL).Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	doc := srv.Last(t).JSON(t)
	fields := notifytest.Get(t, doc, "embeds", 0, "fields").([]any)
	total := len([]rune(m.Title)) + len([]rune(m.Text)) + len([]rune(notifytest.Get(t, doc, "embeds", 0, "footer", "text").(string)))
	for _, f := range fields {
		f := f.(map[string]any)
		total += len([]rune(f["name"].(string))) + len([]rune(f["value"].(string)))
	}
	if total > 6000 || len(fields) > 25 {
		t.Errorf("embed has %d characters in %d fields; Discord takes 6000 in 25", total, len(fields))
	}
	last := fields[len(fields)-1].(map[string]any)
	if last["name"] != "Acknowledge" {
		t.Errorf("the last field is %v, want Acknowledge kept", last["name"])
	}
	more := fields[len(fields)-2].(map[string]any)
	if want := fmt.Sprintf("and %d more", 32-(len(fields)-2)); more["value"] != want {
		t.Errorf("got %v, want %q", more["value"], want)
	}
}
