// Package webhook posts vigie's messages as JSON to any HTTP endpoint, signed the way Stripe
// signs its webhooks (https://docs.stripe.com/webhooks#verify-manually), so the receiver can
// tell a request comes from vigie and is not a replay.
//
// Each notification is a POST with Content-Type application/json. The body is the
// notify.Message in its JSON form with "version": "1" added:
//
//	{"version":"1","key":"…","group_key":"…","kind":"firing","severity":"critical",
//	 "title":"…","text":"…","alerts":[{"monitor":"…","state":"down",…}],"ack_url":"…","sent_at":"…"}
//
// and the headers are:
//
//	Idempotency-Key: <key>             the same on every retry of one notification
//	X-Vigie-Timestamp: <unix seconds>  when this attempt was sent
//	X-Vigie-Signature: sha256=<hex>    only when a secret is configured
//
// To verify a request, the receiver:
//
//  1. reads the raw body bytes, before decoding any JSON;
//  2. computes HMAC-SHA256, keyed with the shared secret, over the X-Vigie-Timestamp value
//     exactly as sent, a ".", and the raw body: HMAC(secret, timestamp + "." + body);
//  3. hex-encodes it and compares it with the hex after "sha256=" in constant time
//     (Go: hmac.Equal; Python: hmac.compare_digest);
//  4. rejects a timestamp more than five minutes away from its own clock, which stops replays;
//  5. skips a request whose Idempotency-Key it has already handled: delivery is at least once.
//
// Any 2xx answer is success; see notify.PostJSON for how other answers are classified.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie/internal/notify"
)

// Version is the body's "version": it changes only when the body changes incompatibly.
const Version = "1"

// Options configure a webhook receiver.
type Options struct {
	URL     string
	Secret  string            // signs each request; optional
	Headers map[string]string // sent with every request (an Authorization header, say)
}

// Notifier posts messages to one webhook.
type Notifier struct {
	o      Options
	client *http.Client
}

// vigieHeaders are set by vigie and cannot be overridden, lest a receiver verify the wrong thing.
var vigieHeaders = []string{"Content-Type", "Content-Length", "Host", "Idempotency-Key", "X-Vigie-Signature", "X-Vigie-Timestamp"}

// New checks o and returns a Notifier; a nil client means one with a 10 s timeout.
func New(o Options, client *http.Client) (*Notifier, error) {
	var problems []error
	err := notify.CheckURL("webhook", "url", o.URL)
	if err != nil {
		problems = append(problems, err)
	}
	for _, name := range slices.Sorted(maps.Keys(o.Headers)) {
		switch {
		case !validName(name):
			problems = append(problems, fmt.Errorf("webhook: headers: %q is not a valid header name", name))
		case slices.Contains(vigieHeaders, http.CanonicalHeaderKey(name)):
			problems = append(problems, fmt.Errorf("webhook: headers: %s is set by vigie", http.CanonicalHeaderKey(name)))
		case strings.ContainsAny(o.Headers[name], "\r\n\x00"):
			problems = append(problems, fmt.Errorf("webhook: headers: the value of %s has a line break", name))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	client = notify.ClientOrDefault(client)
	return &Notifier{o: o, client: client}, nil
}

// Notify posts m, signed when a secret is configured.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) error {
	body, err := json.Marshal(struct {
		Version string `json:"version"`
		notify.Message
	}{Version, m})
	if err != nil {
		return &notify.PermanentError{Err: fmt.Errorf("webhook: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.o.URL, bytes.NewReader(body))
	if err != nil {
		return &notify.PermanentError{Err: errors.New("webhook: cannot build the request")}
	}
	req.Header.Set("User-Agent", notify.UserAgent)
	for k, v := range n.o.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	if m.Key != "" {
		req.Header.Set("Idempotency-Key", m.Key)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("X-Vigie-Timestamp", ts)
	if n.o.Secret != "" {
		req.Header.Set("X-Vigie-Signature", "sha256="+Sign(n.o.Secret, ts, body))
	}
	return notify.Do(n.client, req)
}

// Sign is the hex HMAC-SHA256 of timestamp + "." + body keyed with secret: what
// X-Vigie-Signature carries after "sha256=".
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// checkURL never quotes the URL: its path or query may be the receiver's credential.

func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if c > 0x7e || c <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}
