package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigie/internal/notify"
	"vigie/internal/notify/notifytest"
	"vigie/internal/notify/webhook"
)

const (
	secret      = "whsec-9f8e7d6c5b4a"
	headerToken = "Bearer hdr-token-1234"
	pathToken   = "path-token-5678"
)

func newNotifier(t *testing.T, base string, secret string) *webhook.Notifier {
	t.Helper()
	n, err := webhook.New(webhook.Options{
		URL:     base + "/hooks/" + pathToken,
		Secret:  secret,
		Headers: map[string]string{"Authorization": headerToken},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// verify follows the package documentation's recipe, written out independently of Sign.
func verify(t *testing.T, req notifytest.Request, secret string) {
	t.Helper()
	ts := req.Header.Get("X-Vigie-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("X-Vigie-Timestamp %q: %v", ts, err)
	}
	if d := time.Since(time.Unix(sec, 0)); d < -5*time.Minute || d > 5*time.Minute {
		t.Errorf("X-Vigie-Timestamp is %s away from now", d)
	}
	sig, ok := strings.CutPrefix(req.Header.Get("X-Vigie-Signature"), "sha256=")
	if !ok {
		t.Fatalf("X-Vigie-Signature = %q, want sha256=<hex>", req.Header.Get("X-Vigie-Signature"))
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		t.Fatalf("signature is not hex: %v", err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(req.Body)))
	if !hmac.Equal(got, mac.Sum(nil)) {
		t.Error("the signature does not verify")
	}
	// A replayed body under a fresh timestamp must not verify.
	mac = hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(sec+1, 10) + "." + string(req.Body)))
	if hmac.Equal(got, mac.Sum(nil)) {
		t.Error("the signature does not cover the timestamp")
	}
}

func TestFiringAndResolved(t *testing.T) {
	srv := notifytest.NewServer(t)
	n := newNotifier(t, srv.URL, secret)
	for _, m := range []notify.Message{notifytest.Firing(), notifytest.Resolved()} {
		t.Run(string(m.Kind), func(t *testing.T) {
			if err := n.Notify(t.Context(), m); err != nil {
				t.Fatal(err)
			}
			req := srv.Last(t)
			if req.Method != http.MethodPost || req.Path != "/hooks/"+pathToken {
				t.Errorf("got %s %s", req.Method, req.Path)
			}
			for k, want := range map[string]string{
				"Content-Type":    "application/json",
				"Idempotency-Key": m.Key,
				"Authorization":   headerToken,
				"User-Agent":      notify.UserAgent,
			} {
				if got := req.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			verify(t, req, secret)

			doc := req.JSON(t)
			notifytest.Equal(t, doc, "1", "version")
			notifytest.Equal(t, doc, string(m.Kind), "kind")
			notifytest.Equal(t, doc, m.GroupKey, "group_key")
			notifytest.Equal(t, doc, "website", "alerts", 0, "monitor")
			notifytest.Equal(t, doc, "acme", "alerts", 1, "labels", "tenant")
			if m.Kind == notify.KindResolved {
				notifytest.Absent(t, doc, "ack_url")
				notifytest.Equal(t, doc, m.SentAt.Format(time.RFC3339), "alerts", 0, "ended_at")
			} else {
				notifytest.Equal(t, doc, notifytest.AckURL, "ack_url")
				notifytest.Absent(t, doc, "ended_at", "alerts", 0)
			}
			var back notify.Message
			if err := json.Unmarshal(req.Body, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, m) {
				t.Errorf("the body decodes to\n%+v\nwant\n%+v", back, m)
			}
			notifytest.AssertAbsent(t, "the body", string(req.Body), secret, headerToken, pathToken)
		})
	}
}

func TestUnsignedWithoutSecret(t *testing.T) {
	srv := notifytest.NewServer(t)
	if err := newNotifier(t, srv.URL, "").Notify(t.Context(), notifytest.Firing()); err != nil {
		t.Fatal(err)
	}
	req := srv.Last(t)
	if s := req.Header.Get("X-Vigie-Signature"); s != "" {
		t.Errorf("X-Vigie-Signature = %q without a secret", s)
	}
	if req.Header.Get("X-Vigie-Timestamp") == "" {
		t.Error("no X-Vigie-Timestamp")
	}
}

func TestSignMatchesRecipe(t *testing.T) {
	mac := hmac.New(sha256.New, []byte("k"))
	mac.Write([]byte(`1700000000.{"a":1}`))
	if got, want := webhook.Sign("k", "1700000000", []byte(`{"a":1}`)), hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestErrors(t *testing.T) {
	notifytest.CheckErrors(t, func(t *testing.T, base string) notify.Notifier {
		return newNotifier(t, base, secret)
	}, secret, headerToken, pathToken)
}

func TestOptions(t *testing.T) {
	notifytest.CheckOptions(t, func(o webhook.Options) error {
		_, err := webhook.New(o, nil)
		return err
	}, map[string]notifytest.OptionsCase[webhook.Options]{
		"minimal":       {Options: webhook.Options{URL: "https://hooks.example/x"}},
		"no url":        {Options: webhook.Options{}, Want: "webhook: url is required"},
		"ftp url":       {Options: webhook.Options{URL: "ftp://hooks.example/x"}, Want: "webhook: url must be an http or https URL"},
		"relative url":  {Options: webhook.Options{URL: "/hooks/" + pathToken}, Want: "webhook: url must be an http or https URL"},
		"bad name":      {Options: webhook.Options{URL: "http://127.0.0.1/", Headers: map[string]string{"X Token": "v"}}, Want: `webhook: headers: "X Token" is not a valid header name`},
		"reserved name": {Options: webhook.Options{URL: "http://127.0.0.1/", Headers: map[string]string{"x-vigie-signature": "v"}}, Want: "webhook: headers: X-Vigie-Signature is set by vigie"},
		"line break": {Options: webhook.Options{URL: "http://127.0.0.1/", Headers: map[string]string{"X-Token": "a\r\nEvil: 1"}},
			Want: "webhook: headers: the value of X-Token has a line break"},
		"all problems at once": {Options: webhook.Options{Headers: map[string]string{"Content-Type": "text/plain", "X-Ok": "1"}},
			Want: "webhook: url is required\nwebhook: headers: Content-Type is set by vigie"},
	})
}
