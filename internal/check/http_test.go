package check

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// newHTTPS starts a TLS test server presenting cert; conf adds settings such as client
// authentication.
func newHTTPS(t *testing.T, cert tls.Certificate, conf *tls.Config, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if conf == nil {
		conf = &tls.Config{}
	}
	conf.Certificates = []tls.Certificate{cert}
	srv.TLS = conf
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected here
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func newHTTPServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func mustHTTP(t *testing.T, s Spec, roots *x509.CertPool) Probe {
	t.Helper()
	s.Kind = "http"
	p, err := newHTTP(s, roots)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHTTPStatusAndBody(t *testing.T) {
	srv := newHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/down":
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		case "/big":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, strings.Repeat("a", 3000))
		}
	})
	tests := []struct {
		path    string
		maxBody int64
		status  float64
		body    string
		size    float64
	}{
		{"/down", 0, 503, "maintenance\n", 12},
		{"/big", 1000, 200, strings.Repeat("a", 1000), 3000},
		{"/big", 0, 200, strings.Repeat("a", 3000), 3000},
	}
	for _, tt := range tests {
		res := run(t, mustHTTP(t, Spec{URL: srv.URL + tt.path, HTTP: HTTPOptions{MaxBodyBytes: tt.maxBody}}, nil), 2*time.Second)
		if res.Err != nil {
			t.Fatalf("%s: %v", tt.path, res.Err)
		}
		f := res.Fields
		if f["status"].Num() != tt.status || f["body"].Str() != tt.body || string(res.Body) != tt.body || f["body_size"].Num() != tt.size {
			t.Errorf("%s: status %v, body %d bytes, body_size %v", tt.path, f["status"], len(f["body"].Str()), f["body_size"])
		}
		if f["response_time"].Dur() != res.Duration || res.Duration <= 0 {
			t.Errorf("%s: response_time %v, Duration %v", tt.path, f["response_time"], res.Duration)
		}
		if _, ok := f["tls.version"]; ok {
			t.Errorf("%s: tls.version reported over plain HTTP", tt.path)
		}
		assertSchema(t, f, httpSchema())
	}
}

func TestHTTPRedirects(t *testing.T) {
	srv := newHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/older", http.StatusMovedPermanently)
		case "/older":
			http.Redirect(w, r, "/new", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	})
	tests := []struct {
		path      string
		follow    bool
		status    float64
		redirects float64
		finalPath string
		err       string
	}{
		{"/old", true, 200, 2, "/new", ""},
		{"/old", false, 301, 0, "/old", ""},
		{"/loop", true, 0, 0, "", "stopped after 10 redirects"},
	}
	for _, tt := range tests {
		res := run(t, mustHTTP(t, Spec{URL: srv.URL + tt.path, HTTP: HTTPOptions{FollowRedirects: tt.follow}}, nil), 2*time.Second)
		if errString(res.Err) != tt.err {
			t.Errorf("%s follow=%v: Err = %v, want %q", tt.path, tt.follow, res.Err, tt.err)
			continue
		}
		if tt.err != "" {
			continue
		}
		f := res.Fields
		if f["status"].Num() != tt.status || f["redirects"].Num() != tt.redirects || f["final_url"].Str() != srv.URL+tt.finalPath {
			t.Errorf("%s follow=%v: status %v, redirects %v, final_url %v", tt.path, tt.follow, f["status"], f["redirects"], f["final_url"])
		}
	}
}

func TestHTTPRequest(t *testing.T) {
	type seen struct{ method, body, auth, header, host, agent string }
	got := make(chan seen, 1)
	srv := newHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, string(body), r.Header.Get("Authorization"), r.Header.Get("X-Tenant"), r.Host, r.UserAgent()}
	})
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:s3cret"))
	tests := []struct {
		name string
		opts HTTPOptions
		want seen
	}{
		{"defaults", HTTPOptions{}, seen{method: "GET", host: srv.Listener.Addr().String(), agent: "vigie"}},
		{"method, body, headers", HTTPOptions{Method: "POST", Body: `{"ping":1}`, Headers: map[string]string{"X-Tenant": "acme", "Host": "status.example"}},
			seen{method: "POST", body: `{"ping":1}`, header: "acme", host: "status.example", agent: "vigie"}},
		{"basic auth", HTTPOptions{BasicAuth: &BasicAuth{Username: "ops", Password: "s3cret"}},
			seen{method: "GET", auth: basic, host: srv.Listener.Addr().String(), agent: "vigie"}},
		{"bearer", HTTPOptions{BearerToken: "tok", Headers: map[string]string{"User-Agent": "probe"}},
			seen{method: "GET", auth: "Bearer tok", host: srv.Listener.Addr().String(), agent: "probe"}},
	}
	for _, tt := range tests {
		res := run(t, mustHTTP(t, Spec{URL: srv.URL, HTTP: tt.opts}, nil), 2*time.Second)
		if res.Err != nil {
			t.Fatalf("%s: %v", tt.name, res.Err)
		}
		if s := <-got; s != tt.want {
			t.Errorf("%s: server saw %+v, want %+v", tt.name, s, tt.want)
		}
	}
}

func TestHTTPS(t *testing.T) {
	ca := newTestCA(t)
	ok := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }
	good := newHTTPS(t, ca.issue(t, "localhost", time.Now().Add(90*24*time.Hour), "127.0.0.1"), nil, http.HandlerFunc(ok))
	expired := newHTTPS(t, ca.issue(t, "localhost", time.Now().Add(-72*time.Hour), "127.0.0.1"), nil, http.HandlerFunc(ok))
	vhost := newHTTPS(t, ca.issue(t, "status.example", time.Now().Add(time.Hour), "status.example"), nil, http.HandlerFunc(ok))

	tests := []struct {
		name     string
		url      string
		roots    *x509.CertPool
		insecure bool
		host     string
		err      string
		expired  bool
	}{
		{name: "trusted", url: good.URL, roots: ca.pool},
		{name: "virtual host by address", url: vhost.URL, roots: ca.pool, host: "status.example"},
		{name: "virtual host without its name", url: vhost.URL, roots: ca.pool,
			err: "TLS handshake: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
		{name: "unknown authority", url: good.URL, err: "TLS handshake: certificate signed by unknown authority"},
		{name: "unknown authority, verify off", url: good.URL, insecure: true},
		{name: "expired", url: expired.URL, roots: ca.pool, err: "TLS handshake: certificate has expired", expired: true},
		{name: "expired, verify off", url: expired.URL, insecure: true, expired: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := HTTPOptions{InsecureSkipVerify: tt.insecure, Headers: map[string]string{"Host": tt.host}}
			if tt.host == "" {
				opts.Headers = nil
			}
			res := run(t, mustHTTP(t, Spec{URL: tt.url, HTTP: opts}, tt.roots), 2*time.Second)
			if errString(res.Err) != tt.err {
				t.Fatalf("Err = %v, want %q", res.Err, tt.err)
			}
			exp, ok := res.Fields["cert.expires_in"]
			if !ok || (exp.Dur() < 0) != tt.expired {
				t.Errorf("cert.expires_in = %v", exp)
			}
			if tt.err != "" {
				return
			}
			if v := res.Fields["tls.version"].Str(); v != "TLS1.3" {
				t.Errorf("tls.version = %q", v)
			}
			if c := res.Fields["tls.cipher"].Str(); !strings.HasPrefix(c, "TLS_") {
				t.Errorf("tls.cipher = %q", c)
			}
			assertSchema(t, res.Fields, httpSchema())
		})
	}
}

func TestHTTPClientCertificate(t *testing.T) {
	ca := newTestCA(t)
	srv := newHTTPS(t, ca.issue(t, "localhost", time.Now().Add(time.Hour), "127.0.0.1"),
		&tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
		}))
	certFile, keyFile := writePEM(t, ca.issue(t, "vigie-probe", time.Now().Add(time.Hour)))

	res := run(t, mustHTTP(t, Spec{URL: srv.URL, HTTP: HTTPOptions{ClientCertFile: certFile, ClientKeyFile: keyFile}}, ca.pool), 2*time.Second)
	if res.Err != nil || string(res.Body) != "vigie-probe" {
		t.Errorf("with certificate: Err = %v, body %q", res.Err, res.Body)
	}
	res = run(t, mustHTTP(t, Spec{URL: srv.URL}, ca.pool), 2*time.Second)
	if want := "TLS alert from the server: certificate required"; errString(res.Err) != want {
		t.Errorf("without certificate: Err = %v, want %q", res.Err, want)
	}
}

// forwardProxy is a minimal HTTP proxy: absolute-URI requests are forwarded, CONNECT is
// tunnelled. It counts what passed through it.
func forwardProxy(t *testing.T, seen *atomic.Int32) string {
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	return newHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		if r.Method == http.MethodConnect {
			upstream, err := net.Dial("tcp", r.Host)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer upstream.Close()
			w.WriteHeader(http.StatusOK)
			client, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer client.Close()
			go io.Copy(upstream, client)
			io.Copy(client, upstream)
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		resp, err := transport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Via", "test-proxy")
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}).URL
}

func TestHTTPProxy(t *testing.T) {
	ca := newTestCA(t)
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	plain := newHTTPServer(t, hello)
	secure := newHTTPS(t, ca.issue(t, "localhost", time.Now().Add(time.Hour), "127.0.0.1"), nil, hello)
	for _, target := range []string{plain.URL, secure.URL} {
		var seen atomic.Int32
		proxy := forwardProxy(t, &seen)
		res := run(t, mustHTTP(t, Spec{URL: target, HTTP: HTTPOptions{Proxy: proxy}}, ca.pool), 2*time.Second)
		if res.Err != nil || string(res.Body) != "hello" || seen.Load() != 1 {
			t.Errorf("%s via proxy: Err = %v, body %q, proxy saw %d requests", target, res.Err, res.Body, seen.Load())
		}
	}
	res := run(t, mustHTTP(t, Spec{URL: plain.URL, HTTP: HTTPOptions{Proxy: "http://" + closedPort(t)}}, nil), 2*time.Second)
	if want := "proxy: connection refused"; errString(res.Err) != want {
		t.Errorf("dead proxy: Err = %v, want %q", res.Err, want)
	}
}

func TestHTTPFailures(t *testing.T) {
	slow := newHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	trickle := newHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	tests := []struct{ url, want string }{
		{slow.URL, "timed out after 100ms"},
		{trickle.URL, "reading the body: timed out after 100ms"},
		{"http://" + closedPort(t), "connection refused"},
	}
	for _, tt := range tests {
		res := run(t, mustHTTP(t, Spec{URL: tt.url}, nil), 100*time.Millisecond)
		if errString(res.Err) != tt.want {
			t.Errorf("%s: Err = %v, want %q", tt.url, res.Err, tt.want)
		}
	}
}

func TestNewHTTPErrors(t *testing.T) {
	tests := []struct {
		spec Spec
		want string
	}{
		{Spec{URL: "ftp://example.com/"}, `url "ftp://example.com/": scheme must be http or https`},
		{Spec{URL: "example.com"}, `url "example.com": scheme must be http or https`},
		{Spec{URL: "https:///path"}, `url "https:///path": missing host`},
		{Spec{URL: "http://[::1/"}, `url "http://[::1/": missing ']' in host`},
		{Spec{URL: "http://x/", HTTP: HTTPOptions{Method: "GET X"}}, `method "GET X" is not valid`},
		{Spec{URL: "http://x/", HTTP: HTTPOptions{BasicAuth: &BasicAuth{}, BearerToken: "t"}}, "basic auth and bearer token are both set; use one"},
		{Spec{URL: "http://x/", HTTP: HTTPOptions{Proxy: "ftp://proxy:21"}}, `proxy "ftp://proxy:21": scheme must be http, https or socks5`},
		{Spec{URL: "http://x/", HTTP: HTTPOptions{ClientCertFile: "/nonexistent/c.pem"}}, "client certificate: both the certificate and the key file are needed"},
		{Spec{URL: "http://x/", HTTP: HTTPOptions{ClientCertFile: "/nonexistent/c.pem", ClientKeyFile: "/nonexistent/k.pem"}},
			"client certificate: open /nonexistent/c.pem: no such file or directory"},
	}
	for _, tt := range tests {
		if _, err := NewHTTP(tt.spec); errString(err) != tt.want {
			t.Errorf("NewHTTP(%q) = %v, want %q", tt.spec.URL, err, tt.want)
		}
	}
}
