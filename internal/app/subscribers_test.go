package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"vigie/internal/app"
	"vigie/internal/auth"
	"vigie/internal/clock"
	"vigie/internal/notify/email/mailtest"
	"vigie/internal/notify/notifytest"
	"vigie/internal/notify/webhook"
	"vigie/internal/testutil"
)

// subscriberEnv is a whole vigie, its clock stopped, with a status page whose subscriber
// mail goes to a real SMTP server on loopback.
type subscriberEnv struct {
	t     *testing.T
	app   *app.App
	logs  *testutil.LogBuffer
	clock *clock.Fake
	base  string
	smtp  *mailtest.Backend
	write string // a write-scope API token
	admin string
}

func newSubscriberEnv(t *testing.T, smtp *mailtest.Backend) *subscriberEnv {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Paris")
	e := &subscriberEnv{t: t, smtp: smtp, clock: clock.NewFake(time.Date(2026, 11, 23, 9, 0, 0, 0, loc))}
	port := mailtest.Start(t, e.smtp)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	config := fmt.Sprintf(`server:
  base_url: %s
storage:
  path: vigie.db
monitors:
  - {name: db, type: tcp, target: "127.0.0.1:9", interval: 1h}
  - {name: web, type: tcp, target: "127.0.0.1:9", interval: 1h}
receivers:
  - name: status-mail
    type: email
    email: {host: 127.0.0.1, port: %d, tls: none, from: "vigie <alerts@example.org>", to: [ops@example.org]}
status_pages:
  - slug: acme
    title: Acme status
    timezone: Europe/Paris
    maintenance_notice_before: 24h
    subscribers: {email: status-mail, from: "Acme status <status@acme.example>"}
    groups:
      - name: Platform
        components:
          - {name: Database, monitors: [db]}
          - {name: Web app, monitors: [web]}
`, e.base, port)
	e.app, e.logs = startOn(t, t.TempDir(), config, ln, e.clock)
	e.write, _, _ = e.app.Auth().CreateToken(context.Background(), "ops", auth.ScopeWrite, "test")
	e.admin, _, _ = e.app.Auth().CreateToken(context.Background(), "boss", auth.ScopeAdmin, "test")
	return e
}

type answer struct {
	code   int
	header http.Header
	body   string
}

// do sends a request as a browser or a program would: no cookies, no redirects followed.
func (e *subscriberEnv) do(method, path, token, contentType, body string) answer {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url(path), strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return answer{r.StatusCode, r.Header, string(b)}
}

// url makes path absolute; links from mails are absolute already.
func (e *subscriberEnv) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return e.base + path
}

func (e *subscriberEnv) form(path string, v url.Values) answer {
	return e.do("POST", path, "", "application/x-www-form-urlencoded", v.Encode())
}

func (e *subscriberEnv) api(method, path, token string, body any) answer {
	e.t.Helper()
	data, _ := json.Marshal(body)
	if body == nil {
		data = nil
	}
	return e.do(method, path, token, "application/json", string(data))
}

// mail waits for the n-th message (from 1) and takes it apart.
func (e *subscriberEnv) mail(n int) (mailtest.Message, mailtest.Mail) {
	e.t.Helper()
	m := e.smtp.Wait(e.t, n, 15*time.Second)[n-1]
	return m, mailtest.Parse(e.t, m.Data)
}

// mailTo waits for a message to address whose subject has the words, and takes it apart.
func (e *subscriberEnv) mailTo(address, subject string) mailtest.Mail {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, m := range e.smtp.Messages() {
			if strings.Join(m.To, ",") == address {
				if p := mailtest.Parse(e.t, m.Data); strings.Contains(p.Subject, subject) {
					return p
				}
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no mail to %s about %q", address, subject)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var linkRE = regexp.MustCompile(`http://[^\s"<>]+/status/acme/(confirm|unsubscribe)/[A-Za-z0-9._-]+`)

// link finds the link of a kind in a mail's text, and checks the HTML part has it too.
func (e *subscriberEnv) link(m mailtest.Mail, kind string) string {
	e.t.Helper()
	for _, l := range linkRE.FindAllString(m.Text, -1) {
		if strings.Contains(l, "/"+kind+"/") {
			if !strings.Contains(m.HTML, `href="`+l+`"`) {
				e.t.Errorf("the HTML part lacks the %s link %s", kind, l)
			}
			return l
		}
	}
	e.t.Fatalf("no %s link in:\n%s", kind, m.Text)
	return ""
}

// checkNoticeMail checks what every subscriber mail must have.
func (e *subscriberEnv) checkNoticeMail(raw mailtest.Message, m mailtest.Mail, subject string, texts ...string) {
	e.t.Helper()
	if raw.From != "status@acme.example" || strings.Join(raw.To, ",") != "reader@example.net" {
		e.t.Errorf("%s: MAIL FROM %q RCPT TO %q", subject, raw.From, raw.To)
	}
	if m.Subject != subject {
		e.t.Errorf("subject %q, want %q", m.Subject, subject)
	}
	if from := m.Header.Get("From"); from != `"Acme status" <status@acme.example>` {
		e.t.Errorf("%s: From %q", subject, from)
	}
	unsubscribe := e.link(m, "unsubscribe")
	if h := m.Header.Get("List-Unsubscribe"); h != "<"+unsubscribe+">" || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		e.t.Errorf("%s: List-Unsubscribe %q, List-Unsubscribe-Post %q; want the link of the text", subject, h, m.Header.Get("List-Unsubscribe-Post"))
	}
	for _, want := range append(texts, "Status page: "+e.base+"/status/acme\n") {
		if !strings.Contains(m.Text, want) {
			e.t.Errorf("%s: the text lacks %q:\n%s", subject, want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, `href="`+e.base+`/status/acme"`) {
		e.t.Errorf("%s: the HTML part does not link the page", subject)
	}
}

// TestSubscriberJourney follows one reader over a real SMTP server: subscribe on the page,
// confirm by the link, then the maintenance mails as the clock moves (scheduled, a day
// ahead, started, completed), and the one-click unsubscribe.
func TestSubscriberJourney(t *testing.T) {
	e := newSubscriberEnv(t, &mailtest.Backend{})

	r := e.form("/status/acme/subscribe", url.Values{"email": {"Reader@Example.net"}, "component": {"database"}})
	if r.code != 200 || !strings.Contains(r.body, "Check your inbox") {
		t.Fatalf("subscribe: %d\n%s", r.code, r.body)
	}
	raw, m := e.mail(1)
	e.checkNoticeMail(raw, m, "[Acme status] Confirm your subscription", "Components: Database", "nothing else is sent")
	confirm := e.link(m, "confirm")

	// Following the link shows a button; only the button confirms.
	if r := e.do("GET", confirm, "", "", ""); r.code != 200 || !strings.Contains(r.body, "Confirm my subscription") || r.header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("confirm page: %d %v\n%s", r.code, r.header, r.body)
	}
	schedule := func(title string, start time.Time) int64 {
		t.Helper()
		r := e.api("POST", "/api/v1/maintenances", e.write, map[string]any{"page": "acme", "components": []string{"database"},
			"title": title, "body": "PostgreSQL moves to version 17.", "starts_at": start, "duration": "2h"})
		var out struct{ ID int64 }
		if err := json.Unmarshal([]byte(r.body), &out); r.code != 201 || err != nil {
			t.Fatalf("schedule: %d %s", r.code, r.body)
		}
		return out.ID
	}
	// Nothing is sent before confirmation.
	early := schedule("Before confirming", e.clock.Now().Add(30*24*time.Hour))
	e.waitNotice(early, "maintenance_scheduled")
	if n := len(e.smtp.Messages()); n != 1 {
		t.Fatalf("%d mails before confirmation", n)
	}
	if r := e.form(strings.TrimPrefix(confirm, e.base), nil); r.code != 200 || !strings.Contains(r.body, "Subscribed") {
		t.Fatalf("confirm: %d\n%s", r.code, r.body)
	}

	start := time.Date(2026, 11, 25, 22, 30, 0, 0, time.UTC) // Wednesday 23:30 in Paris
	schedule("Database upgrade", start)
	raw, m = e.mail(2)
	e.checkNoticeMail(raw, m, "[Acme status] Scheduled maintenance: Database upgrade",
		"When: Wed 25 Nov 2026 23:30 CET – Thu 26 Nov 2026 01:30 CET (Europe/Paris), 2 h", "Affects: Database", "PostgreSQL moves to version 17.",
		"You get this message because you subscribed to news of Acme status (Database).")

	e.clock.Advance(start.Add(-24 * time.Hour).Sub(e.clock.Now()))
	raw, m = e.mail(3)
	e.checkNoticeMail(raw, m, "[Acme status] Maintenance in 24 h: Database upgrade", "When: Wed 25 Nov 2026 23:30 CET")

	e.clock.Advance(24 * time.Hour)
	raw, m = e.mail(4)
	e.checkNoticeMail(raw, m, "[Acme status] Maintenance in progress: Database upgrade", "PostgreSQL moves to version 17.")

	e.clock.Advance(2 * time.Hour)
	raw, m = e.mail(5)
	e.checkNoticeMail(raw, m, "[Acme status] Maintenance completed: Database upgrade", "The maintenance window is over.")
	// Mail clients thread one maintenance's messages together.
	if refs := m.Header.Get("References"); refs == "" || refs != mailtest.Parse(t, e.smtp.Messages()[1].Data).Header.Get("References") {
		t.Errorf("References %q: want the scheduled notice's", refs)
	}

	// The mail client's one-click unsubscribe: a POST with no cookie and no form token.
	unsubscribe := e.link(m, "unsubscribe")
	if r := e.do("GET", unsubscribe, "", "", ""); r.code != 200 || !strings.Contains(r.body, ">Unsubscribe</button>") {
		t.Fatalf("unsubscribe page: %d\n%s", r.code, r.body)
	}
	if r := e.do("POST", unsubscribe, "", "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"); r.code != 200 || !strings.Contains(r.body, "Unsubscribed") {
		t.Fatalf("one-click unsubscribe: %d\n%s", r.code, r.body)
	}
	if r := e.do("POST", unsubscribe, "", "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"); r.code != 404 {
		t.Fatalf("the link used twice: %d", r.code)
	}
	after := schedule("After leaving", e.clock.Now().Add(72*time.Hour))
	e.waitNotice(after, "maintenance_scheduled")
	if n := len(e.smtp.Messages()); n != 5 {
		t.Fatalf("%d mails, want none after unsubscribing", n)
	}
	if strings.Contains(strings.ToLower(e.logs.String()), "reader@example.net") {
		t.Fatalf("the logs show the subscriber's address:\n%s", e.logs.String())
	}
}

// waitNotice waits until the server has handled a maintenance's notice (it logs each one).
func (e *subscriberEnv) waitNotice(maintenance int64, event string) {
	e.t.Helper()
	want := fmt.Sprintf(`msg="maintenance notice sent" maintenance=%d event=%s`, maintenance, event)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(e.logs.String(), want) {
		if time.Now().After(deadline) {
			e.t.Fatalf("no %s notice for maintenance %d:\n%s", event, maintenance, e.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The outbox then sends within its round; give it one.
	time.Sleep(1500 * time.Millisecond)
}

// A webhook added by an administrator gets each notice as JSON, signed like the webhook
// receiver's requests.
func TestWebhookSubscriberGetsSignedNotices(t *testing.T) {
	e := newSubscriberEnv(t, &mailtest.Backend{})
	hook := notifytest.NewServer(t)
	if r := e.api("POST", "/api/v1/subscribers", e.write, map[string]any{"page": "acme", "url": hook.URL}); r.code != 403 {
		t.Fatalf("a write token added a subscriber: %d %s", r.code, r.body)
	}
	for body, want := range map[string]string{
		`{"page": "acme", "url": "ftp://x"}`:                               "http or https",
		`{"page": "nope", "url": "` + hook.URL + `"}`:                      "no status page",
		`{"page": "acme", "url": "` + hook.URL + `", "secret": "short"}`:   "at least 16",
		`{"page": "acme", "url": "` + hook.URL + `", "components": ["x"]}`: `has no component`,
	} {
		if r := e.do("POST", "/api/v1/subscribers", e.admin, "application/json", body); r.code != 400 || !strings.Contains(r.body, want) {
			t.Errorf("POST %s: %d %s, want 400 about %q", body, r.code, r.body, want)
		}
	}
	r := e.api("POST", "/api/v1/subscribers", e.admin, map[string]any{"page": "acme", "url": hook.URL + "/vigie?key=abc", "components": []string{"database"}})
	var created struct {
		ID      int64
		Secret  string
		Address string
		State   string
	}
	if err := json.Unmarshal([]byte(r.body), &created); r.code != 201 || err != nil || len(created.Secret) < 32 || created.State != "confirmed" ||
		strings.Contains(created.Address, "key=abc") {
		t.Fatalf("add a webhook: %d %s", r.code, r.body)
	}
	if r := e.api("POST", "/api/v1/subscribers", e.admin, map[string]any{"page": "acme", "url": hook.URL + "/vigie?key=abc"}); r.code != 409 {
		t.Fatalf("the same webhook twice: %d %s", r.code, r.body)
	}

	e.api("POST", "/api/v1/maintenances", e.write, map[string]any{"page": "acme", "components": []string{"web-app"}, "title": "Not for the hook",
		"starts_at": e.clock.Now().Add(time.Hour), "duration": "1h"})
	e.api("POST", "/api/v1/maintenances", e.write, map[string]any{"page": "acme", "components": []string{"database"}, "title": "Replica rebuild",
		"starts_at": e.clock.Now().Add(time.Hour), "duration": "1h"})
	deadline := time.Now().Add(15 * time.Second)
	for len(hook.Requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	reqs := hook.Requests()
	if len(reqs) != 1 {
		t.Fatalf("the webhook got %d requests, want the database maintenance only", len(reqs))
	}
	req := reqs[0]
	ts := req.Header.Get("X-Vigie-Timestamp")
	if got := req.Header.Get("X-Vigie-Signature"); got != "sha256="+webhook.Sign(created.Secret, ts, req.Body) {
		t.Fatalf("signature %q does not verify with the secret given at creation", got)
	}
	if req.Path != "/vigie" || req.Query != "key=abc" || req.Header.Get("Idempotency-Key") == "" {
		t.Fatalf("request %s?%s, headers %v", req.Path, req.Query, req.Header)
	}
	body := req.JSON(t)
	notice, _ := body["notice"].(map[string]any)
	if body["kind"] != "notice" || body["title"] != "[Acme status] Scheduled maintenance: Replica rebuild" || notice["event"] != "maintenance_scheduled" ||
		notice["page"] != "acme" || notice["page_url"] != e.base+"/status/acme" || notice["starts_at"] == nil || body["html"] != nil {
		t.Fatalf("payload: %s", req.Body)
	}

	// The secret was shown once: never again in the API or the logs.
	if list := e.api("GET", "/api/v1/subscribers", e.admin, nil).body; strings.Contains(list, created.Secret) || strings.Contains(e.logs.String(), created.Secret) {
		t.Fatalf("the webhook's secret shows again:\n%s", list)
	}

	// Removed, it gets nothing more.
	if r := e.api("DELETE", fmt.Sprintf("/api/v1/subscribers/%d", created.ID), e.admin, nil); r.code != 204 {
		t.Fatalf("remove: %d %s", r.code, r.body)
	}
	if r := e.api("GET", "/api/v1/subscribers", e.admin, nil); r.code != 200 || strings.Contains(r.body, `"id"`) {
		t.Fatalf("list after removal: %d %s", r.code, r.body)
	}
}

// A subscriber's address shows nowhere public, and the public answers are the same whether
// an address is subscribed or not; links with a forged or expired token are refused.
func TestSubscriberAddressNeverLeaks(t *testing.T) {
	e := newSubscriberEnv(t, &mailtest.Backend{})
	const address = "secret.reader@example.net"
	first := e.api("POST", "/status/acme/subscribe", "", map[string]any{"email": address})
	if first.code != 202 || !strings.Contains(first.body, `"status": "check_inbox"`) {
		t.Fatalf("JSON subscribe: %d %s", first.code, first.body)
	}
	confirm := e.link(e.mailTo(address, "Confirm your subscription"), "confirm")

	// Forged tokens: changed signature, another id, another page; all the same 404.
	parts := strings.Split(confirm[strings.LastIndexByte(confirm, '/')+1:], ".")
	for _, path := range []string{
		"/status/acme/confirm/" + parts[0] + "." + parts[1] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"/status/acme/confirm/c999." + parts[1] + "." + parts[2],
		"/status/acme/confirm/nonsense",
		"/status/acme/unsubscribe/u" + parts[0][1:] + "." + parts[1] + "." + parts[2],
	} {
		for _, method := range []string{"GET", "POST"} {
			if r := e.do(method, path, "", "application/x-www-form-urlencoded", ""); r.code != 404 || !strings.Contains(r.body, "Link not valid") {
				t.Errorf("%s %s: %d, want the 404 page\n%s", method, path, r.code, r.body)
			}
		}
	}
	if r := e.form(strings.TrimPrefix(confirm, e.base), nil); r.code != 200 {
		t.Fatalf("confirm: %d", r.code)
	}
	// Subscribed now: asking again answers exactly as for a stranger.
	again := e.api("POST", "/status/acme/subscribe", "", map[string]any{"email": address})
	stranger := e.api("POST", "/status/acme/subscribe", "", map[string]any{"email": "new.person@example.net"})
	if again.code != stranger.code || again.body != stranger.body {
		t.Fatalf("subscribed %d %q, new %d %q: the answers differ", again.code, again.body, stranger.code, stranger.body)
	}
	formAgain := e.form("/status/acme/subscribe", url.Values{"email": {address}})
	formStranger := e.form("/status/acme/subscribe", url.Values{"email": {"other.person@example.net"}})
	if formAgain.code != formStranger.code || formAgain.body != formStranger.body {
		t.Fatalf("the form's answers differ for a subscribed and a new address")
	}
	if r := e.api("POST", "/status/acme/subscribe", "", map[string]any{"email": "not an address"}); r.code != 400 || !strings.Contains(r.body, `"code": "invalid"`) {
		t.Fatalf("bad address in JSON: %d %s", r.code, r.body)
	}
	if r := e.form("/status/acme/subscribe", url.Values{"email": {"nobody@nowhere"}}); r.code != 400 || !strings.Contains(r.body, "lacks a full domain") {
		t.Fatalf("bad address in the form: %d %s", r.code, r.body)
	}

	e.api("POST", "/api/v1/maintenances", e.write, map[string]any{"page": "acme", "components": []string{"database"}, "title": "Upgrade",
		"starts_at": e.clock.Now().Add(time.Hour), "duration": "1h"})
	e.mailTo(address, "Scheduled maintenance: Upgrade")
	e.mailTo(address, "You are subscribed already")
	var public []string
	for _, path := range []string{"/status/acme", "/status/acme/api/v2/summary.json", "/status/acme/api/v2/status.json",
		"/status/acme/api/v2/components.json", "/status/acme/api/v2/scheduled-maintenances.json", "/status/acme/badge.svg"} {
		r := e.do("GET", path, "", "", "")
		if r.code != 200 {
			t.Fatalf("%s: %d", path, r.code)
		}
		public = append(public, path+": "+r.body)
	}
	for _, path := range []string{"/api/v1/maintenances", "/api/v1/notifications"} {
		public = append(public, path+": "+e.api("GET", path, e.write, nil).body)
	}
	// The outbox shows the messages, without the signed links: they would let whoever reads
	// the outbox confirm or end someone's subscription.
	var outbox struct{ Notifications []struct{ ID int64 } }
	json.Unmarshal([]byte(e.api("GET", "/api/v1/notifications", e.write, nil).body), &outbox)
	for _, n := range outbox.Notifications {
		detail := e.api("GET", fmt.Sprintf("/api/v1/notifications/%d", n.ID), e.write, nil).body
		if strings.Contains(detail, "/confirm/c") || strings.Contains(detail, "/unsubscribe/u") || !strings.Contains(detail, "(signed link)") {
			t.Errorf("notification %d shows a signed link:\n%s", n.ID, detail)
		}
		public = append(public, "notification: "+detail)
	}
	public = append(public, "logs: "+e.logs.String())
	for _, p := range public {
		if strings.Contains(strings.ToLower(p), "secret.reader") {
			t.Errorf("the address shows in %.300s", p)
		}
	}
	if r := e.api("GET", "/api/v1/subscribers", e.write, nil); r.code != 403 {
		t.Fatalf("a write token lists subscribers: %d", r.code)
	}
	if r := e.api("GET", "/api/v1/subscribers?q=SECRET.reader", e.admin, nil); r.code != 200 || !strings.Contains(r.body, address) || strings.Contains(r.body, "new.person") {
		t.Fatalf("an administrator's search: %d %s", r.code, r.body)
	}

	// The confirmation link of a waiting subscription dies after 48 hours.
	late := e.link(e.mailTo("new.person@example.net", "Confirm your subscription"), "confirm")
	e.clock.Advance(48*time.Hour + time.Minute)
	if r := e.do("GET", late, "", "", ""); r.code != 404 || !strings.Contains(r.body, "48 hours") {
		t.Fatalf("an expired confirmation link: %d\n%s", r.code, r.body)
	}
	if bytes.Contains([]byte(e.logs.String()), []byte(parts[2])) {
		t.Fatal("the logs show a link's signature")
	}
}

// A mail server that refuses the address names it in its reply; the outbox and the logs
// name the subscriber instead.
func TestDeliveryErrorsHideTheAddress(t *testing.T) {
	refusing := &mailtest.Backend{RcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "<Gone.Reader@example.net>: no such mailbox"}}
	e := newSubscriberEnv(t, refusing)
	if r := e.form("/status/acme/subscribe", url.Values{"email": {"gone.reader@example.net"}}); r.code != 200 {
		t.Fatalf("subscribe: %d", r.code)
	}
	var failed string
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(failed, "550") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		failed = e.api("GET", "/api/v1/notifications/1", e.write, nil).body
	}
	if !strings.Contains(failed, "subscriber:1") || !strings.Contains(failed, "no such mailbox") {
		t.Fatalf("the delivery error does not say what went wrong, to whom:\n%s", failed)
	}
	for what, text := range map[string]string{"outbox": failed, "logs": e.logs.String()} {
		if strings.Contains(strings.ToLower(text), "gone.reader") {
			t.Errorf("the %s show the address:\n%s", what, text)
		}
	}
}

// An incident's public updates reach the subscribers of its components; internal notes do not.
func TestIncidentUpdatesReachSubscribers(t *testing.T) {
	e := newSubscriberEnv(t, &mailtest.Backend{})
	hook := notifytest.NewServer(t)
	if r := e.api("POST", "/api/v1/subscribers", e.admin, map[string]any{"page": "acme", "url": hook.URL, "components": []string{"database"}}); r.code != 201 {
		t.Fatalf("add a webhook: %d %s", r.code, r.body)
	}
	r := e.api("POST", "/api/v1/incidents", e.write, map[string]any{"title": "Replication lag", "severity": "SEV2", "page": "acme",
		"components": map[string]string{"database": "degraded_performance"}, "message": "Reads may be stale; we are on it."})
	var inc struct{ ID int64 }
	if err := json.Unmarshal([]byte(r.body), &inc); r.code != 201 || err != nil {
		t.Fatalf("open: %d %s", r.code, r.body)
	}
	e.api("POST", fmt.Sprintf("/api/v1/incidents/%d/notes", inc.ID), e.write, map[string]any{"body": "internal: replica db-2 disk is full"})
	e.api("POST", fmt.Sprintf("/api/v1/incidents/%d/resolve", inc.ID), e.write, map[string]any{"body": "Replicas caught up."})
	deadline := time.Now().Add(15 * time.Second)
	for len(hook.Requests()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	var titles, all []string
	for _, req := range hook.Requests() {
		body := req.JSON(t)
		titles = append(titles, fmt.Sprint(body["title"]))
		all = append(all, string(req.Body))
	}
	if len(titles) != 2 || !strings.Contains(titles[0], "Investigating: Replication lag") || !strings.Contains(titles[1], "Resolved: Replication lag") {
		t.Fatalf("the subscriber was told %q", titles)
	}
	if joined := strings.Join(all, "\n"); !strings.Contains(joined, "Reads may be stale") || strings.Contains(joined, "db-2 disk") {
		t.Errorf("payloads: %s", joined)
	}
}
