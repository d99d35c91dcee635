package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"vigie/internal/auth"
)

// A failing backup job is an alert routed like a monitor's, linking to the job's page, and
// resolves when a run succeeds.
func TestBackupFailureIsAnAlert(t *testing.T) {
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
	dir := t.TempDir()
	flag := filepath.Join(dir, "database-up")
	os.Mkdir(filepath.Join(dir, "target"), 0o700)
	id, _ := age.GenerateX25519Identity()
	config := fmt.Sprintf(`storage: {path: vigie.db}
backups:
  jobs:
    - name: web
      instance: prod-1
      labels: {team: web}
      recipients: [%s]
      sources:
        - name: db
          type: command
          command: {command: [sh, -c, "test -e %s && echo dump || { echo connection refused >&2; exit 3; }"]}
      targets:
        - {name: near, type: local, local: {dir: %s}}
receivers:
  - {name: ops-hook, type: webhook, webhook: {url: "%s/hook"}}
routes:
  - match: {type: backup}
    receivers: [ops-hook]
    group_wait: 0s
`, id.Recipient().String(), flag, filepath.Join(dir, "target"), hook.URL)
	a, logs := start(t, dir, config)
	base := "http://" + a.Addr().String()
	token, _, err := a.Auth().CreateToken(context.Background(), "ops", auth.ScopeWrite, "test")
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	waitMessage := func(what string, match func(m map[string]any) bool) map[string]any {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			for _, m := range got {
				if match(m) {
					mu.Unlock()
					return m
				}
			}
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no %s message; got %v\nlogs:\n%s", what, got, logs.String())
		return nil
	}

	if code := post("/api/v1/backups/web/run"); code != http.StatusAccepted {
		t.Fatalf("starting a run: %d", code)
	}
	firing := waitMessage("firing", func(m map[string]any) bool { return m["kind"] == "firing" })
	title, _ := firing["title"].(string)
	alerts, _ := firing["alerts"].([]any)
	if !strings.Contains(title, "backup:web") || !strings.Contains(title, "connection refused") || len(alerts) != 1 {
		t.Fatalf("firing message: %v", firing)
	}
	first := alerts[0].(map[string]any)
	labels, _ := first["labels"].(map[string]any)
	if !strings.HasSuffix(first["url"].(string), "/backups/web") || labels["job"] != "web" || labels["instance"] != "prod-1" || labels["team"] != "web" || labels["type"] != "backup" {
		t.Errorf("alert = %v", first)
	}

	os.WriteFile(flag, nil, 0o600)
	deadline := time.Now().Add(10 * time.Second)
	for post("/api/v1/backups/web/run") == http.StatusConflict && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond) // the failed run may still be finishing
	}
	waitMessage("resolved", func(m map[string]any) bool { return m["kind"] == "resolved" })
}
