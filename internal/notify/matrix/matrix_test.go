package matrix_test

import (
	"strings"
	"testing"

	"vigie/internal/notify"
	"vigie/internal/notify/matrix"
	"vigie/internal/notify/notifytest"
)

const (
	token  = "syt_dmlnaWU_SECRETtoken_0a1b2c"
	roomID = "!AbCdEf:example.org"
)

func newNotifier(t *testing.T, base string) *matrix.Notifier {
	t.Helper()
	n, err := matrix.New(matrix.Options{HomeserverURL: base, AccessToken: token, RoomID: roomID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var eventAnswer = notifytest.Response{Body: `{"event_id":"$abc"}`}

func TestFiring(t *testing.T) {
	srv := notifytest.NewServer(t, eventAnswer)
	if err := newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Firing()); err != nil {
		t.Fatal(err)
	}
	req := srv.Last(t)
	if req.Method != "PUT" || req.Path != "/_matrix/client/v3/rooms/"+roomID+"/send/m.room.message/n-firing-1" {
		t.Errorf("got %s %s", req.Method, req.Path)
	}
	if !strings.Contains(req.EscapedPath, "/rooms/%21AbCdEf:example.org/send/") {
		t.Errorf("room id not escaped: %s", req.EscapedPath)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("Authorization = %q", got)
	}
	doc := req.JSON(t)
	notifytest.Equal(t, doc, "m.text", "msgtype")
	notifytest.Equal(t, doc, "org.matrix.custom.html", "format")
	notifytest.Equal(t, doc, map[string]any{}, "m.mentions")
	notifytest.Equal(t, doc, "🔴 [DOWN] website, api — 2 alerts\n"+
		"website is down: status == 200 (got 503)\n"+
		"api is down: body contains \"<ok>\" & @everyone\n"+
		"\n• website — down: status == 200 (got 503)\n  since 2026-11-23 09:00 UTC · env=prod team=web\n  https://vigie.example/monitors/website"+
		"\n• api — down: body contains \"<ok>\" & @everyone\n  since 2026-11-23 09:01 UTC · tenant=acme\n  https://vigie.example/monitors/api"+
		"\nFiring · critical · 2026-11-23 09:05 UTC"+
		"\nAcknowledge: "+notifytest.AckURL, "body")
	html := notifytest.Get(t, doc, "formatted_body").(string)
	for _, want := range []string{
		`<p><strong><font color="#D0342C" data-mx-color="#D0342C">🔴 [DOWN] website, api — 2 alerts</font></strong></p>`,
		`<li><a href="https://vigie.example/monitors/api">api</a> — down: body contains &#34;&lt;ok&gt;&#34; &amp; @everyone<br>since 2026-11-23 09:01 UTC · <code>tenant=acme</code></li>`,
		`· <a href="https://vigie.example/ack/g-web?sig=c2lnbmVk">Acknowledge</a></p>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("formatted_body lacks\n%s\nin\n%s", want, html)
		}
	}
	notifytest.AssertAbsent(t, "the body", string(req.Body), token)
}

func TestResolved(t *testing.T) {
	srv := notifytest.NewServer(t, eventAnswer)
	if err := newNotifier(t, srv.URL).Notify(t.Context(), notifytest.Resolved()); err != nil {
		t.Fatal(err)
	}
	doc := srv.Last(t).JSON(t)
	body := notifytest.Get(t, doc, "body").(string)
	html := notifytest.Get(t, doc, "formatted_body").(string)
	if !strings.HasPrefix(body, "✅ [RESOLVED]") || strings.Contains(body, "Acknowledge") ||
		!strings.Contains(body, "since 2026-11-23 09:00 UTC, until 2026-11-23 09:42 UTC") {
		t.Errorf("body:\n%s", body)
	}
	if !strings.HasPrefix(html, `<p><strong><font color="#2EA043" data-mx-color="#2EA043">✅ [RESOLVED]`) || strings.Contains(html, "Acknowledge") {
		t.Errorf("formatted_body:\n%s", html)
	}
}

func TestRetriesReuseTheTransactionID(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.Response{Status: 502}, eventAnswer)
	n := newNotifier(t, srv.URL)
	m := notifytest.Firing()
	m.Key = "n/1 ?x"
	if err := n.Notify(t.Context(), m); err == nil || notify.IsPermanent(err) {
		t.Fatalf("got %v, want a retryable error", err)
	}
	if err := n.Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].EscapedPath != reqs[1].EscapedPath || !strings.HasSuffix(reqs[1].EscapedPath, "/m.room.message/n%2F1%20%3Fx") {
		t.Errorf("paths %q, want the same escaped key twice", []string{reqs[0].EscapedPath, reqs[1].EscapedPath})
	}
}

func TestMessageWithoutKey(t *testing.T) {
	srv := notifytest.NewServer(t)
	m := notifytest.Firing()
	m.Key = ""
	if err := newNotifier(t, srv.URL).Notify(t.Context(), m); !notify.IsPermanent(err) {
		t.Errorf("got %v, want a permanent error", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestErrors(t *testing.T) {
	notifytest.CheckErrors(t, func(t *testing.T, base string) notify.Notifier { return newNotifier(t, base) }, token)
}

func TestOptions(t *testing.T) {
	notifytest.CheckOptions(t, func(o matrix.Options) error {
		_, err := matrix.New(o, nil)
		return err
	}, map[string]notifytest.OptionsCase[matrix.Options]{
		"valid": {Options: matrix.Options{HomeserverURL: "https://matrix.example.org/", AccessToken: token, RoomID: roomID}},
		"nothing": {Options: matrix.Options{},
			Want: "matrix: homeserver_url is required\nmatrix: access_token is required\nmatrix: room_id is required"},
		"bad url": {Options: matrix.Options{HomeserverURL: "matrix.example.org", AccessToken: token, RoomID: roomID},
			Want: "matrix: homeserver_url must be an http or https URL"},
		"alias": {Options: matrix.Options{HomeserverURL: "https://matrix.example.org", AccessToken: token, RoomID: "#ops:example.org"},
			Want: "matrix: room_id must be a room id like !abc:example.org (not an #alias)"},
		"token with newline": {Options: matrix.Options{HomeserverURL: "https://matrix.example.org", AccessToken: "a\nb", RoomID: roomID},
			Want: "matrix: access_token must not contain spaces or line breaks"},
	})
}
