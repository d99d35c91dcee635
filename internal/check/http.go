package check

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"vigie/internal/check/cond"
)

const (
	defaultMaxBody = 1 << 20
	maxRedirects   = 10
	userAgent      = "vigie"
)

func httpSchema() cond.Schema {
	return cond.Schema{
		"status":          cond.KindNumber,
		"response_time":   cond.KindDuration,
		"body":            cond.KindString,
		"body_size":       cond.KindNumber,
		"content_type":    cond.KindString,
		"redirects":       cond.KindNumber,
		"final_url":       cond.KindString,
		"cert.expires_in": cond.KindDuration, // only over TLS
		"tls.version":     cond.KindString,   // only over TLS
		"tls.cipher":      cond.KindString,   // only over TLS
	}
}

func httpDefaultCondition() string { return "status >= 200 && status < 400" }

type httpProbe struct {
	client  *http.Client
	url     string
	method  string
	header  http.Header
	host    string // a Host header overrides the URL's host
	body    string
	basic   *BasicAuth
	bearer  string
	maxBody int64
}

// NewHTTP returns a probe that sends one request to s.URL and reads the answer.
func NewHTTP(s Spec) (Probe, error) { return newHTTP(s, nil) }

// newHTTP is NewHTTP trusting roots instead of the system's, so tests can use their own CA.
func newHTTP(s Spec, roots *x509.CertPool) (Probe, error) {
	o := s.HTTP
	u, err := url.Parse(s.URL)
	if err != nil {
		return nil, fmt.Errorf("url %q: %v", s.URL, errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("url %q: scheme must be http or https", s.URL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("url %q: missing host", s.URL)
	}
	p := &httpProbe{
		url:     s.URL,
		method:  cmp.Or(o.Method, http.MethodGet),
		header:  http.Header{"User-Agent": {userAgent}},
		body:    o.Body,
		basic:   o.BasicAuth,
		bearer:  o.BearerToken,
		maxBody: cmp.Or(o.MaxBodyBytes, defaultMaxBody),
	}
	if _, err := http.NewRequest(p.method, s.URL, nil); err != nil {
		return nil, fmt.Errorf("method %q is not valid", p.method)
	}
	if p.maxBody < 0 {
		return nil, fmt.Errorf("max body bytes %d is negative", p.maxBody)
	}
	if p.basic != nil && p.bearer != "" {
		return nil, errors.New("basic auth and bearer token are both set; use one")
	}
	for k, v := range o.Headers {
		if strings.EqualFold(k, "Host") {
			p.host = v
		} else {
			p.header.Set(k, v)
		}
	}

	tlsConf := &tls.Config{RootCAs: roots, InsecureSkipVerify: o.InsecureSkipVerify}
	if p.host != "" {
		// A virtual host checked at an address is presented and verified under its name,
		// as blackbox_exporter does.
		tlsConf.ServerName = p.host
		if h, _, err := net.SplitHostPort(p.host); err == nil {
			tlsConf.ServerName = h
		}
	}
	if o.ClientCertFile != "" || o.ClientKeyFile != "" {
		if o.ClientCertFile == "" || o.ClientKeyFile == "" {
			return nil, errors.New("client certificate: both the certificate and the key file are needed")
		}
		cert, err := tls.LoadX509KeyPair(o.ClientCertFile, o.ClientKeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %v", err)
		}
		tlsConf.Certificates = []tls.Certificate{cert}
	}

	// Keep-alives are off so that every run opens a fresh connection and measures DNS,
	// connect and handshake as a visitor's first request would, instead of reusing the
	// previous run's connection. The client itself is built once and reused.
	transport := &http.Transport{
		DialContext:       (&net.Dialer{}).DialContext,
		TLSClientConfig:   tlsConf,
		DisableKeepAlives: true,
		ForceAttemptHTTP2: true,
	}
	// The environment's proxy settings are ignored on purpose: a check must test the same
	// path whether it runs from the server, a CLI or a test.
	if o.Proxy != "" {
		pu, err := url.Parse(o.Proxy)
		if err != nil {
			return nil, fmt.Errorf("proxy %q: %v", o.Proxy, errors.Unwrap(err))
		}
		switch pu.Scheme {
		case "http", "https", "socks5", "socks5h":
		default:
			return nil, fmt.Errorf("proxy %q: scheme must be http, https or socks5", o.Proxy)
		}
		if pu.Host == "" {
			return nil, fmt.Errorf("proxy %q: missing host", o.Proxy)
		}
		transport.Proxy = http.ProxyURL(pu)
	}
	p.client = &http.Client{
		Transport: transport,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if !o.FollowRedirects {
				return http.ErrUseLastResponse
			}
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			return nil
		},
	}
	return p, nil
}

func (p *httpProbe) Run(ctx context.Context) Result {
	budget := budgetOf(ctx)
	var body io.Reader
	if p.body != "" {
		body = strings.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, p.url, body)
	if err != nil {
		return Result{Err: err}
	}
	req.Header = p.header.Clone()
	req.Host = p.host
	if p.basic != nil {
		req.SetBasicAuth(p.basic.Username, p.basic.Password)
	}
	if p.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+p.bearer)
	}

	start := time.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		res := Result{Duration: time.Since(start), Err: describe(ctx, budget, err)}
		// A refused certificate is still worth reporting: "expired 3 days ago".
		var verr *tls.CertificateVerificationError
		if errors.As(err, &verr) && len(verr.UnverifiedCertificates) > 0 {
			res.Fields = map[string]cond.Value{
				"cert.expires_in": cond.Duration(time.Until(verr.UnverifiedCertificates[0].NotAfter)),
			}
		}
		return res
	}
	defer resp.Body.Close()
	kept, err := io.ReadAll(io.LimitReader(resp.Body, p.maxBody))
	// The rest is read and counted, not kept: body_size and the response time cover the
	// whole download.
	rest, restErr := io.Copy(io.Discard, resp.Body)
	elapsed := time.Since(start)

	redirects := 0
	for r := resp.Request; r.Response != nil; r = r.Response.Request {
		redirects++
	}
	fields := map[string]cond.Value{
		"status":        cond.Number(float64(resp.StatusCode)),
		"response_time": cond.Duration(elapsed),
		"body":          cond.String(string(kept)),
		"body_size":     cond.Number(float64(int64(len(kept)) + rest)),
		"content_type":  cond.String(resp.Header.Get("Content-Type")),
		"redirects":     cond.Number(float64(redirects)),
		"final_url":     cond.String(resp.Request.URL.Redacted()),
	}
	if cs := resp.TLS; cs != nil {
		var leaf *x509.Certificate
		if len(cs.PeerCertificates) > 0 {
			leaf = cs.PeerCertificates[0]
		}
		addTLSFields(fields, cs.Version, cs.CipherSuite, leaf, time.Now())
	}
	res := Result{Duration: elapsed, Fields: fields, Body: kept}
	if err := cmp.Or(err, restErr); err != nil {
		res.Err = fmt.Errorf("reading the body: %w", describe(ctx, budget, err))
	}
	return res
}
