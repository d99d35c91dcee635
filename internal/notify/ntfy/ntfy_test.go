package ntfy_test

import (
	"strings"
	"testing"

	"vigie/internal/notify"
	"vigie/internal/notify/notifytest"
	"vigie/internal/notify/ntfy"
)

const (
	topic = "vigie-ops-Zk3q9"
	token = "tk_SECRETaccesstoken0123"
)

func newNotifier(t *testing.T, url, token string) *ntfy.Notifier {
	t.Helper()
	n, err := ntfy.New(ntfy.Options{URL: url, Token: token}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFiring(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Body: `{"id":"abc","event":"message"}`})
	m := notifytest.Firing()
	if err := newNotifier(t, srv.URL+"/"+topic, token).Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	req := srv.Last(t)
	if req.Method != "POST" || req.Path != "/" {
		t.Errorf("got %s %s, want POST / (JSON publishing)", req.Method, req.Path)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("Authorization = %q", got)
	}
	doc := req.JSON(t)
	notifytest.Equal(t, doc, map[string]any{
		"topic":    topic,
		"title":    m.Title,
		"message":  m.Text,
		"priority": 5,
		"tags":     []string{"rotating_light"},
		"actions":  []any{map[string]any{"action": "view", "label": "Acknowledge", "url": notifytest.AckURL, "clear": true}},
	})
	notifytest.AssertAbsent(t, "the body", string(req.Body), token)
}

func TestPriorities(t *testing.T) {
	srv := notifytest.NewServer(t)
	n := newNotifier(t, srv.URL+"/ntfy/"+topic+"/", "")
	warning := notifytest.Firing()
	warning.Severity = notify.SeverityWarning
	warning.Alerts = warning.Alerts[:1]
	for _, c := range []struct {
		m        notify.Message
		priority int
		tag      string
	}{
		{notifytest.Resolved(), 3, "white_check_mark"},
		{warning, 4, "warning"},
	} {
		if err := n.Notify(t.Context(), c.m); err != nil {
			t.Fatal(err)
		}
		req := srv.Last(t)
		if req.Path != "/ntfy/" || req.Header.Get("Authorization") != "" {
			t.Errorf("path %s, Authorization %q", req.Path, req.Header.Get("Authorization"))
		}
		doc := req.JSON(t)
		notifytest.Equal(t, doc, topic, "topic")
		notifytest.Equal(t, doc, c.priority, "priority")
		notifytest.Equal(t, doc, []string{c.tag}, "tags")
		if c.m.Kind == notify.KindResolved {
			notifytest.Absent(t, doc, "actions")
			notifytest.Absent(t, doc, "click")
		} else {
			notifytest.Equal(t, doc, "https://vigie.example/monitors/website", "click")
		}
	}
}

func TestLongTextStaysUnderLimit(t *testing.T) {
	srv := notifytest.NewServer(t)
	m := notifytest.Firing()
	m.Text = strings.Repeat("é", 3000)
	if err := newNotifier(t, srv.URL+"/"+topic, "").Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	msg := notifytest.Get(t, srv.Last(t).JSON(t), "message").(string)
	if len(msg) > 4096 || !strings.HasSuffix(msg, "é…") {
		t.Errorf("message of %d bytes ends %q", len(msg), msg[len(msg)-8:])
	}
}

func TestErrors(t *testing.T) {
	notifytest.CheckErrors(t, func(t *testing.T, base string) notify.Notifier {
		return newNotifier(t, base+"/"+topic, token)
	}, token, topic)
}

func TestOptions(t *testing.T) {
	notifytest.CheckOptions(t, func(o ntfy.Options) error {
		_, err := ntfy.New(o, nil)
		return err
	}, map[string]notifytest.OptionsCase[ntfy.Options]{
		"valid":     {Options: ntfy.Options{URL: "https://ntfy.sh/" + topic, Token: token}},
		"missing":   {Options: ntfy.Options{}, Want: "ntfy: url is required"},
		"not http":  {Options: ntfy.Options{URL: "ntfy.sh/" + topic}, Want: "ntfy: url must be an http or https URL"},
		"no topic":  {Options: ntfy.Options{URL: "https://ntfy.sh/"}, Want: "ntfy: url must end with a topic of letters, digits, - and _: https://ntfy.sh/mytopic"},
		"bad topic": {Options: ntfy.Options{URL: "https://ntfy.sh/a.b"}, Want: "ntfy: url must end with a topic of letters, digits, - and _: https://ntfy.sh/mytopic"},
		"query": {Options: ntfy.Options{URL: "https://ntfy.sh/" + topic + "?auth=x"},
			Want: "ntfy: url must be the server and topic, without query: https://ntfy.sh/mytopic"},
		"token and url": {Options: ntfy.Options{Token: "tk_a b"},
			Want: "ntfy: url is required\nntfy: token must not contain spaces or line breaks"},
	})
}
