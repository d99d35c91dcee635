package storetest

import (
	"testing"
	"time"

	"vigie/internal/errs"
	"vigie/internal/subscriber"
)

func testSubscribers(t *testing.T, db DB) {
	s := db.Store
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	alice := &subscriber.Subscriber{Page: "acme", Kind: subscriber.KindEmail, Address: "alice@example.net", Nonce: "n1",
		CreatedBy: subscriber.Public, CreatedAt: at}
	bob := &subscriber.Subscriber{Page: "acme", Kind: subscriber.KindEmail, Address: "bob_100%@example.net", Components: []string{"db", "web"},
		Nonce: "n2", CreatedBy: subscriber.Public, CreatedAt: at.Add(-72 * time.Hour)}
	hook := &subscriber.Subscriber{Page: "acme", Kind: subscriber.KindWebhook, Address: "https://hooks.example.net/x", Secret: "s3cret-s3cret-s3cret",
		Nonce: "n3", CreatedBy: "carol", CreatedAt: at, ConfirmedAt: at}
	other := &subscriber.Subscriber{Page: "globex", Kind: subscriber.KindEmail, Address: "alice@example.net", Nonce: "n4",
		CreatedBy: subscriber.Public, CreatedAt: at}
	for _, sub := range []*subscriber.Subscriber{alice, bob, hook, other} {
		if err := s.CreateSubscriber(ctx, sub); err != nil || sub.ID == 0 {
			t.Fatalf("create %s: %v", sub.Address, err)
		}
	}
	dup := *alice
	wantCode(t, s.CreateSubscriber(ctx, &dup), errs.Conflict)

	got, err := s.SubscriberByAddress(ctx, "acme", subscriber.KindEmail, "bob_100%@example.net")
	if err != nil || got.ID != bob.ID || len(got.Components) != 2 || got.Components[1] != "web" || got.Confirmed() || !got.CreatedAt.Equal(bob.CreatedAt) {
		t.Fatalf("SubscriberByAddress = %+v, %v", got, err)
	}
	got, err = s.SubscriberByID(ctx, hook.ID)
	if err != nil || got.Secret != hook.Secret || got.Kind != subscriber.KindWebhook || !got.ConfirmedAt.Equal(at) || got.Components != nil || got.CreatedBy != "carol" {
		t.Fatalf("SubscriberByID = %+v, %v", got, err)
	}
	_, err = s.SubscriberByAddress(ctx, "acme", subscriber.KindWebhook, "alice@example.net")
	wantCode(t, err, errs.NotFound)

	list := func(q subscriber.Query) []int64 {
		t.Helper()
		subs, err := s.Subscribers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, sub := range subs {
			ids = append(ids, sub.ID)
		}
		return ids
	}
	same := func(got []int64, want ...int64) bool {
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if got[i] != want[i] {
				return false
			}
		}
		return true
	}
	if ids := list(subscriber.Query{Page: "acme"}); !same(ids, alice.ID, bob.ID, hook.ID) {
		t.Errorf("page acme: %v", ids)
	}
	// A search is a plain substring, any case: % and _ match only themselves.
	if ids := list(subscriber.Query{Search: "ALICE"}); !same(ids, alice.ID, other.ID) {
		t.Errorf("search alice: %v", ids)
	}
	if ids := list(subscriber.Query{Search: "_100%"}); !same(ids, bob.ID) {
		t.Errorf("search _100%%: %v", ids)
	}
	if ids := list(subscriber.Query{Search: "b%b"}); len(ids) != 0 {
		t.Errorf("search b%%b matched %v: %% must not be a wildcard", ids)
	}
	if ids := list(subscriber.Query{Page: "acme", ConfirmedOnly: true}); !same(ids, hook.ID) {
		t.Errorf("confirmed on acme: %v", ids)
	}
	if ids := list(subscriber.Query{Limit: 2}); !same(ids, alice.ID, bob.ID) {
		t.Errorf("limit 2: %v", ids)
	}

	if err := s.ConfirmSubscriber(ctx, alice.ID, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.ConfirmSubscriber(ctx, 999999, at), errs.NotFound)
	// Unconfirmed and older than the cut: bob goes; alice is confirmed and stays.
	if n, err := s.DeleteUnconfirmedSubscribers(ctx, at.Add(-48*time.Hour)); err != nil || n != 1 {
		t.Fatalf("DeleteUnconfirmedSubscribers = %d, %v; want bob only", n, err)
	}
	if ids := list(subscriber.Query{Page: "acme"}); !same(ids, alice.ID, hook.ID) {
		t.Errorf("after expiry: %v", ids)
	}
	if err := s.DeleteSubscriber(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteSubscriber(ctx, alice.ID), errs.NotFound)
	// Ids are never given again: the outbox names subscribers by id.
	again := &subscriber.Subscriber{Page: "acme", Kind: subscriber.KindEmail, Address: "dave@example.net", Nonce: "n5", CreatedBy: subscriber.Public, CreatedAt: at}
	if err := s.CreateSubscriber(ctx, again); err != nil || again.ID <= other.ID {
		t.Fatalf("a new subscriber got id %d after %d: %v", again.ID, other.ID, err)
	}

	// Notices: recorded once per key, listed by prefix with _ and % taken literally.
	for i, n := range []subscriber.SentNotice{
		{Key: "maintenance/7/scheduled", Event: "maintenance_scheduled", At: at, Recipients: 3},
		{Key: "maintenance/7/20261129T010000Z/started", Event: "maintenance_started", At: at.Add(time.Hour), Recipients: 2},
		{Key: "maintenance/70/scheduled", Event: "maintenance_scheduled", At: at, Recipients: 1},
	} {
		if stored, err := s.RecordNotice(ctx, n); err != nil || !stored {
			t.Fatalf("record notice %d: %v, %v", i, stored, err)
		}
	}
	if stored, err := s.RecordNotice(ctx, subscriber.SentNotice{Key: "maintenance/7/scheduled", Event: "x", At: at, Recipients: 9}); err != nil || stored {
		t.Fatalf("recording a key twice: stored %v, %v", stored, err)
	}
	if sent, err := s.NoticeSent(ctx, "maintenance/7/scheduled"); err != nil || !sent {
		t.Fatalf("NoticeSent = %v, %v", sent, err)
	}
	if sent, err := s.NoticeSent(ctx, "maintenance/7/cancelled"); err != nil || sent {
		t.Fatalf("NoticeSent of an unsent key = %v, %v", sent, err)
	}
	ns, err := s.SentNotices(ctx, "maintenance/7/")
	if err != nil || len(ns) != 2 || ns[0].Recipients != 3 || ns[1].Event != "maintenance_started" || !ns[1].At.Equal(at.Add(time.Hour)) {
		t.Fatalf("SentNotices = %+v, %v", ns, err)
	}
}
