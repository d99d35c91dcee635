package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vigie/internal/auth"
)

func TestAlertReachesAWebhookAndTheLinkAcknowledges(t *testing.T) {
	var healthy atomic.Bool
	healthy.Store(true)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer target.Close()
	var mu sync.Mutex
	var got []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer hook.Close()
	messages := func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return append([]map[string]any(nil), got...)
	}

	config := fmt.Sprintf(`storage:
  path: vigie.db
monitors:
  - name: shop
    type: http
    url: %s/
    interval: 1s
    timeout: 500ms
    failure_threshold: 1
    success_threshold: 1
    labels: {team: web}
receivers:
  - name: ops-hook
    type: webhook
    webhook:
      url: %s/hook
      secret: hook-signing-secret
routes:
  - match: {team: web}
    receivers: [ops-hook]
    group_wait: 0s
`, target.URL, hook.URL)
	a, logs := start(t, t.TempDir(), config)
	base := "http://" + a.Addr().String()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not in time; messages %v", what, messages())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	healthy.Store(false)
	waitFor("firing message", func() bool { return len(messages()) >= 1 })
	firing := messages()[0]
	if firing["kind"] != "firing" || !strings.HasPrefix(firing["title"].(string), "[DOWN] shop") {
		t.Fatalf("firing message %v", firing)
	}
	ackURL, _ := firing["ack_url"].(string)
	u, err := url.Parse(ackURL)
	if err != nil || !strings.HasPrefix(u.Path, "/ack/") {
		t.Fatalf("ack url %q", ackURL)
	}
	// Following the link shows a page; only the button acknowledges.
	r, err := http.Get(base + u.Path)
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("GET ack link: %v %v", r, err)
	}
	read, _, _ := a.Auth().CreateToken(context.Background(), "ro", auth.ScopeRead, "test")
	alerts := func() []map[string]any {
		_, body := get(t, http.DefaultClient, base+"/api/v1/alerts", read)
		var out struct{ Alerts []map[string]any }
		json.Unmarshal([]byte(body), &out)
		return out.Alerts
	}
	if as := alerts(); len(as) != 1 || as[0]["acked_at"] != nil {
		t.Fatalf("after GET the alert is %v, want open and not acknowledged", as)
	}
	r, err = http.Post(base+u.Path, "application/x-www-form-urlencoded", nil)
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("POST ack link: %v %v", r, err)
	}
	body, _ := io.ReadAll(r.Body)
	if !strings.Contains(string(body), "Acknowledged") {
		t.Fatalf("ack page: %s", body)
	}
	if as := alerts(); as[0]["acked_at"] == nil {
		t.Fatalf("the link did not acknowledge: %v", as)
	}
	if r, _ := http.Post(base+"/ack/1.forged", "text/plain", nil); r.StatusCode != 404 {
		t.Fatalf("forged link: %d", r.StatusCode)
	}

	healthy.Store(true)
	waitFor("resolved message", func() bool {
		ms := messages()
		return len(ms) >= 2 && ms[len(ms)-1]["kind"] == "resolved"
	})
	for _, secret := range []string{"hook-signing-secret", u.Path[len("/ack/"):]} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("a secret reached the logs: %q", secret)
		}
	}
}
