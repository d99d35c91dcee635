package app_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigie/internal/auth"
)

// TestReportsAndSLOsWired: a server configured with weekly reports and SLOs answers the
// report and SLO endpoints, exports the SLO metrics, and rejects a reload that breaks them.
func TestReportsAndSLOsWired(t *testing.T) {
	dir := t.TempDir()
	config := `storage:
  path: vigie.db
monitors:
  - {name: web, type: tcp, target: "127.0.0.1:9", interval: 1s, timeout: 500ms}
receivers:
  - name: ops-mail
    type: email
    email: {host: 127.0.0.1, port: 2525, tls: none, from: vigie@example.org, to: [ops@example.org]}
status_pages:
  - slug: acme
    title: Acme status
    groups:
      - name: Platform
        components:
          - {name: Web app, monitors: [web]}
reports:
  weekly: {schedule: "0 8 * * MON", zone: Europe/Paris, receivers: [ops-mail]}
slos:
  - {name: web-availability, objective: 99.5, window: 7d, page: acme, component: web-app, labels: {team: web}}
`
	a, _ := start(t, dir, config)
	base := "http://" + a.Addr().String()
	read, _, _ := a.Auth().CreateToken(context.Background(), "ro", auth.ScopeRead, "test")
	write, _, _ := a.Auth().CreateToken(context.Background(), "rw", auth.ScopeWrite, "test")

	r, body := get(t, http.DefaultClient, base+"/api/v1/slos", read)
	if r.StatusCode != 200 || !strings.Contains(body, `"name": "web-availability"`) || !strings.Contains(body, `"about": "Web app on status page acme"`) ||
		!strings.Contains(body, `"monitors": [`) || !strings.Contains(body, `"objective": 0.995`) {
		t.Errorf("GET /api/v1/slos: %d %s", r.StatusCode, body)
	}
	_, body = get(t, http.DefaultClient, base+"/metrics", read)
	for _, want := range []string{`vigie_slo_objective_ratio{slo="web-availability"} 0.995`, `vigie_slo_error_budget_remaining_ratio{slo="web-availability"}`,
		`vigie_slo_alert_firing{severity="page",slo="web-availability"} 0`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if r, body = get(t, http.DefaultClient, base+"/api/v1/reports/sla?page=acme", read); r.StatusCode != 200 || !strings.Contains(body, `"month"`) {
		t.Errorf("SLA report of this month: %d %.200s", r.StatusCode, body)
	}
	if r, _ = get(t, http.DefaultClient, base+"/api/v1/reports/weekly?page=acme", read); r.StatusCode != 200 {
		t.Errorf("weekly report: %d", r.StatusCode)
	}

	// A reload naming a receiver that is not an e-mail one is refused; the running one stays.
	broken := strings.Replace(config, "receivers: [ops-mail]}", "receivers: [nobody]}", 1)
	if err := os.WriteFile(filepath.Join(dir, "vigie.yaml"), []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/reload", nil)
	req.Header.Set("Authorization", "Bearer "+write)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("reload with a broken weekly report: %d, want 400", resp.StatusCode)
	}
}
