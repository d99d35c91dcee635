package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigie/internal/alert"
	"vigie/internal/auth"
	"vigie/internal/notify"
	"vigie/internal/store"
)

// alertsAdapter is what the app hands the server: the engine acknowledges, the store lists.
type alertsAdapter struct {
	*alert.Engine
	*store.Store
	signer *alert.Signer
}

func (a alertsAdapter) Ack(ctx context.Context, ids []int64, by string) ([]*alert.Alert, error) {
	return a.Engine.Ack(ctx, ids, by)
}

func (a alertsAdapter) VerifyAck(ctx context.Context, token string) ([]int64, error) {
	return a.signer.Verify(ctx, token)
}

func (e *env) openAlert(monitor, kind string) *alert.Alert {
	e.t.Helper()
	a := &alert.Alert{Monitor: monitor, Kind: kind, Severity: notify.SeverityCritical, Reason: "status == 200 (got 503)",
		Labels: map[string]string{"monitor": monitor}, StartedAt: e.clock.Now().Add(-17 * time.Minute)}
	if err := e.store.OpenAlert(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func TestAlertsPageAcknowledges(t *testing.T) {
	e := newEnv(t, false)
	e.addUser("alice")
	b := e.browser()
	b.login("alice", password, "")
	a := e.openAlert("shop", "down")
	e.openAlert("shop", alert.KindCert)

	page := b.get("/alerts")
	for _, want := range []string{"2 open", `action="/alerts/` + strconv.FormatInt(a.ID, 10) + `/ack"`, "17 min", "certificate", `href="/silences?monitor=shop"`} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("alerts page lacks %q:\n%s", want, page.body)
		}
	}
	path := "/alerts/" + strconv.FormatInt(a.ID, 10) + "/ack"
	if r := b.post(path, url.Values{}); r.status != 403 {
		t.Fatalf("ack without a CSRF token: %d", r.status)
	}
	if r := b.post(path, url.Values{"csrf": {b.csrf("/alerts")}}); r.status != 200 || !strings.Contains(r.body, "Acknowledged shop") {
		t.Fatalf("ack: %d %s", r.status, r.body)
	}
	got, err := e.store.AlertByID(context.Background(), a.ID)
	if err != nil || got.AckedBy != "alice" || got.AckedAt.IsZero() {
		t.Fatalf("after the button: %+v %v", got, err)
	}
	if r := b.post("/alerts/999/ack", url.Values{"csrf": {b.csrf("/alerts")}}); r.status != 404 {
		t.Fatalf("acking a missing alert: %d", r.status)
	}
}

func TestSilencesPage(t *testing.T) {
	e := newEnv(t, false)
	e.addUser("alice")
	b := e.browser()
	b.login("alice", password, "")
	if r := b.get("/silences?monitor=shop"); !strings.Contains(r.body, `value="monitor=shop"`) {
		t.Fatalf("the form is not filled from ?monitor=:\n%s", r.body)
	}
	for _, bad := range []struct{ matchers, duration, reason, want string }{
		{"", "2h", "upgrade", "matchers"},
		{"monitor", "2h", "upgrade", "not label=value"},
		{"monitor=shop monitor=api", "2h", "upgrade", "given twice"},
		{"monitor=shop", "forever", "upgrade", "duration"},
		{"monitor=shop", "2h", "  ", "reason"},
	} {
		r := b.post("/silences", url.Values{"csrf": {b.csrf("/silences")}, "matchers": {bad.matchers}, "duration": {bad.duration}, "reason": {bad.reason}})
		if r.status != 400 || !strings.Contains(r.body, bad.want) {
			t.Errorf("%+v: %d, want 400 about %q", bad, r.status, bad.want)
		}
	}
	if sls, _ := e.store.Silences(context.Background(), e.clock.Now()); len(sls) != 0 {
		t.Fatalf("bad input created silences: %+v", sls)
	}
	r := b.post("/silences", url.Values{"csrf": {b.csrf("/silences")}, "matchers": {"monitor=shop, team=web"}, "duration": {"4h"}, "reason": {"database upgrade"}})
	if r.status != 201 || !strings.Contains(r.body, "2026-11-23 13:00 UTC") {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	sls, _ := e.store.Silences(context.Background(), e.clock.Now())
	if len(sls) != 1 || sls[0].Matchers["team"] != "web" || sls[0].Author != "alice" || !sls[0].EndsAt.Equal(e.clock.Now().Add(4*time.Hour)) {
		t.Fatalf("stored silence: %+v", sls)
	}
	if page := b.get("/silences"); !strings.Contains(page.body, "database upgrade") || !strings.Contains(page.body, "<code>team=web</code>") {
		t.Fatalf("silences page:\n%s", page.body)
	}
	r = b.post("/silences/"+strconv.FormatInt(sls[0].ID, 10)+"/end", url.Values{"csrf": {b.csrf("/silences")}})
	if r.status != 200 || strings.Contains(r.body, "<td data-label=\"Reason\">database upgrade") {
		t.Fatalf("end: %d\n%s", r.status, r.body)
	}
}

func TestNotificationsAPIAndPage(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	const ackURL = "https://vigie.example/ack/42.c2VjcmV0LXNpZ25hdHVyZQ"
	n := &notify.Notification{Key: "k1", Receiver: "ops", NextAttemptAt: e.clock.Now(), CreatedAt: e.clock.Now(),
		Message: notify.Message{Key: "k1", Kind: notify.KindFiring, Title: "[DOWN] shop", AckURL: ackURL,
			Text: "▲ shop is down\nAcknowledge: " + ackURL}}
	if err := e.store.EnqueueNotification(ctx, n); err != nil {
		t.Fatal(err)
	}
	claimed, _ := e.store.ClaimNotifications(ctx, e.clock.Now(), time.Minute, 10)
	if len(claimed) != 1 {
		t.Fatal("claim")
	}
	e.store.RecordAttempt(ctx, n.ID, notify.Attempt{At: e.clock.Now(), Duration: 30 * time.Millisecond, Error: "ops: 400 Bad Request"},
		notify.Outcome{State: notify.StateFailed, LastError: "ops: 400 Bad Request"})

	read, write := e.token(auth.ScopeRead), e.token(auth.ScopeWrite)
	if r := api(e, "GET", "/api/v1/notifications?state=lost", read, nil); r.status != 400 || !strings.Contains(decodeErr(t, r).Error.Message, "pending, sent or failed") {
		t.Fatalf("bad state filter: %d %s", r.status, r.body)
	}
	r := api(e, "GET", "/api/v1/notifications?state=failed", read, nil)
	var list struct{ Notifications []map[string]any }
	json.Unmarshal([]byte(r.body), &list)
	if r.status != 200 || len(list.Notifications) != 1 || list.Notifications[0]["last_error"] != "ops: 400 Bad Request" {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	id := strconv.FormatInt(n.ID, 10)
	r = api(e, "GET", "/api/v1/notifications/"+id, read, nil)
	if r.status != 200 || !strings.Contains(r.body, `"ok": false`) || !strings.Contains(r.body, "(signed link)") {
		t.Fatalf("detail: %d %s", r.status, r.body)
	}
	if r := api(e, "POST", "/api/v1/notifications/"+id+"/resend", read, nil); r.status != 403 {
		t.Fatalf("resend with a read token: %d", r.status)
	}
	if r := api(e, "POST", "/api/v1/notifications/x/resend", write, nil); r.status != 400 {
		t.Fatalf("resend of a bad id: %d", r.status)
	}
	if r := api(e, "POST", "/api/v1/notifications/"+id+"/resend", write, nil); r.status != 202 || !strings.Contains(r.body, `"state": "pending"`) {
		t.Fatalf("resend: %d %s", r.status, r.body)
	}
	if due, _ := e.store.ClaimNotifications(ctx, e.clock.Now(), time.Minute, 10); len(due) != 1 {
		t.Fatalf("after resend %d notifications are due, want 1", len(due))
	}

	e.addUser("alice")
	b := e.browser()
	b.login("alice", password, "")
	for _, path := range []string{"/notifications", "/notifications?state=pending", "/notifications/" + id} {
		page := b.get(path)
		if page.status != 200 || !strings.Contains(page.body, "[DOWN] shop") {
			t.Fatalf("%s: %d\n%s", path, page.status, page.body)
		}
		if strings.Contains(page.body, "c2VjcmV0LXNpZ25hdHVyZQ") {
			t.Fatalf("%s shows the signed acknowledgement link", path)
		}
	}
	if r := api(e, "GET", "/api/v1/notifications/"+id, read, nil); strings.Contains(r.body, "c2VjcmV0LXNpZ25hdHVyZQ") {
		t.Fatal("the API shows the signed acknowledgement link")
	}
}
