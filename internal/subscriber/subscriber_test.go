package subscriber_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/notify"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store"
	"vigie/internal/store/storetest"
	"vigie/internal/subscriber"
	"vigie/internal/testutil"
)

var ctx = context.Background()

type fixture struct {
	t     testing.TB
	store *store.Store
	clock *clock.Fake
	page  *status.Page
	svc   *subscriber.Service
	logs  *testutil.LogBuffer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, store: storetest.OpenSQLite(t).Store, clock: clock.NewFake(time.Date(2026, 11, 23, 9, 0, 0, 0, loc)),
		logs: &testutil.LogBuffer{}}
	f.page = &status.Page{Slug: "acme", Title: "Acme status", Location: loc, Weights: sla.DefaultWeights(), NoticeBefore: 24 * time.Hour,
		EmailSubscribers: true, Groups: []status.Group{{ID: "platform", Name: "Platform", Components: []status.Component{
			{ID: "db", Name: "Database"}, {ID: "web", Name: "Web app"}, {ID: "api", Name: "Public API"}}}}}
	f.svc = f.service()
	return f
}

// service is a Service on the fixture's store, as a (re)started server builds it.
func (f *fixture) service() *subscriber.Service {
	return subscriber.NewService(subscriber.Options{Store: f.store, Maintenances: f.store,
		Outbox:  notify.NewDispatcher(notify.Options{Store: f.store, Clock: f.clock}),
		Pages:   func() []*status.Page { return []*status.Page{f.page} },
		BaseURL: func() string { return "https://status.example.org/" }, Clock: f.clock,
		Logger: slog.New(slog.NewTextHandler(f.logs, nil))})
}

// outbox lists the messages stored for delivery, oldest first.
func (f *fixture) outbox() []notify.Notification {
	f.t.Helper()
	ns, err := f.store.ListNotifications(ctx, "", 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	slices.Reverse(ns)
	return ns
}

// last is the newest message for a receiver.
func (f *fixture) last(receiver string) notify.Message {
	f.t.Helper()
	ns := f.outbox()
	for i := len(ns) - 1; i >= 0; i-- {
		if ns[i].Receiver == receiver {
			return ns[i].Message
		}
	}
	f.t.Fatalf("no message for %s in the outbox", receiver)
	return notify.Message{}
}

// subscribe subscribes an address, confirms it by its link and returns the subscriber.
func (f *fixture) subscribe(address string, components ...string) *subscriber.Subscriber {
	f.t.Helper()
	if err := f.svc.Subscribe(ctx, f.page, address, components, "192.0.2."+fmt.Sprint(len(address))); err != nil {
		f.t.Fatal(err)
	}
	sub, err := f.store.SubscriberByAddress(ctx, "acme", subscriber.KindEmail, strings.ToLower(address))
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.svc.Confirm(ctx, f.page, token(f.t, f.last(sub.Receiver()).Notice.ConfirmURL)); err != nil {
		f.t.Fatal(err)
	}
	return sub
}

// token is the last path element of a link.
func token(t testing.TB, link string) string {
	t.Helper()
	if link == "" {
		t.Fatal("no link")
	}
	return link[strings.LastIndexByte(link, '/')+1:]
}

func TestDoubleOptIn(t *testing.T) {
	f := newFixture(t)
	if err := f.svc.Subscribe(ctx, f.page, " Alice@Example.NET ", []string{"db"}, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	sub, err := f.store.SubscriberByAddress(ctx, "acme", subscriber.KindEmail, "alice@example.net")
	if err != nil || sub.Confirmed() || !slices.Equal(sub.Components, []string{"db"}) {
		t.Fatalf("after subscribing: %+v, %v; want a waiting subscription to db", sub, err)
	}
	m := f.last(sub.Receiver())
	n := m.Notice
	if m.Kind != notify.KindNotice || n.Event != "subscription_confirm" || !strings.HasPrefix(n.ConfirmURL, "https://status.example.org/status/acme/confirm/c") ||
		!strings.HasPrefix(n.UnsubscribeURL, "https://status.example.org/status/acme/unsubscribe/u") || m.Title != "[Acme status] Confirm your subscription" {
		t.Fatalf("confirmation message: %+v %+v", m, n)
	}
	for _, want := range []string{"Confirm my subscription:\n" + n.ConfirmURL, "Components: Database", "Status page: https://status.example.org/status/acme"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, `href="`+n.ConfirmURL+`"`) {
		t.Errorf("HTML lacks the confirm button:\n%s", m.HTML)
	}

	// Nothing is announced before confirmation.
	if count, err := f.svc.Announce(ctx, f.page, []string{"db"}, subscriber.Notice{Key: "k1", Title: "Hello"}); err != nil || count != 0 {
		t.Fatalf("announced to %d before confirmation (%v)", count, err)
	}
	tok := token(t, n.ConfirmURL)
	if _, err := f.svc.CheckConfirm(ctx, f.page, tok); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.store.SubscriberByID(ctx, sub.ID); got.Confirmed() {
		t.Fatal("looking at the confirmation page confirmed the subscription")
	}
	for i := range 2 { // confirming twice is no error
		if got, err := f.svc.Confirm(ctx, f.page, tok); err != nil || !got.Confirmed() {
			t.Fatalf("confirm %d: %+v, %v", i, got, err)
		}
	}
	if count, err := f.svc.Announce(ctx, f.page, []string{"db"}, subscriber.Notice{Key: "k2", Title: "Hello"}); err != nil || count != 1 {
		t.Fatalf("announced to %d after confirmation (%v)", count, err)
	}
	if strings.Contains(f.logs.String(), "alice") {
		t.Fatalf("the logs show the address:\n%s", f.logs.String())
	}
}

// Links are good for their own subscriber, page and purpose, until they expire or the
// subscription ends; anything else is the same "not found".
func TestLinksRejectForgedAndExpiredTokens(t *testing.T) {
	f := newFixture(t)
	if err := f.svc.Subscribe(ctx, f.page, "bob@example.net", nil, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Subscribe(ctx, f.page, "eve@example.net", nil, "192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	bob, _ := f.store.SubscriberByAddress(ctx, "acme", subscriber.KindEmail, "bob@example.net")
	eve, _ := f.store.SubscriberByAddress(ctx, "acme", subscriber.KindEmail, "eve@example.net")
	confirm := token(t, f.last(bob.Receiver()).Notice.ConfirmURL)
	unsubscribe := token(t, f.last(bob.Receiver()).Notice.UnsubscribeURL)
	eveConfirm := token(t, f.last(eve.Receiver()).Notice.ConfirmURL)
	parts := strings.Split(confirm, ".")
	other := &status.Page{Slug: "globex", Title: "Globex", Location: time.UTC, EmailSubscribers: true}
	for name, tok := range map[string]string{
		"empty":               "",
		"garbage":             "hello",
		"bad signature":       parts[0] + "." + parts[1] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"another subscriber":  "c" + fmt.Sprint(eve.ID) + "." + parts[1] + "." + parts[2],
		"later expiry":        parts[0] + "." + fmt.Sprint(f.clock.Now().Add(1000*time.Hour).Unix()) + "." + parts[2],
		"unsubscribe purpose": "u" + parts[0][1:] + "." + parts[1] + "." + parts[2],
		"eve's signature":     parts[0] + "." + parts[1] + "." + strings.Split(eveConfirm, ".")[2],
		"no such subscriber":  "c99999." + parts[1] + "." + parts[2],
	} {
		if _, err := f.svc.Confirm(ctx, f.page, tok); !errs.Is(err, errs.NotFound) {
			t.Errorf("confirm with %s token: %v, want not found", name, err)
		}
	}
	if _, err := f.svc.Confirm(ctx, other, confirm); !errs.Is(err, errs.NotFound) {
		t.Errorf("bob's link on another page: %v", err)
	}
	if _, err := f.svc.Unsubscribe(ctx, f.page, confirm); !errs.Is(err, errs.NotFound) {
		t.Errorf("a confirmation link unsubscribes: %v", err)
	}
	if got, _ := f.store.SubscriberByID(ctx, bob.ID); got.Confirmed() {
		t.Fatal("a forged link confirmed bob")
	}
	// 48 hours on, the link is dead, and so is the waiting subscription.
	f.clock.Advance(subscriber.ConfirmWithin)
	if _, err := f.svc.Confirm(ctx, f.page, confirm); !errs.Is(err, errs.NotFound) || !strings.Contains(errs.MessageOf(err), "48 hours") {
		t.Fatalf("an expired confirmation link: %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.service().RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.SubscriberByID(ctx, bob.ID); !errs.Is(err, errs.NotFound) {
		t.Fatalf("an unconfirmed subscription outlived its link: %v", err)
	}
	if _, err := f.svc.Unsubscribe(ctx, f.page, unsubscribe); !errs.Is(err, errs.NotFound) {
		t.Fatalf("unsubscribing a deleted subscription: %v", err)
	}

	// An unsubscribe link works once, for a year.
	carol := f.subscribe("carol@example.net")
	if _, err := f.svc.Announce(ctx, f.page, []string{"web"}, subscriber.Notice{Key: "n1", Title: "News"}); err != nil {
		t.Fatal(err)
	}
	link := token(t, f.last(carol.Receiver()).Notice.UnsubscribeURL)
	f.clock.Advance(subscriber.UnsubscribeWithin + time.Second)
	if _, err := f.svc.CheckUnsubscribe(ctx, f.page, link); !errs.Is(err, errs.NotFound) {
		t.Fatalf("a year-old unsubscribe link: %v", err)
	}
	f.clock.Advance(-subscriber.UnsubscribeWithin)
	if _, err := f.svc.Unsubscribe(ctx, f.page, link); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Unsubscribe(ctx, f.page, link); !errs.Is(err, errs.NotFound) {
		t.Fatalf("an unsubscribe link used twice: %v", err)
	}
	// A newcomer never inherits the links of someone who left.
	again := f.subscribe("carol@example.net")
	if again.ID == carol.ID {
		t.Fatal("a new subscription took the id of an old one")
	}
	if _, err := f.svc.CheckUnsubscribe(ctx, f.page, link); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the old link works for the new subscription: %v", err)
	}
}

// Whoever asks, the answer is the same: the address's owner alone learns, by mail, that it
// was subscribed already. The mail count per address and the request count per client are
// bounded.
func TestSubscribeRevealsNothingAndIsThrottled(t *testing.T) {
	f := newFixture(t)
	dave := f.subscribe("dave@example.net", "web")
	before := len(f.outbox())
	if err := f.svc.Subscribe(ctx, f.page, "dave@example.net", []string{"db"}, "198.51.100.7"); err != nil {
		t.Fatalf("subscribing a subscribed address: %v, want the same nil as for a new one", err)
	}
	got, _ := f.store.SubscriberByID(ctx, dave.ID)
	if !slices.Equal(got.Components, []string{"web"}) {
		t.Fatalf("a stranger's request changed dave's components to %v", got.Components)
	}
	m := f.last(dave.Receiver())
	if len(f.outbox()) != before+1 || m.Notice.Event != "subscription_active" || m.Notice.ConfirmURL != "" || !strings.Contains(m.Text, "subscribed already") {
		t.Fatalf("dave's note: %+v", m)
	}

	// A waiting request is replaced: the latest link works, the earlier does not.
	if err := f.svc.Subscribe(ctx, f.page, "erin@example.net", nil, "198.51.100.8"); err != nil {
		t.Fatal(err)
	}
	first, _ := f.store.SubscriberByAddress(ctx, "acme", subscriber.KindEmail, "erin@example.net")
	firstLink := token(t, f.last(first.Receiver()).Notice.ConfirmURL)
	if err := f.svc.Subscribe(ctx, f.page, "erin@example.net", []string{"api"}, "198.51.100.8"); err != nil {
		t.Fatal(err)
	}
	second, _ := f.store.SubscriberByAddress(ctx, "acme", subscriber.KindEmail, "erin@example.net")
	if _, err := f.svc.Confirm(ctx, f.page, firstLink); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the replaced link still confirms: %v", err)
	}
	if _, err := f.svc.Confirm(ctx, f.page, token(t, f.last(second.Receiver()).Notice.ConfirmURL)); err != nil {
		t.Fatal(err)
	}

	// A third request within a day still answers nil, but the address gets no fourth mail.
	for range 2 {
		if err := f.svc.Subscribe(ctx, f.page, "erin@example.net", nil, "198.51.100.9"); err != nil {
			t.Fatal(err)
		}
	}
	mails := 0
	for _, n := range f.outbox() {
		if n.Receiver == second.Receiver() || n.Receiver == first.Receiver() {
			mails++
		}
	}
	if mails != 3 {
		t.Fatalf("erin got %d mails about her subscription in a day, want 3", mails)
	}

	// One client may ask ten times an hour.
	ip := "203.0.113.5"
	for i := range 10 {
		if err := f.svc.Subscribe(ctx, f.page, fmt.Sprintf("p%d@example.net", i), nil, ip); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	err := f.svc.Subscribe(ctx, f.page, "p10@example.net", nil, ip)
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.TooManyRequests || e.RetryAfter <= 0 || e.RetryAfter > time.Hour {
		t.Fatalf("the eleventh request: %v", err)
	}
	f.clock.Advance(time.Hour)
	if err := f.svc.Subscribe(ctx, f.page, "p10@example.net", nil, ip); err != nil {
		t.Fatalf("an hour later: %v", err)
	}

	for _, bad := range []struct{ address, want string }{
		{"", "e-mail address"}, {"Bob <bob@example.net>", "e-mail address"}, {"bob@localhost", "full domain"},
		{"a@b.c, d@e.f", "e-mail address"}, {strings.Repeat("x", 250) + "@example.net", "e-mail address"},
	} {
		if err := f.svc.Subscribe(ctx, f.page, bad.address, nil, "192.0.2.99"); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.MessageOf(err), bad.want) {
			t.Errorf("address %q: %v, want invalid about %q", bad.address, err, bad.want)
		}
	}
	if err := f.svc.Subscribe(ctx, f.page, "zed@example.net", []string{"dns"}, "192.0.2.99"); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.MessageOf(err), `no component "dns"`) {
		t.Errorf("unknown component: %v", err)
	}
	quiet := *f.page
	quiet.EmailSubscribers = false
	if err := f.svc.Subscribe(ctx, &quiet, "zed@example.net", nil, "192.0.2.99"); !errs.Is(err, errs.NotFound) {
		t.Errorf("a page without a sender: %v", err)
	}
}

func TestAnnounceReachesWhoFollowsAndOnlyOnce(t *testing.T) {
	f := newFixture(t)
	all := f.subscribe("all@example.net")
	db := f.subscribe("db@example.net", "db")
	f.subscribe("web@example.net", "web", "api")
	hook, err := f.svc.AddWebhook(ctx, f.page, "https://hooks.example.net/status", "", []string{"db"}, "alice")
	if err != nil || len(hook.Secret) < 32 || !hook.Confirmed() {
		t.Fatalf("AddWebhook = %+v, %v", hook, err)
	}
	n := subscriber.Notice{Key: "incident/4/update/1", Event: "incident_update", Thread: "incident/4", Title: "Database slow",
		Body: "We are looking into it.\n\nNext words.", Moments: []subscriber.Moment{{Label: "Next update", At: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}}}
	for range 2 {
		count, err := f.svc.Announce(ctx, f.page, []string{"db"}, n)
		if err != nil || count != 3 {
			t.Fatalf("announced to %d (%v), want all, db and the webhook", count, err)
		}
	}
	var got []string
	for _, o := range f.outbox() {
		if o.Message.Notice.Event == "incident_update" {
			got = append(got, o.Receiver)
		}
	}
	if want := []string{all.Receiver(), db.Receiver(), hook.Receiver()}; !slices.Equal(got, want) {
		t.Fatalf("incident update went to %v, want %v once each (web follows web and api)", got, want)
	}
	m := f.last(db.Receiver())
	for _, want := range []string{"Database slow\n", "Affects: Database", "Next update: Mon 23 Nov 2026 13:00 CET (Europe/Paris)",
		"We are looking into it.\n\nNext words.", "You get this message because you subscribed to news of Acme status (Database).",
		"Unsubscribe: https://status.example.org/status/acme/unsubscribe/u"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("db's text lacks %q:\n%s", want, m.Text)
		}
	}
	w := f.last(hook.Receiver())
	if w.HTML != "" || w.Notice.UnsubscribeURL != "" || !strings.Contains(w.Text, "an administrator of Acme status subscribed it") || w.Notice.Components[0] != "Database" {
		t.Fatalf("the webhook's message: %+v %+v", w, w.Notice)
	}
	// Messages of one thread are one conversation, whatever the subscriber.
	if m.GroupKey != w.GroupKey || m.GroupKey == "" {
		t.Fatalf("group keys %q and %q", m.GroupKey, w.GroupKey)
	}
}

func TestRecipient(t *testing.T) {
	f := newFixture(t)
	sub := f.subscribe("frank@example.net")
	if got, err := f.svc.Recipient(ctx, "ops"); got != nil || err != nil {
		t.Fatalf("a configured receiver's name: %+v, %v", got, err)
	}
	if got, err := f.svc.Recipient(ctx, sub.Receiver()); err != nil || got.Address != "frank@example.net" {
		t.Fatalf("Recipient = %+v, %v", got, err)
	}
	for _, name := range []string{"subscriber:x", "subscriber:99999"} {
		if _, err := f.svc.Recipient(ctx, name); !errors.Is(err, notify.ErrGone) {
			t.Errorf("%s: %v, want gone", name, err)
		}
	}
	if _, err := f.svc.Remove(ctx, sub.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Recipient(ctx, sub.Receiver()); !errors.Is(err, notify.ErrGone) || strings.Contains(err.Error(), "frank") {
		t.Fatalf("a removed subscriber: %v", err)
	}
}

// No made-up token opens a subscription, whatever its shape; the real ones still do.
func FuzzLinkTokens(f *testing.F) {
	fx := newFixture(f)
	if err := fx.svc.Subscribe(ctx, fx.page, "fuzz@example.net", nil, "192.0.2.1"); err != nil {
		f.Fatal(err)
	}
	sub, _ := fx.store.SubscriberByAddress(ctx, "acme", subscriber.KindEmail, "fuzz@example.net")
	m := fx.last(sub.Receiver())
	confirm, unsubscribe := m.Notice.ConfirmURL, m.Notice.UnsubscribeURL
	real := map[string]bool{confirm[strings.LastIndexByte(confirm, '/')+1:]: true, unsubscribe[strings.LastIndexByte(unsubscribe, '/')+1:]: true}
	for tok := range real {
		f.Add(tok)
		f.Add(tok[:len(tok)-1] + "A")
	}
	f.Add("c1.9999999999.")
	f.Add("u-1.0.x")
	f.Add("c1..")
	f.Fuzz(func(t *testing.T, tok string) {
		for _, check := range []func() (*subscriber.Subscriber, error){
			func() (*subscriber.Subscriber, error) { return fx.svc.CheckConfirm(ctx, fx.page, tok) },
			func() (*subscriber.Subscriber, error) { return fx.svc.CheckUnsubscribe(ctx, fx.page, tok) },
		} {
			got, err := check()
			if err == nil && !real[tok] {
				t.Fatalf("token %q opened subscription %+v", tok, got)
			}
			if err != nil && !errs.Is(err, errs.NotFound) {
				t.Fatalf("token %q: %v, want not found", tok, err)
			}
		}
	})
}
