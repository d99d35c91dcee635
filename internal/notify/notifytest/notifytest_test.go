package notifytest_test

import (
	"net/http"
	"strings"
	"testing"

	"vigie/internal/notify/notifytest"
)

func TestServerFollowsItsScriptAndRecords(t *testing.T) {
	srv := notifytest.NewServer(t,
		notifytest.Response{Status: 503},
		notifytest.Response{Status: 503},
		notifytest.Response{Status: 429, Header: map[string]string{"Retry-After": "7"}, Body: "slow down"},
		notifytest.Response{Status: 200, Body: "ok"},
	)
	var got []string
	for i := range 5 {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/hook/a%2Fb?x=1", strings.NewReader(`{"n":`+string(rune('0'+i))+`}`))
		req.Header.Set("X-Test", "yes")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.Status+"/"+resp.Header.Get("Retry-After"))
	}
	want := []string{"503 Service Unavailable/", "503 Service Unavailable/", "429 Too Many Requests/7", "200 OK/", "200 OK/"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("answers %v, want %v", got, want)
	}
	reqs := srv.Requests()
	if len(reqs) != 5 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	last := srv.Last(t)
	if last.Method != "POST" || last.Path != "/hook/a/b" || last.EscapedPath != "/hook/a%2Fb" || last.Query != "x=1" ||
		last.Header.Get("X-Test") != "yes" || string(last.Body) != `{"n":4}` {
		t.Errorf("recorded %+v", last)
	}
	notifytest.Equal(t, last.JSON(t), 4, "n")
}

func TestSamples(t *testing.T) {
	f, r := notifytest.Firing(), notifytest.Resolved()
	if len(f.Alerts) != 2 || f.AckURL == "" || f.Kind != "firing" {
		t.Errorf("firing sample %+v", f)
	}
	if r.AckURL != "" || r.Kind != "resolved" || r.GroupKey != f.GroupKey || r.Alerts[0].EndedAt.IsZero() {
		t.Errorf("resolved sample %+v", r)
	}
	if f.Alerts[0].Labels["env"] != "prod" {
		t.Error("Resolved changed Firing's labels")
	}
}
