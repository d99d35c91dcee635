// Package notifytest holds what the provider tests share: a receiver on loopback that records
// every request and answers from a script, sample messages, and the checks every provider must
// pass (error classes, secrets kept out of errors). It is imported by tests only.
package notifytest

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"vigie/internal/notify"
)

// Request is one request the Server received.
type Request struct {
	Method      string
	Path        string // decoded
	EscapedPath string // as sent on the wire
	Query       string
	Header      http.Header
	Body        []byte
}

// JSON decodes the body into a generic map, so tests check keys and values the receiver sees.
func (r Request) JSON(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("request body is not a JSON object: %v\n%s", err, r.Body)
	}
	return v
}

// Response is one scripted answer.
type Response struct {
	Status int // 200 when zero
	Header map[string]string
	Body   string
}

// Server is a real HTTP server on loopback standing in for a receiver. It answers with its
// script in order and repeats the last answer once the script is used up; with no script it
// answers 200 with an empty body.
type Server struct {
	URL string

	srv      *httptest.Server
	mu       sync.Mutex
	script   []Response
	requests []Request
}

// NewServer starts a Server answering with script; it stops when the test ends.
func NewServer(t testing.TB, script ...Response) *Server {
	t.Helper()
	s := &Server{script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Answer replaces the script.
func (s *Server) Answer(script ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = script
}

// Requests returns what the server received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Last returns the latest request, failing the test when there is none.
func (s *Server) Last(t testing.TB) Request {
	t.Helper()
	reqs := s.Requests()
	if len(reqs) == 0 {
		t.Fatal("the receiver got no request")
	}
	return reqs[len(reqs)-1]
}

// Close stops the server, so its URL refuses connections.
func (s *Server) Close() { s.srv.Close() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method:      r.Method,
		Path:        r.URL.Path,
		EscapedPath: r.URL.EscapedPath(),
		Query:       r.URL.RawQuery,
		Header:      r.Header.Clone(),
		Body:        body,
	})
	var resp Response
	if len(s.script) > 0 {
		resp = s.script[0]
		if len(s.script) > 1 {
			s.script = s.script[1:]
		}
	}
	s.mu.Unlock()
	for k, v := range resp.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(cmp.Or(resp.Status, http.StatusOK))
	io.WriteString(w, resp.Body)
}

// T0 is when the sample alerts started.
var T0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// AckURL is the sample messages' acknowledgement link.
const AckURL = "https://vigie.example/ack/g-web?sig=c2lnbmVk"

// Firing is a critical firing message about two alerts, with an acknowledgement link. Its
// second alert's reason holds markup and a mass mention, which no provider may interpret.
func Firing() notify.Message {
	return notify.Message{
		Key:      "n-firing-1",
		GroupKey: "g-web",
		Kind:     notify.KindFiring,
		Severity: notify.SeverityCritical,
		Title:    "[DOWN] website, api — 2 alerts",
		Text: "website is down: status == 200 (got 503)\n" +
			"api is down: body contains \"<ok>\" & @everyone",
		Alerts: []notify.Alert{
			{
				Monitor:   "website",
				State:     "down",
				Reason:    "status == 200 (got 503)",
				Labels:    map[string]string{"env": "prod", "team": "web"},
				StartedAt: T0,
				URL:       "https://vigie.example/monitors/website",
			},
			{
				Monitor:   "api",
				State:     "down",
				Reason:    "body contains \"<ok>\" & @everyone",
				Labels:    map[string]string{"tenant": "acme"},
				StartedAt: T0.Add(time.Minute),
				URL:       "https://vigie.example/monitors/api",
			},
		},
		AckURL: AckURL,
		SentAt: T0.Add(5 * time.Minute),
	}
}

// Resolved is the message that closes Firing's group.
func Resolved() notify.Message {
	m := Firing()
	m.Key = "n-resolved-1"
	m.Kind = notify.KindResolved
	m.Title = "[RESOLVED] website, api — 2 alerts"
	m.Text = "website is up after 42 min\napi is up after 41 min"
	m.AckURL = ""
	m.SentAt = T0.Add(42 * time.Minute)
	for i := range m.Alerts {
		m.Alerts[i].State = "up"
		m.Alerts[i].Reason = ""
		m.Alerts[i].EndedAt = m.SentAt
	}
	return m
}

// AssertAbsent fails the test when s contains any of the secrets.
func AssertAbsent(t testing.TB, what, s string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if secret == "" {
			t.Fatal("AssertAbsent: empty secret")
		}
		if strings.Contains(s, secret) {
			t.Errorf("%s contains the secret %q:\n%s", what, secret, s)
		}
	}
}

// CheckErrors sends Firing through notifiers aimed at receivers that refuse (400), fail
// (500, 503), throttle (429 with Retry-After: 7) and do not listen at all, and checks that
// each error has the class notify.Notifier promises and shows none of the secrets.
// newNotifier builds a notifier whose receiver lives at base (a URL without a path).
func CheckErrors(t *testing.T, newNotifier func(t *testing.T, base string) notify.Notifier, secrets ...string) {
	t.Helper()
	cases := []struct {
		name   string
		answer Response
		check  func(t *testing.T, err error)
	}{
		{"refused", Response{Status: 400, Body: `{"error":"invalid payload"}`}, func(t *testing.T, err error) {
			if !notify.IsPermanent(err) {
				t.Errorf("a 400 answer gave %v, want a *notify.PermanentError", err)
			}
		}},
		{"server error", Response{Status: 500, Body: "boom"}, retryable},
		{"unavailable", Response{Status: 503, Body: "maintenance"}, retryable},
		{"throttled", Response{Status: 429, Header: map[string]string{"Retry-After": "7"}, Body: `{"error":"slow down"}`},
			func(t *testing.T, err error) {
				ra, ok := errors.AsType[*notify.RetryAfterError](err)
				if !ok {
					t.Fatalf("a 429 answer with Retry-After: 7 gave %v, want a *notify.RetryAfterError", err)
				}
				if ra.After != 7*time.Second {
					t.Errorf("retry after %s, want 7s", ra.After)
				}
				if notify.IsPermanent(err) {
					t.Errorf("a 429 answer is permanent: %v", err)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := NewServer(t, c.answer)
			err := newNotifier(t, srv.URL).Notify(t.Context(), Firing())
			if err == nil {
				t.Fatalf("no error from a %d answer", c.answer.Status)
			}
			c.check(t, err)
			AssertAbsent(t, "the error", err.Error(), secrets...)
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		srv := NewServer(t)
		srv.Close()
		err := newNotifier(t, srv.URL).Notify(t.Context(), Firing())
		retryable(t, err)
		AssertAbsent(t, "the error", err.Error(), secrets...)
	})
}

func retryable(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if notify.IsPermanent(err) {
		t.Errorf("got a permanent error, want a retryable one: %v", err)
	}
	if _, ok := errors.AsType[*notify.RetryAfterError](err); ok {
		t.Errorf("got a *notify.RetryAfterError without Retry-After: %v", err)
	}
}

// CheckOptions checks that each set of invalid options gives exactly the documented error.
func CheckOptions[O any](t *testing.T, newNotifier func(O) error, cases map[string]OptionsCase[O]) {
	t.Helper()
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := newNotifier(c.Options)
			switch {
			case c.Want == "" && err != nil:
				t.Errorf("got %q, want no error", err)
			case c.Want != "" && err == nil:
				t.Errorf("no error, want %q", c.Want)
			case c.Want != "" && err.Error() != c.Want:
				t.Errorf("got error\n%s\nwant\n%s", err, c.Want)
			}
		})
	}
}

// OptionsCase is one row of CheckOptions: options and the exact error New gives ("" for none).
type OptionsCase[O any] struct {
	Options O
	Want    string
}

// Get walks a decoded JSON document along keys (object keys, or decimal indexes into arrays)
// and fails the test when the path does not exist.
func Get(t testing.TB, doc any, path ...any) any {
	t.Helper()
	cur := doc
	for i, step := range path {
		switch k := step.(type) {
		case string:
			obj, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %v", path, path[:i])
			}
			v, ok := obj[k]
			if !ok {
				t.Fatalf("%v: no key %q at %v (keys: %v)", path, k, path[:i], keys(obj))
			}
			cur = v
		case int:
			arr, ok := cur.([]any)
			if !ok || k >= len(arr) {
				t.Fatalf("%v: no element %d at %v", path, k, path[:i])
			}
			cur = arr[k]
		default:
			t.Fatalf("Get: path step %v is neither string nor int", step)
		}
	}
	return cur
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// Equal fails the test when the value at path is not want (compared as decoded JSON:
// numbers are float64).
func Equal(t testing.TB, doc any, want any, path ...any) {
	t.Helper()
	got := Get(t, doc, path...)
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("%v = %s, want %s", path, gj, wj)
	}
}

// Absent fails the test when the object at path has key.
func Absent(t testing.TB, doc any, key string, path ...any) {
	t.Helper()
	obj, ok := Get(t, doc, path...).(map[string]any)
	if !ok {
		t.Fatalf("%v is not an object", path)
	}
	if v, ok := obj[key]; ok {
		t.Errorf("%v has %q = %v, want it absent", path, key, v)
	}
}
