package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vigie/internal/auth"
)

func TestMonitorsEndToEnd(t *testing.T) {
	var healthy atomic.Bool
	healthy.Store(true)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"db": "up"}`)
	}))
	defer target.Close()

	const token = "BackupHeartbeat-0123456789abcdef"
	config := fmt.Sprintf(`storage:
  path: vigie.db
monitors:
  - name: api
    type: http
    url: %s/health
    interval: 1s
    timeout: 500ms
    failure_threshold: 1
    conditions: ['json("$.db") == "up"']
  - name: backup
    type: heartbeat
    heartbeat:
      token: %s
      period: 1h
`, target.URL, token)
	a, logs := start(t, t.TempDir(), config)
	base := "http://" + a.Addr().String()
	read, _, err := a.Auth().CreateToken(context.Background(), "ro", auth.ScopeRead, "test")
	if err != nil {
		t.Fatal(err)
	}

	// The heartbeat is pinged the way a cron job does it.
	r, err := http.Post(base+"/ping/"+token, "text/plain", strings.NewReader("0"))
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("ping: %v %v", r, err)
	}
	if r, _ := http.Post(base+"/ping/not-the-token-at-all", "text/plain", nil); r.StatusCode != 404 {
		t.Fatalf("ping with a wrong token: %d", r.StatusCode)
	}

	state := func(name string) string {
		_, body := get(t, http.DefaultClient, base+"/api/v1/monitors", read)
		var out struct {
			Monitors []struct {
				Name, State, Reason string
			}
		}
		json.Unmarshal([]byte(body), &out)
		for _, m := range out.Monitors {
			if m.Name == name {
				return m.State + " " + m.Reason
			}
		}
		return "missing"
	}
	waitState := func(name, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.HasPrefix(state(name), want) {
			if time.Now().After(deadline) {
				t.Fatalf("%s is %q, want %q", name, state(name), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitState("api", "up")
	waitState("backup", "up")

	healthy.Store(false)
	waitState("api", "down")
	if s := state("api"); !strings.Contains(s, `json("$.db") == "up"`) {
		t.Fatalf("the reason does not say which condition failed: %q", s)
	}
	_, metrics := get(t, http.DefaultClient, base+"/metrics", read)
	for _, want := range []string{`vigie_monitor_up{monitor="api",type="http"} 0`, `vigie_monitor_up{monitor="backup",type="heartbeat"} 1`,
		`vigie_monitor_response_time_seconds{monitor="api",type="http"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	healthy.Store(true)
	waitState("api", "up")

	if strings.Contains(logs.String(), token) {
		t.Fatal("the heartbeat token reached the logs")
	}
	if !strings.Contains(logs.String(), "path=/ping/{token}") {
		t.Fatal("ping requests are not logged with the token replaced")
	}
}
