package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckRun(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer up.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()

	cfg := writeConfig(t, t.TempDir(), fmt.Sprintf(`monitors:
  - name: web
    type: http
    url: %s/
    conditions: ['body contains "ok"']
  - name: db
    type: tcp
    target: %s
  - name: backup
    type: heartbeat
    heartbeat: {token: 0123456789abcdefXYZ, period: 1d}
`, up.URL, closedAddr))

	r := vigie(t, "", "check", "run", cfg)
	if r.code != 1 || !strings.Contains(r.stderr, "1 of 3 checks down") {
		t.Fatalf("check run with one target down: exit %d, stderr %q", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("table:\n%s", r.stdout)
	}
	for _, want := range []string{"web  ", "up", "db ", "down", "connection refused", "backup", "skipped"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}

	r = vigie(t, "", "check", "run", cfg, "web", "--json")
	var out []struct{ Name, Status string }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 || len(out) != 1 || out[0].Status != "up" {
		t.Fatalf("check run web --json: exit %d %q %v", r.code, r.stdout, err)
	}
	if r := vigie(t, "", "check", "run", cfg, "nope"); r.code != 2 || !strings.Contains(r.stderr, `no monitor named "nope"`) {
		t.Fatalf("unknown monitor: %+v", r)
	}
}
