package gotify_test

import (
	"testing"

	"vigie/internal/notify"
	"vigie/internal/notify/gotify"
	"vigie/internal/notify/notifytest"
)

const token = "AbCSECRETappTok"

func newNotifier(t *testing.T, base string) *gotify.Notifier {
	t.Helper()
	n, err := gotify.New(gotify.Options{URL: base, Token: token}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFiring(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Body: `{"id":1}`})
	if err := newNotifier(t, srv.URL+"/gotify/").Notify(t.Context(), notifytest.Firing()); err != nil {
		t.Fatal(err)
	}
	req := srv.Last(t)
	if req.Method != "POST" || req.Path != "/gotify/message" || req.Query != "" {
		t.Errorf("got %s %s?%s", req.Method, req.Path, req.Query)
	}
	if got := req.Header.Get("X-Gotify-Key"); got != token {
		t.Errorf("X-Gotify-Key = %q", got)
	}
	doc := req.JSON(t)
	notifytest.Equal(t, doc, "🔴 [DOWN] website, api — 2 alerts", "title")
	notifytest.Equal(t, doc, 8, "priority")
	notifytest.Equal(t, doc, "text/markdown", "extras", "client::display", "contentType")
	notifytest.Equal(t, doc, notifytest.AckURL, "extras", "client::notification", "click", "url")
	notifytest.Equal(t, doc, "website is down: status == 200 (got 503)  \napi is down: body contains \"<ok>\" & @everyone\n\n"+
		"- [website](https://vigie.example/monitors/website) — down: status == 200 (got 503) · since 2026-11-23 09:00 UTC `env=prod` `team=web`\n"+
		"- [api](https://vigie.example/monitors/api) — down: body contains \"<ok>\" & @everyone · since 2026-11-23 09:01 UTC `tenant=acme`\n"+
		"\n_Firing · critical · 2026-11-23 09:05 UTC_\n\n[Acknowledge]("+notifytest.AckURL+")", "message")
	notifytest.AssertAbsent(t, "the body", string(req.Body), token)
}

func TestResolved(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Body: `{"id":2}`})
	if err := newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Resolved()); err != nil {
		t.Fatal(err)
	}
	req := srv.Last(t)
	if req.Path != "/message" {
		t.Errorf("path %s", req.Path)
	}
	doc := req.JSON(t)
	notifytest.Equal(t, doc, "✅ [RESOLVED] website, api — 2 alerts", "title")
	notifytest.Equal(t, doc, 2, "priority")
	notifytest.Absent(t, doc, "client::notification", "extras")
	notifytest.Equal(t, doc, "website is up after 42 min  \napi is up after 41 min\n\n"+
		"- [website](https://vigie.example/monitors/website) — up · since 2026-11-23 09:00 UTC, until 2026-11-23 09:42 UTC `env=prod` `team=web`\n"+
		"- [api](https://vigie.example/monitors/api) — up · since 2026-11-23 09:01 UTC, until 2026-11-23 09:42 UTC `tenant=acme`\n"+
		"\n_Resolved · critical · 2026-11-23 09:42 UTC_", "message")
}

func TestWarningPriority(t *testing.T) {
	srv := notifytest.NewServer(t)
	m := notifytest.Firing()
	m.Severity = notify.SeverityWarning
	if err := newNotifier(t, srv.URL).Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	notifytest.Equal(t, srv.Last(t).JSON(t), 5, "priority")
}

func TestErrors(t *testing.T) {
	notifytest.CheckErrors(t, func(t *testing.T, base string) notify.Notifier { return newNotifier(t, base) }, token)
}

func TestOptions(t *testing.T) {
	notifytest.CheckOptions(t, func(o gotify.Options) error {
		_, err := gotify.New(o, nil)
		return err
	}, map[string]notifytest.OptionsCase[gotify.Options]{
		"valid":   {Options: gotify.Options{URL: "https://push.example.com", Token: token}},
		"nothing": {Options: gotify.Options{}, Want: "gotify: url is required\ngotify: token is required"},
		"bad url": {Options: gotify.Options{URL: "push.example.com", Token: token}, Want: "gotify: url must be an http or https URL"},
		"token with space": {Options: gotify.Options{URL: "https://push.example.com", Token: "a b"},
			Want: "gotify: token must not contain spaces or line breaks"},
	})
}
