package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestNotifyTest(t *testing.T) {
	var calls atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("X-Vigie-Signature") == "" {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer hook.Close()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such hook", http.StatusNotFound)
	}))
	defer refusing.Close()
	cfg := writeConfig(t, t.TempDir(), fmt.Sprintf(`receivers:
  - name: ops
    type: webhook
    webhook: {url: %q, secret: s3cret-hook-key}
  - name: broken
    type: webhook
    webhook: {url: %q}
`, hook.URL, refusing.URL))
	if r := vigie(t, "", "--config", cfg, "notify", "test", "ops"); r.code != 0 || !strings.Contains(r.stdout, "ops: delivered") || calls.Load() != 1 {
		t.Fatalf("notify test ops: %+v (calls %d)", r, calls.Load())
	}
	r := vigie(t, "", "--config", cfg, "notify", "test", "broken")
	if r.code != 1 || !strings.Contains(r.stderr, "not delivered") || !strings.Contains(r.stderr, "404") {
		t.Fatalf("notify test broken: %+v", r)
	}
	if r := vigie(t, "", "--config", cfg, "notify", "test", "nobody"); r.code != 2 {
		t.Fatalf("unknown receiver: %+v", r)
	}
	if strings.Contains(r.stderr+r.stdout, "s3cret-hook-key") {
		t.Fatal("the webhook secret was printed")
	}
}
