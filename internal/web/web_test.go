package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vigie/internal/alert"
	"vigie/internal/auth"
	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/store"
	"vigie/internal/store/storetest"
	"vigie/internal/testutil"
	"vigie/internal/web"
)

// cheap keeps password hashing fast in tests; production uses auth.DefaultHashParams.
var cheap = auth.HashParams{Memory: 64, Time: 1, Threads: 1}

const password = "correct horse battery"

type env struct {
	t      *testing.T
	srv    *web.Server
	ts     *httptest.Server
	auth   *auth.Service
	clock  *clock.Fake
	logs   *testutil.LogBuffer
	reload func(context.Context) error
	store  *store.Store
}

// newEnv builds a server on a fresh SQLite store; extra adds options (status pages, reports)
// that need the store and the clock.
func newEnv(t *testing.T, useTLS bool, extra ...func(o *web.Options, st *store.Store, clk *clock.Fake)) *env {
	t.Helper()
	db := storetest.OpenSQLite(t)
	e := &env{t: t, clock: clock.NewFake(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)), logs: &testutil.LogBuffer{}, store: db.Store}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	e.auth, err = auth.NewService(auth.Options{Store: db.Store, Clock: e.clock, Logger: log, Hash: cheap})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	e.reload = func(context.Context) error { return nil }
	opts := web.Options{
		Auth: e.auth, Health: db.Store, Logger: log, Clock: e.clock, Registry: reg, Gatherer: reg,
		Build: web.Build{Version: "test", Commit: "abc", GoVersion: "go"}, ConfigPath: "test.yaml",
		// Loopback is a trusted proxy here so tests can pose as other clients with X-Forwarded-For.
		Settings: func() web.Settings {
			return web.Settings{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
		},
		Reload:    func(ctx context.Context) error { return e.reload(ctx) },
		StartedAt: e.clock.Now(),
		Alerts: alertsAdapter{Engine: alert.NewEngine(alert.Options{Store: db.Store, Clock: e.clock, Logger: log}),
			Store: db.Store, signer: alert.NewSigner(db.Store)},
		Notifications: db.Store,
	}
	for _, f := range extra {
		f(&opts, db.Store, e.clock)
	}
	e.srv, err = web.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if useTLS {
		e.ts = httptest.NewTLSServer(e.srv.Handler())
	} else {
		e.ts = httptest.NewServer(e.srv.Handler())
	}
	t.Cleanup(e.ts.Close)
	return e
}

func (e *env) addUser(name string) {
	e.t.Helper()
	if _, err := e.auth.AddUser(context.Background(), name, password); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) token(scope auth.Scope) string {
	e.t.Helper()
	raw, _, err := e.auth.CreateToken(context.Background(), "t-"+string(scope), scope, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return raw
}

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	e *env
	c *http.Client
	// ip, when set, is sent as X-Forwarded-For.
	ip string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	// A client of its own: httptest's Client() is shared, and so would be the cookie jar.
	c := &http.Client{Transport: e.ts.Client().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{e: e, c: c}
}

type resp struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, body io.Reader, header map[string]string) resp {
	b.e.t.Helper()
	req, err := http.NewRequest(method, b.e.ts.URL+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if b.ip != "" {
		req.Header.Set("X-Forwarded-For", b.ip)
	}
	r, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer r.Body.Close()
	data, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, r.Header, string(data)}
}

func (b *browser) get(path string) resp { return b.do("GET", path, nil, nil) }

func (b *browser) post(path string, form url.Values) resp {
	return b.do("POST", path, strings.NewReader(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf fetches a page and returns the form token in it.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	r := b.get(path)
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		b.e.t.Fatalf("no csrf field on %s (status %d)", path, r.status)
	}
	return m[1]
}

func (b *browser) login(name, pw, code string) resp {
	tok := b.csrf("/login")
	return b.post("/login", url.Values{"csrf": {tok}, "name": {name}, "password": {pw}, "code": {code}})
}

func api(e *env, method, path, token string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	h := map[string]string{"Content-Type": "application/json"}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return e.browser().do(method, path, rd, h)
}

type apiErr struct {
	Error struct{ Code, Message string }
}

func decodeErr(t *testing.T, r resp) apiErr {
	t.Helper()
	var e apiErr
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not a JSON error (status %d): %q", r.status, r.body)
	}
	return e
}

func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		e := newEnv(t, useTLS)
		e.addUser("alice")
		admin := e.token(auth.ScopeAdmin)
		logged := e.browser()
		if r := logged.login("alice", password, ""); r.status != http.StatusSeeOther {
			t.Fatalf("login: %d", r.status)
		}
		anon := e.browser()
		fill := strings.NewReplacer("{name}", "alice", "{id}", "1", "{$}", "", "static/", "static/vigie.css")
		paths := []string{"GET /no/such/page", "PUT /readyz", "GET /api/v1/nope", "DELETE /api/v1/health"}
		paths = append(paths, e.srv.Patterns()...)
		for _, p := range paths {
			method, path, _ := strings.Cut(p, " ")
			path = fill.Replace(path)
			for _, who := range []string{"anonymous", "session", "token"} {
				var r resp
				switch who {
				case "anonymous":
					r = anon.do(method, path, nil, nil)
				case "session":
					r = logged.do(method, path, nil, nil)
				default:
					r = anon.do(method, path, nil, map[string]string{"Authorization": "Bearer " + admin})
				}
				h := r.header
				csp := h.Get("Content-Security-Policy")
				checks := map[string]bool{
					"CSP without unsafe-inline/eval":  csp != "" && !strings.Contains(csp, "unsafe-") && strings.Contains(csp, "frame-ancestors 'none'"),
					"X-Content-Type-Options: nosniff": h.Get("X-Content-Type-Options") == "nosniff",
					"X-Frame-Options: DENY":           h.Get("X-Frame-Options") == "DENY",
					"Referrer-Policy":                 h.Get("Referrer-Policy") == "strict-origin-when-cross-origin",
					"Cross-Origin-Resource-Policy":    h.Get("Cross-Origin-Resource-Policy") == "same-origin",
					"HSTS exactly under TLS":          (h.Get("Strict-Transport-Security") != "") == useTLS,
				}
				for name, ok := range checks {
					if !ok {
						t.Errorf("tls=%v %s %s as %s (status %d): %s missing or wrong", useTLS, method, path, who, r.status, name)
					}
				}
			}
		}
	}
}

func TestRoutingErrorsAreJSONOnTheAPI(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()

	r := b.get("/api/v1/nope")
	if r.status != 404 || decodeErr(t, r).Error.Code != "not_found" || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET unknown API path: %d %s", r.status, r.body)
	}
	r = b.do("PUT", "/api/v1/users", nil, nil)
	if r.status != 405 || decodeErr(t, r).Error.Code != "method_not_allowed" || !strings.Contains(r.header.Get("Allow"), "POST") {
		t.Fatalf("PUT /api/v1/users: %d %v %s", r.status, r.header, r.body)
	}
	r = b.get("/no/such/page")
	if r.status != 404 || !strings.Contains(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.body, "no such page") {
		t.Fatalf("UI 404: %d %s", r.status, r.body)
	}
}

func TestLoginAndLogout(t *testing.T) {
	e := newEnv(t, true)
	e.addUser("alice")
	b := e.browser()

	if r := b.get("/"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Fatalf("anonymous GET /: %d %s", r.status, r.header.Get("Location"))
	}
	r := b.login("alice", "wrong password!!", "")
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "invalid user name, password or code") {
		t.Fatalf("bad password: %d", r.status)
	}
	r = b.login("nobody", password, "")
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "invalid user name, password or code") {
		t.Fatalf("unknown user must look like a bad password: %d", r.status)
	}

	r = b.login("Alice", password, "")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("good login: %d %s", r.status, r.body)
	}
	var session *http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "vigie_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteStrictMode || session.MaxAge <= 0 {
		t.Fatalf("session cookie = %+v", session)
	}
	if r := b.get("/"); r.status != 200 || !strings.Contains(r.body, "Database migrations") || !strings.Contains(r.body, "0001") {
		t.Fatalf("overview: %d", r.status)
	}

	tok := csrfRE.FindStringSubmatch(b.get("/").body)[1]
	if r := b.post("/logout", url.Values{"csrf": {tok}}); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	// The old cookie value is dead on the server too, not just dropped by the browser.
	replay := e.browser()
	replay.c.Jar.SetCookies(mustURL(e.ts.URL), []*http.Cookie{{Name: "vigie_session", Value: session.Value}})
	if r := replay.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("session still valid after logout: %d", r.status)
	}
}

func TestSessionExpires(t *testing.T) {
	e := newEnv(t, false)
	e.addUser("alice")
	b := e.browser()
	b.login("alice", password, "")
	if r := b.get("/"); r.status != 200 {
		t.Fatalf("overview: %d", r.status)
	}
	e.clock.Advance(12*time.Hour + time.Second)
	if r := b.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("after the session lifetime: %d, want a redirect to login", r.status)
	}
}

func TestFormsRequireCSRF(t *testing.T) {
	e := newEnv(t, false)
	e.addUser("alice")
	b := e.browser()

	// Login form: no token, and a token made for another browser's cookie.
	if r := b.post("/login", url.Values{"name": {"alice"}, "password": {password}}); r.status != http.StatusForbidden {
		t.Fatalf("login without csrf: %d", r.status)
	}
	other := e.browser().csrf("/login")
	b.csrf("/login")
	if r := b.post("/login", url.Values{"csrf": {other}, "name": {"alice"}, "password": {password}}); r.status != http.StatusForbidden {
		t.Fatalf("login with another browser's csrf: %d", r.status)
	}

	b.login("alice", password, "")
	if r := b.post("/users", url.Values{"name": {"mallory"}, "password": {password}}); r.status != http.StatusForbidden {
		t.Fatalf("add user without csrf: %d", r.status)
	}
	if r := b.post("/users", url.Values{"csrf": {other}, "name": {"mallory"}, "password": {password}}); r.status != http.StatusForbidden {
		t.Fatalf("add user with a foreign csrf: %d", r.status)
	}
	if users, _ := e.auth.ListUsers(context.Background()); len(users) != 1 {
		t.Fatalf("a forged form changed state: %d users", len(users))
	}
	tok := b.csrf("/users")
	if r := b.post("/users", url.Values{"csrf": {tok}, "name": {"bob"}, "password": {password}}); r.status != 200 || !strings.Contains(r.body, "User bob added") {
		t.Fatalf("add user with csrf: %d", r.status)
	}

	// Session-authenticated API writes need the token in a header.
	if r := b.do("POST", "/api/v1/reload", nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("API write with a session and no csrf header: %d", r.status)
	}
	if r := b.do("POST", "/api/v1/reload", nil, map[string]string{"X-CSRF-Token": tok}); r.status != 200 {
		t.Fatalf("API write with a session and csrf header: %d %s", r.status, r.body)
	}
	// Browsers flag cross-site requests; those are refused whatever they carry.
	if r := b.do("POST", "/api/v1/reload", nil, map[string]string{"X-CSRF-Token": tok, "Sec-Fetch-Site": "cross-site"}); r.status != http.StatusForbidden {
		t.Fatalf("cross-site request: %d", r.status)
	}
}

func TestLoginThrottling(t *testing.T) {
	e := newEnv(t, false)
	e.addUser("alice")
	e.addUser("bob")

	t.Run("per account", func(t *testing.T) {
		for i := range auth.ThrottleAfter {
			b := e.browser()
			b.ip = "198.51.100." + string(rune('1'+i)) // a different address each time
			if r := b.login("alice", "not the password", ""); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, r.status)
			}
		}
		b := e.browser()
		b.ip = "203.0.113.9"
		r := b.login("alice", password, "")
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "30" {
			t.Fatalf("after %d failures: %d retry-after %q", auth.ThrottleAfter, r.status, r.header.Get("Retry-After"))
		}
		e.clock.Advance(auth.ThrottleBase)
		if r := b.login("alice", "still wrong", ""); r.status != http.StatusUnauthorized {
			t.Fatalf("after waiting: %d", r.status)
		}
		// The sixth failure doubles the wait.
		if r := b.login("alice", password, ""); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "60" {
			t.Fatalf("after 6 failures: %d retry-after %q", r.status, r.header.Get("Retry-After"))
		}
		e.clock.Advance(2 * auth.ThrottleBase)
		if r := b.login("alice", password, ""); r.status != http.StatusSeeOther {
			t.Fatalf("right password after the wait: %d", r.status)
		}
	})

	t.Run("per address", func(t *testing.T) {
		e.clock.Advance(auth.ThrottleWindow)
		b := e.browser()
		b.ip = "192.0.2.66"
		for i := range auth.ThrottleAfter {
			if r := b.login("user"+string(rune('a'+i)), "guess", ""); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, r.status)
			}
		}
		if r := b.login("bob", password, ""); r.status != http.StatusTooManyRequests {
			t.Fatalf("address after %d failures: %d", auth.ThrottleAfter, r.status)
		}
		other := e.browser()
		other.ip = "192.0.2.67"
		if r := other.login("bob", password, ""); r.status != http.StatusSeeOther {
			t.Fatalf("another address is not throttled: %d", r.status)
		}
	})
}

func TestTOTPLogin(t *testing.T) {
	e := newEnv(t, false)
	e.addUser("alice")
	uri, err := e.auth.EnableTOTP(context.Background(), "alice", "vigie")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(uri)
	secret := u.Query().Get("secret")
	if u.Scheme != "otpauth" || u.Host != "totp" || secret == "" || u.Query().Get("issuer") != "vigie" {
		t.Fatalf("provisioning URI %q", uri)
	}
	b := e.browser()
	if r := b.login("alice", password, ""); r.status != http.StatusUnauthorized {
		t.Fatalf("no code: %d", r.status)
	}
	if r := b.login("alice", password, "000000"); r.status != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d", r.status)
	}
	code, _ := auth.TOTPCode(secret, auth.TOTPStep(e.clock.Now()))
	if r := b.login("alice", password, code); r.status != http.StatusSeeOther {
		t.Fatalf("right code: %d", r.status)
	}
	if r := e.browser().login("alice", password, code); r.status != http.StatusUnauthorized {
		t.Fatalf("replayed code accepted: %d", r.status)
	}
}

func TestTokenScopes(t *testing.T) {
	e := newEnv(t, false)
	read, write, admin := e.token(auth.ScopeRead), e.token(auth.ScopeWrite), e.token(auth.ScopeAdmin)
	newTok := map[string]string{"name": "ci", "scope": "read"}
	cases := []struct {
		token        string
		method, path string
		body         any
		want         int
	}{
		{"", "GET", "/api/v1/health", nil, 401},
		{"vigie_not-a-real-token", "GET", "/api/v1/health", nil, 401},
		{read, "GET", "/api/v1/health", nil, 200},
		{read, "GET", "/metrics", nil, 200},
		{read, "POST", "/api/v1/reload", nil, 403},
		{read, "GET", "/api/v1/users", nil, 403},
		{read, "POST", "/api/v1/tokens", newTok, 403},
		{write, "POST", "/api/v1/reload", nil, 200},
		{write, "POST", "/api/v1/tokens", newTok, 403},
		{admin, "POST", "/api/v1/tokens", newTok, 201},
		{admin, "GET", "/api/v1/users", nil, 200},
	}
	for _, c := range cases {
		r := api(e, c.method, c.path, c.token, c.body)
		if r.status != c.want {
			t.Errorf("%s %s with %q: %d, want %d (%s)", c.method, c.path, c.token, r.status, c.want, r.body)
		}
		if r.status >= 400 {
			decodeErr(t, r)
		}
	}

	// Last use is recorded; a revoked token stops working at once.
	list, _ := e.auth.ListTokens(context.Background())
	var readTok auth.Token
	for _, tk := range list {
		if tk.Scope == auth.ScopeRead && tk.Name == "t-read" {
			readTok = tk
		}
	}
	if !readTok.LastUsedAt.Equal(e.clock.Now()) {
		t.Fatalf("last used = %v, want %v", readTok.LastUsedAt, e.clock.Now())
	}
	if r := api(e, "DELETE", "/api/v1/tokens/"+itoa(readTok.ID), admin, nil); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := api(e, "GET", "/api/v1/health", read, nil); r.status != 401 || !strings.Contains(r.body, "revoked") {
		t.Fatalf("revoked token: %d %s", r.status, r.body)
	}
}

func TestAPIBadInputIs400AndChangesNothing(t *testing.T) {
	e := newEnv(t, false)
	e.addUser("alice")
	admin := e.token(auth.ScopeAdmin)
	cases := []struct {
		path string
		body string
		want string
	}{
		{"/api/v1/users", `{"name": "bob", "password": "x"}`, "at least 12 characters"},
		{"/api/v1/users", `{"name": "Bob Smith", "password": "` + password + `"}`, "user name"},
		{"/api/v1/users", `{"name": "bob", "pasword": "` + password + `"}`, `unknown field "pasword"`},
		{"/api/v1/users", `{"name": "bob", `, "not valid JSON"},
		{"/api/v1/users", ``, "empty"},
		{"/api/v1/users", `{"name": 7}`, `field "name" must be a string`},
		{"/api/v1/tokens", `{"name": "x", "scope": "root"}`, `scope "root"`},
		{"/api/v1/tokens", `{"name": "", "scope": "read"}`, "token name"},
	}
	for _, c := range cases {
		r := e.browser().do("POST", c.path, strings.NewReader(c.body), map[string]string{"Authorization": "Bearer " + admin})
		if r.status != 400 {
			t.Errorf("POST %s %s: %d, want 400", c.path, c.body, r.status)
			continue
		}
		if msg := decodeErr(t, r).Error.Message; !strings.Contains(msg, c.want) {
			t.Errorf("POST %s %s: message %q lacks %q", c.path, c.body, msg, c.want)
		}
	}
	users, _ := e.auth.ListUsers(context.Background())
	tokens, _ := e.auth.ListTokens(context.Background())
	if len(users) != 1 || len(tokens) != 1 {
		t.Fatalf("bad input changed state: %d users, %d tokens", len(users), len(tokens))
	}
	// The last administrator cannot be removed.
	if r := api(e, "DELETE", "/api/v1/users/alice", admin, nil); r.status != 409 {
		t.Fatalf("deleting the last user: %d", r.status)
	}
}

func TestReloadErrorsAre400(t *testing.T) {
	e := newEnv(t, false)
	e.reload = func(context.Context) error {
		return errs.E(errs.Invalid, "configuration rejected; the running one stays:\nvigie.yaml:3:3: server.lisen: unknown key")
	}
	r := api(e, "POST", "/api/v1/reload", e.token(auth.ScopeWrite), nil)
	if r.status != 400 || !strings.Contains(decodeErr(t, r).Error.Message, "server.lisen") {
		t.Fatalf("rejected reload: %d %s", r.status, r.body)
	}
}

func TestFirstRunSetup(t *testing.T) {
	e := newEnv(t, false)
	proxied := e.browser()
	proxied.ip = "203.0.113.50"
	if r := proxied.get("/setup"); r.status != http.StatusForbidden {
		t.Fatalf("setup through a proxy: %d", r.status)
	}
	b := e.browser()
	if r := b.get("/login"); !strings.Contains(r.body, `href="/setup"`) {
		t.Fatal("login page does not offer setup on a fresh install")
	}
	tok := b.csrf("/setup")
	r := b.post("/setup", url.Values{"csrf": {tok}, "name": {"root"}, "password": {password}, "confirm": {"something else"}})
	if r.status != 400 || !strings.Contains(r.body, "differ") {
		t.Fatalf("mismatched passwords: %d", r.status)
	}
	r = b.post("/setup", url.Values{"csrf": {tok}, "name": {"root"}, "password": {password}, "confirm": {password}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
	if r := b.get("/"); r.status != 200 {
		t.Fatalf("setup should log in: %d", r.status)
	}
	if r := e.browser().get("/setup"); r.status != http.StatusNotFound {
		t.Fatalf("setup after an admin exists: %d", r.status)
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	e := newEnv(t, false)
	admin := e.token(auth.ScopeAdmin)
	created := api(e, "POST", "/api/v1/tokens", admin, map[string]string{"name": "leak", "scope": "read"})
	var tok struct{ Token string }
	json.Unmarshal([]byte(created.body), &tok)
	if !strings.HasPrefix(tok.Token, auth.TokenPrefix) {
		t.Fatalf("created token: %s", created.body)
	}
	api(e, "POST", "/api/v1/users", admin, map[string]string{"name": "carol", "password": password})
	uri, err := e.auth.EnableTOTP(context.Background(), "carol", "vigie")
	if err != nil {
		t.Fatal(err)
	}
	totpSecret := mustURL(uri).Query().Get("secret")
	e.browser().login("carol", "a wrong password", "")
	b := e.browser()
	code, _ := auth.TOTPCode(totpSecret, auth.TOTPStep(e.clock.Now()))
	if r := b.login("carol", password, code); r.status != http.StatusSeeOther {
		t.Fatalf("login: %d", r.status)
	}
	// Query strings are never logged: later features put signed tokens there.
	api(e, "GET", "/api/v1/health?token=query-secret-value", tok.Token, nil)

	secrets := []string{tok.Token, admin, password, "a wrong password", "query-secret-value", totpSecret}
	listed := api(e, "GET", "/api/v1/tokens", admin, nil).body + api(e, "GET", "/api/v1/users", admin, nil).body
	tokensPage := b.get("/tokens").body + b.get("/users").body
	if !strings.Contains(tokensPage, "leak") {
		t.Fatal("tokens page does not list the token; the leak check saw nothing")
	}
	for _, s := range secrets {
		for where, text := range map[string]string{"logs": e.logs.String(), "API listings": listed, "tokens page": tokensPage} {
			if strings.Contains(text, s) {
				t.Errorf("secret %q appears in %s", s, where)
			}
		}
	}
	if !strings.Contains(e.logs.String(), "http request") {
		t.Fatal("no request log lines were written; the leak check saw nothing")
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, false)
	read := e.token(auth.ScopeRead)
	api(e, "GET", "/api/v1/health", read, nil)
	r := api(e, "GET", "/metrics", read, nil)
	for _, want := range []string{
		`vigie_http_requests_total{code="200",method="GET",route="GET /api/v1/health"} 1`,
		`vigie_http_request_duration_seconds_bucket{method="GET",route="GET /api/v1/health"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
