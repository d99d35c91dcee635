package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// login returns a client holding an admin session on a.
func login(t *testing.T, base string, addUser func(name, pw string) error) *http.Client {
	t.Helper()
	if err := addUser("alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, body := get(t, c, base+"/login", "")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf on the login page")
	}
	r, err := c.PostForm(base+"/login", url.Values{"csrf": {m[1]}, "name": {"alice"}, "password": {"correct horse battery"}})
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("login: %v %v", r, err)
	}
	return c
}

// TestMonitorListPages: 230 monitors are shown 100 to a page, trouble first, and the filter
// finds by name and label.
func TestMonitorListPages(t *testing.T) {
	var cfg strings.Builder
	cfg.WriteString("storage:\n  path: vigie.db\nmonitors:\n")
	for i := range 230 {
		team := "web"
		if i%10 == 0 {
			team = "billing"
		}
		fmt.Fprintf(&cfg, "  - name: job-%03d\n    type: heartbeat\n    labels: {team: %s}\n    heartbeat: {token: token-of-job-%03d-0123456789, period: 1h}\n", i, team, i)
	}
	a, _ := start(t, t.TempDir(), cfg.String())
	base := "http://" + a.Addr().String()
	c := login(t, base, func(name, pw string) error {
		_, err := a.Auth().AddUser(context.Background(), name, pw)
		return err
	})
	rows := regexp.MustCompile(`<a href="/monitors/(job-\d+)">`)
	page := func(query string) (int, []string, string) {
		t.Helper()
		r, body := get(t, c, base+"/monitors"+query, "")
		var names []string
		for _, m := range rows.FindAllStringSubmatch(body, -1) {
			names = append(names, m[1])
		}
		return r.StatusCode, names, body
	}
	code, names, body := page("")
	if code != 200 || len(names) != 100 || !strings.Contains(body, "page 1 of 3 · 230 monitors") || !strings.Contains(body, `href="/monitors?page=2"`) {
		t.Fatalf("first page: %d, %d rows", code, len(names))
	}
	if _, names, _ := page("?page=3"); len(names) != 30 || names[29] != "job-229" {
		t.Fatalf("last page: %v", names)
	}
	if _, names, body := page("?q=billing"); len(names) != 23 || strings.Contains(body, "page 1 of") {
		t.Fatalf("filter by label value: %d rows", len(names))
	}
	if _, names, _ := page("?q=JOB-10"); len(names) != 10 {
		t.Fatalf("filter by name, any case: %v", names)
	}
	if _, names, body := page("?state=down"); len(names) != 0 || !strings.Contains(body, "No monitor matches") {
		t.Fatalf("state filter: %v", names)
	}
	for _, bad := range []string{"?page=0", "?page=x", "?state=sleepy"} {
		if code, _, _ := page(bad); code != 400 {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
}
