package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIncidentCommands drives the whole life of an incident from the command line, against
// the database a server then serves: open, update, note, resolve, post-mortem edited from a
// file and published; the public JSON shows it and never the note.
func TestIncidentCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `server:
  listen: 127.0.0.1:0
storage:
  path: vigie.db
monitors:
  - {name: api-http, type: tcp, target: "127.0.0.1:9", interval: 1h}
receivers:
  - {name: ops, type: webhook, webhook: {url: "https://hooks.example.org/ops"}}
status_pages:
  - slug: acme
    title: Acme status
    groups:
      - name: Platform
        components:
          - {name: Public API, monitors: [api-http]}
`)
	run := func(args ...string) result {
		t.Helper()
		return vigie(t, "", append([]string{"--config", cfg, "incident"}, args...)...)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"open", "--title", "API errors", "--severity", "SEV9"}, "severity"},
		{[]string{"open", "--title", "API errors", "--severity", "SEV2", "--page", "acm"}, `no status page "acm"`},
		{[]string{"open", "--title", "API errors", "--severity", "SEV2", "--page", "acme", "--component", "mail=major_outage"}, `no component "mail"`},
		{[]string{"open", "--title", "API errors", "--severity", "SEV2", "--page", "acme", "--component", "public-api"}, "id=state"},
		{[]string{"open", "--title", "API errors", "--severity", "SEV2", "--next-update", "soon"}, "--next-update"},
		{[]string{"open", "--title", "API errors", "--severity", "SEV2", "--remind", "opz"}, `no receiver or on-call schedule named "opz"`},
		{[]string{"open", "--severity", "SEV2"}, "title"},
		{[]string{"update", "x"}, "not an id"},
	} {
		if r := run(bad.args...); r.code != 2 || !strings.Contains(r.stderr, bad.want) {
			t.Errorf("%v: exit %d %q, want 2 about %q", bad.args, r.code, r.stderr, bad.want)
		}
	}
	if r := run("list"); r.code != 0 || !strings.Contains(r.stdout, "No open incident.") {
		t.Fatalf("bad input opened an incident: %+v", r)
	}
	r := run("open", "--title", "API errors", "--severity", "SEV2", "--page", "acme", "--component", "public-api=major_outage",
		"--lead", "alice", "--remind", "ops", "--message", "Some API calls fail; we are investigating.", "--next-update", "30m")
	if r.code != 0 || !strings.Contains(r.stdout, "incident 1 opened: API errors (SEV2)") || !strings.Contains(r.stdout, "/status/acme/incidents/1") {
		t.Fatalf("open: %+v", r)
	}
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"update", "1", "--status", "identified", "--message", "A full disk on db-2; cleaning up.", "--next-update", "1h", "--eta", "2h"}, "public update posted"},
		{[]string{"update", "1", "--note", "CLI-NOTE-51d0: du -sh /var/log"}, "note added"},
		{[]string{"update", "1", "--how-understood", "Logs were never rotated.", "--how-to-avoid", "Rotate logs daily.", "--severity", "SEV1"}, "changed"},
		{[]string{"update", "1", "--lead", "alice"}, "nothing to change"},
	} {
		if r := run(step.args...); r.code != 0 || !strings.Contains(r.stdout, step.want) {
			t.Fatalf("%v: %+v", step.args, r)
		}
	}
	r = run("list", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 {
		t.Fatalf("list --json: %v %s", err, r.stdout)
	}
	if l := list[0]; l["status"] != "identified" || l["severity"] != "SEV1" || l["updates"] != 2.0 || l["notes"] != 1.0 ||
		l["components"].(map[string]any)["public-api"] != "major_outage" || l["eta"] == "" {
		t.Fatalf("listed: %v", l)
	}
	if r := run("postmortem", "1", "--publish"); r.code != 1 || !strings.Contains(r.stderr, "not resolved yet") {
		t.Fatalf("publishing before resolution: %+v", r)
	}
	if r := run("resolve", "1", "--message", "Disk cleaned; logs rotate daily now."); r.code != 0 || !strings.Contains(r.stdout, "incident 1 resolved after") {
		t.Fatalf("resolve: %+v", r)
	}
	if r := run("list"); !strings.Contains(r.stdout, "No open incident.") {
		t.Fatalf("list after resolve: %+v", r)
	}
	if r := run("list", "--all"); !strings.Contains(r.stdout, "resolved") || !strings.Contains(r.stdout, "API errors") {
		t.Fatalf("list --all: %+v", r)
	}
	r = run("postmortem", "1")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "# Post-mortem: API errors") || !strings.Contains(r.stdout, "## Root cause\n\nLogs were never rotated.") ||
		strings.Contains(r.stdout, "CLI-NOTE") || strings.Contains(r.stdout, "alice") {
		t.Fatalf("generated post-mortem: %+v", r)
	}
	edited := filepath.Join(dir, "pm.md")
	if err := os.WriteFile(edited, []byte(r.stdout+"\nReviewed by the whole team.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run("postmortem", "1", "--edit", filepath.Join(dir, "missing.md")); r.code != 2 {
		t.Fatalf("editing from a missing file: %+v", r)
	}
	if r := run("postmortem", "1", "--edit", edited, "--publish"); r.code != 0 || !strings.Contains(r.stdout, "draft saved") ||
		!strings.Contains(r.stdout, "post-mortem published at") {
		t.Fatalf("edit and publish: %+v", r)
	}
	if r := run("postmortem", "1", "--html"); r.code != 0 || !strings.Contains(r.stdout, "<h1>Post-mortem: API errors</h1>") ||
		!strings.Contains(r.stdout, "Reviewed by the whole team.") {
		t.Fatalf("postmortem --html: %+v", r)
	}

	// The server serves what the commands wrote.
	srv := startServer(t, cfg)
	resp, err := http.Get(srv.url + "/status/acme/api/v2/incidents.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"status": "postmortem"`) || !strings.Contains(string(body), "Reviewed by the whole team.") ||
		strings.Contains(string(body), "CLI-NOTE") {
		t.Fatalf("incidents.json: %s", body)
	}
}
