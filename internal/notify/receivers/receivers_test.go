package receivers_test

import (
	"context"
	"strings"
	"testing"

	"vigie/internal/notify"
	"vigie/internal/notify/notifytest"
	"vigie/internal/notify/receivers"
	"vigie/internal/notify/webhook"
)

// A receiver's template reaches the wire: the webhook body carries the rendered title and
// text, and the structured fields stay as they were.
func TestTemplateRewritesWhatIsSent(t *testing.T) {
	srv := notifytest.NewServer(t)
	tmpl, err := notify.ParseTemplate(
		`{{upper (label .Kind)}}: {{len .Alerts}} on {{(index .Alerts 0).Labels.env}}`,
		"{{range .Alerts}}- {{.Monitor}} ({{.State}}) for {{human (since .StartedAt $.SentAt)}}\n{{end}}{{with .AckURL}}ack: {{.}}{{end}}")
	if err != nil {
		t.Fatal(err)
	}
	n, err := receivers.New(receivers.Spec{Type: "webhook", Webhook: webhook.Options{URL: srv.URL + "/hook"}, Template: tmpl})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(context.Background(), notifytest.Firing()); err != nil {
		t.Fatal(err)
	}
	body := srv.Requests()[0].JSON(t)
	if got, want := body["title"], "FIRING: 2 on prod"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	wantText := "- website (down) for 5 min\n- api (down) for 4 min\nack: " + notifytest.AckURL
	if got := body["text"]; got != wantText {
		t.Errorf("text = %q, want %q", got, wantText)
	}
	if alerts, _ := body["alerts"].([]any); len(alerts) != 2 {
		t.Errorf("structured alerts changed: %v", body["alerts"])
	}
}

// A template that cannot render a message (here: one without alerts) leaves vigie's own
// wording rather than dropping the message.
func TestTemplateFallsBackWhenItCannotRender(t *testing.T) {
	tmpl, err := notify.ParseTemplate(`{{(index .Alerts 0).Monitor}} is {{(index .Alerts 0).State}}`, "")
	if err != nil {
		t.Fatal(err)
	}
	m := notifytest.Firing()
	if got := tmpl.Apply(m).Title; got != "website is down" {
		t.Errorf("title = %q", got)
	}
	m.Alerts = nil
	if got := tmpl.Apply(m); got.Title != m.Title || got.Text != m.Text {
		t.Errorf("a failed render changed the message: %q / %q", got.Title, got.Text)
	}
}

func TestTemplateErrorsNameThePart(t *testing.T) {
	_, err := notify.ParseTemplate("{{.Nope}}", "{{if}}")
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"can't evaluate field Nope", "missing value for if"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if _, err := notify.ParseTemplate("", ""); err != nil {
		t.Errorf("empty templates: %v", err)
	}
}
