package telegram_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"vigie/internal/notify"
	"vigie/internal/notify/notifytest"
	"vigie/internal/notify/telegram"
)

const (
	token  = "123456789:AAHsecretTOKENvalue_x-y"
	chatID = "-1001234567890"
)

var okAnswer = notifytest.Response{Body: `{"ok":true,"result":{"message_id":42}}`}

func newNotifier(t *testing.T, base string) *telegram.Notifier {
	t.Helper()
	n, err := telegram.New(telegram.Options{BotToken: token, ChatID: chatID, APIURL: base}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFiring(t *testing.T) {
	srv := notifytest.NewServer(t, okAnswer)
	if err := newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Firing()); err != nil {
		t.Fatal(err)
	}
	req := srv.Last(t)
	if req.Method != "POST" || req.Path != "/bot"+token+"/sendMessage" {
		t.Errorf("got %s %s", req.Method, req.Path)
	}
	doc := req.JSON(t)
	notifytest.Equal(t, doc, chatID, "chat_id")
	notifytest.Equal(t, doc, "HTML", "parse_mode")
	notifytest.Equal(t, doc, true, "link_preview_options", "is_disabled")
	notifytest.Equal(t, doc, [][]map[string]string{{{"text": "Acknowledge", "url": notifytest.AckURL}}}, "reply_markup", "inline_keyboard")
	want := "🔴 <b>[DOWN] website, api — 2 alerts</b>\n" +
		"website is down: status == 200 (got 503)\n" +
		"api is down: body contains &#34;&lt;ok&gt;&#34; &amp; @everyone\n" +
		"\n• <a href=\"https://vigie.example/monitors/website\">website</a> — down: status == 200 (got 503)" +
		"\n  since 2026-11-23 09:00 UTC · <code>env=prod</code> <code>team=web</code>" +
		"\n• <a href=\"https://vigie.example/monitors/api\">api</a> — down: body contains &#34;&lt;ok&gt;&#34; &amp; @everyone" +
		"\n  since 2026-11-23 09:01 UTC · <code>tenant=acme</code>" +
		"\n<i>Firing · critical · 2026-11-23 09:05 UTC</i>"
	notifytest.Equal(t, doc, want, "text")
	notifytest.AssertAbsent(t, "the body", string(req.Body), token)
}

func TestResolved(t *testing.T) {
	srv := notifytest.NewServer(t, okAnswer)
	if err := newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Resolved()); err != nil {
		t.Fatal(err)
	}
	doc := srv.Last(t).JSON(t)
	notifytest.Absent(t, doc, "reply_markup")
	text := notifytest.Get(t, doc, "text").(string)
	if !strings.HasPrefix(text, "✅ <b>[RESOLVED] website, api — 2 alerts</b>\n") ||
		!strings.Contains(text, "— up\n  since 2026-11-23 09:00 UTC, until 2026-11-23 09:42 UTC") ||
		!strings.HasSuffix(text, "<i>Resolved · critical · 2026-11-23 09:42 UTC</i>") {
		t.Errorf("text:\n%s", text)
	}
}

func TestTelegramAnswers(t *testing.T) {
	cases := []struct {
		name   string
		answer notifytest.Response
		check  func(t *testing.T, err error)
	}{
		{"ok false with 200", notifytest.Response{Body: `{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}`},
			func(t *testing.T, err error) {
				if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "Bad Request: message text is empty") {
					t.Errorf("got %v, want a permanent error with Telegram's description", err)
				}
			}},
		{"retry_after in the body", notifytest.Response{Status: 429,
			Body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 12","parameters":{"retry_after":12}}`},
			func(t *testing.T, err error) {
				ra, ok := errors.AsType[*notify.RetryAfterError](err)
				if !ok || ra.After != 12*time.Second {
					t.Errorf("got %v, want a *notify.RetryAfterError of 12s", err)
				}
			}},
		{"chat migrated", notifytest.Response{Status: 400,
			Body: `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009876}}`},
			func(t *testing.T, err error) {
				if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "set chat_id to -1009876") {
					t.Errorf("got %v, want a permanent error naming the new chat id", err)
				}
			}},
		{"bot blocked", notifytest.Response{Status: 403, Body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`},
			func(t *testing.T, err error) {
				if !notify.IsPermanent(err) {
					t.Errorf("got %v, want a permanent error", err)
				}
			}},
		{"a proxy echoing the URL", notifytest.Response{Status: 502, Body: "bad gateway for /bot" + token + "/sendMessage"},
			func(t *testing.T, err error) {
				if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), "/bot<bot_token>/sendMessage") {
					t.Errorf("got %v, want a retryable error with the token scrubbed", err)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := notifytest.NewServer(t, c.answer)
			err := newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Firing())
			c.check(t, err)
			if err != nil {
				notifytest.AssertAbsent(t, "the error", err.Error(), token)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	notifytest.CheckErrors(t, func(t *testing.T, base string) notify.Notifier { return newNotifier(t, base) }, token)
}

func TestOptions(t *testing.T) {
	notifytest.CheckOptions(t, func(o telegram.Options) error {
		_, err := telegram.New(o, nil)
		return err
	}, map[string]notifytest.OptionsCase[telegram.Options]{
		"valid, default API": {Options: telegram.Options{BotToken: token, ChatID: chatID}},
		"channel name":       {Options: telegram.Options{BotToken: token, ChatID: "@vigie_alerts"}},
		"nothing": {Options: telegram.Options{},
			Want: "telegram: bot_token is required\ntelegram: chat_id is required"},
		"malformed token": {Options: telegram.Options{BotToken: "not a token", ChatID: chatID},
			Want: "telegram: bot_token must look like 123456:ABC-DEF… (from @BotFather)"},
		"malformed chat": {Options: telegram.Options{BotToken: token, ChatID: "ops team"},
			Want: "telegram: chat_id must be a numeric chat id or @channelname"},
		"bad api url": {Options: telegram.Options{BotToken: token, ChatID: chatID, APIURL: "api.telegram.org"},
			Want: "telegram: api_url must be an http or https URL"},
	})
}
