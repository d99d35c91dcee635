package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"vigie/internal/auth"
)

func TestSilencesAPI(t *testing.T) {
	a, _ := start(t, t.TempDir(), "storage:\n  path: vigie.db\n")
	base := "http://" + a.Addr().String()
	write, _, _ := a.Auth().CreateToken(context.Background(), "w", auth.ScopeWrite, "test")
	read, _, _ := a.Auth().CreateToken(context.Background(), "r", auth.ScopeRead, "test")
	call := func(method, path, token, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+token)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		return r.StatusCode, b.String()
	}
	for body, want := range map[string]string{
		`{"matchers": {}, "duration": "1h", "reason": "x"}`:                                  "matchers",
		`{"matchers": {"monitor": "web"}, "duration": "1h"}`:                                 "reason",
		`{"matchers": {"monitor": "web"}, "duration": "soon", "reason": "x"}`:                "duration",
		`{"matchers": {"monitor": "web"}, "reason": "x"}`:                                    "ends_at or duration",
		`{"matchers": {"monitor": "web"}, "ends_at": "2001-01-01T00:00:00Z", "reason": "x"}`: "in the future",
	} {
		if code, got := call("POST", "/api/v1/silences", write, body); code != 400 || !strings.Contains(got, want) {
			t.Errorf("POST %s: %d %s, want 400 about %s", body, code, got, want)
		}
	}
	if code, _ := call("POST", "/api/v1/silences", read, `{"matchers": {"monitor": "web"}, "duration": "1h", "reason": "x"}`); code != 403 {
		t.Fatalf("a read token created a silence: %d", code)
	}
	if _, list := call("GET", "/api/v1/silences", read, ""); strings.Contains(list, `"id"`) {
		t.Fatalf("bad input created a silence: %s", list)
	}
	code, created := call("POST", "/api/v1/silences", write, `{"matchers": {"team": "web"}, "duration": "2h", "reason": "database upgrade"}`)
	var sl struct {
		ID     int64
		Author string
	}
	json.Unmarshal([]byte(created), &sl)
	if code != 201 || sl.ID == 0 || sl.Author != "token:w" {
		t.Fatalf("create: %d %s", code, created)
	}
	if _, list := call("GET", "/api/v1/silences", read, ""); !strings.Contains(list, "database upgrade") {
		t.Fatalf("list: %s", list)
	}
	if code, _ := call("DELETE", "/api/v1/silences/"+strings.TrimSpace(strings.Split(strings.Split(created, `"id": `)[1], ",")[0]), write, ""); code != 204 {
		t.Fatalf("end: %d", code)
	}
	if _, list := call("GET", "/api/v1/silences", read, ""); strings.Contains(list, "database upgrade") {
		t.Fatalf("an ended silence is still listed: %s", list)
	}
}
