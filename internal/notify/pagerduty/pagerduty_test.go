package pagerduty_test

import (
	"strings"
	"testing"

	"vigie/internal/notify"
	"vigie/internal/notify/notifytest"
	"vigie/internal/notify/pagerduty"
)

const routingKey = "R0123456789abcdefSECRETKEY012345"

var accepted = notifytest.Response{Status: 202, Body: `{"status":"success","message":"Event processed","dedup_key":"g-web"}`}

func newNotifier(t *testing.T, base string) *pagerduty.Notifier {
	t.Helper()
	n, err := pagerduty.New(pagerduty.Options{RoutingKey: routingKey, EventsURL: base + "/v2/enqueue"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFiring(t *testing.T) {
	srv := notifytest.NewServer(t, accepted)
	m := notifytest.Firing()
	if err := newNotifier(t, srv.URL).Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	req := srv.Last(t)
	if req.Method != "POST" || req.Path != "/v2/enqueue" {
		t.Errorf("got %s %s", req.Method, req.Path)
	}
	doc := req.JSON(t)
	notifytest.Equal(t, doc, routingKey, "routing_key")
	notifytest.Equal(t, doc, "trigger", "event_action")
	notifytest.Equal(t, doc, "g-web", "dedup_key")
	notifytest.Equal(t, doc, "vigie", "client")
	notifytest.Equal(t, doc, m.Title, "payload", "summary")
	notifytest.Equal(t, doc, "website, api", "payload", "source")
	notifytest.Equal(t, doc, "critical", "payload", "severity")
	notifytest.Equal(t, doc, "2026-11-23T09:00:00Z", "payload", "timestamp")
	notifytest.Equal(t, doc, "firing", "payload", "custom_details", "kind")
	notifytest.Equal(t, doc, m.Text, "payload", "custom_details", "text")
	notifytest.Equal(t, doc, "prod", "payload", "custom_details", "alerts", 0, "labels", "env")
	notifytest.Equal(t, doc, "status == 200 (got 503)", "payload", "custom_details", "alerts", 0, "reason")
	notifytest.Equal(t, doc, []any{
		map[string]any{"href": "https://vigie.example/monitors/website", "text": "website in vigie"},
		map[string]any{"href": "https://vigie.example/monitors/api", "text": "api in vigie"},
	}, "links")
	body := string(req.Body)
	if strings.Count(body, routingKey) != 1 {
		t.Errorf("the routing key appears %d times in the body, want once (routing_key)", strings.Count(body, routingKey))
	}
	notifytest.AssertAbsent(t, "the body", body, "ack/g-web")
}

func TestResolved(t *testing.T) {
	srv := notifytest.NewServer(t, accepted)
	if err := newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Resolved()); err != nil {
		t.Fatal(err)
	}
	notifytest.Equal(t, srv.Last(t).JSON(t), map[string]any{
		"routing_key":  routingKey,
		"event_action": "resolve",
		"dedup_key":    "g-web",
	})
}

func TestKindsAndLimits(t *testing.T) {
	srv := notifytest.NewServer(t, accepted)
	n := newNotifier(t, srv.URL)
	for _, c := range []struct {
		name    string
		edit    func(*notify.Message)
		action  string
		summary func(string) bool
		sev     string
	}{
		{"reminder", func(m *notify.Message) { m.Kind = notify.KindReminder }, "trigger", nil, "critical"},
		{"escalate", func(m *notify.Message) { m.Kind = notify.KindEscalate; m.Severity = notify.SeverityWarning }, "trigger", nil, "warning"},
		{"test", func(m *notify.Message) { m.Kind = notify.KindTest; m.Severity = notify.SeverityInfo }, "trigger",
			func(s string) bool { return strings.HasPrefix(s, "Test from vigie") }, "info"},
		{"long title", func(m *notify.Message) { m.Title = strings.Repeat("é", 2000) }, "trigger",
			func(s string) bool { return len([]rune(s)) == 1024 && strings.HasSuffix(s, "…") }, "critical"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := notifytest.Firing()
			c.edit(&m)
			if err := n.Notify(t.Context(), m); err != nil {
				t.Fatal(err)
			}
			doc := srv.Last(t).JSON(t)
			notifytest.Equal(t, doc, c.action, "event_action")
			notifytest.Equal(t, doc, "g-web", "dedup_key")
			notifytest.Equal(t, doc, c.sev, "payload", "severity")
			if s := notifytest.Get(t, doc, "payload", "summary").(string); c.summary != nil && !c.summary(s) {
				t.Errorf("summary %q", s)
			}
		})
	}
}

func TestRoutingKeyKeptOutOfErrors(t *testing.T) {
	// A receiver that echoes the event it refused.
	srv := notifytest.NewServer(t, notifytest.Response{Status: 400,
		Body: `{"status":"invalid event","message":"Event object is invalid","errors":["bad routing_key ` + routingKey + `"]}`})
	err := newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Firing())
	if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "bad routing_key <routing_key>") {
		t.Errorf("got %v, want a permanent error with the key scrubbed", err)
	}
	srv.Answer(notifytest.Response{Status: 429, Header: map[string]string{"Retry-After": "3"}, Body: routingKey})
	err = newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Firing())
	if _, ok := err.(*notify.RetryAfterError); !ok || strings.Contains(err.Error(), routingKey) {
		t.Errorf("got %#v, want a *notify.RetryAfterError with the key scrubbed", err)
	}
}

func TestErrors(t *testing.T) {
	notifytest.CheckErrors(t, func(t *testing.T, base string) notify.Notifier { return newNotifier(t, base) }, routingKey)
}

func TestOptions(t *testing.T) {
	notifytest.CheckOptions(t, func(o pagerduty.Options) error {
		_, err := pagerduty.New(o, nil)
		return err
	}, map[string]notifytest.OptionsCase[pagerduty.Options]{
		"valid, default URL": {Options: pagerduty.Options{RoutingKey: routingKey}},
		"missing key":        {Options: pagerduty.Options{}, Want: "pagerduty: routing_key is required"},
		"short key": {Options: pagerduty.Options{RoutingKey: "abc"},
			Want: "pagerduty: routing_key must be the 32-character integration key of an Events API v2 integration"},
		"bad url": {Options: pagerduty.Options{RoutingKey: routingKey, EventsURL: "events.pagerduty.com/v2/enqueue"},
			Want: "pagerduty: events_url must be an http or https URL"},
	})
}
