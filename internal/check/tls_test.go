package check

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vigie/internal/check/cond"
)

// testCA issues certificates for loopback peers.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "vigie test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issue makes a leaf for names (DNS names or IP addresses) valid until notAfter, usable by
// servers and clients.
func (ca *testCA) issue(t *testing.T, cn string, notAfter time.Time, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if notAfter.Before(tmpl.NotBefore) {
		tmpl.NotBefore = notAfter.Add(-48 * time.Hour)
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// writePEM stores a certificate and its key as files, as a user would configure them.
func writePEM(t *testing.T, c tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")
	for file, block := range map[string]*pem.Block{
		certFile: {Type: "CERTIFICATE", Bytes: c.Certificate[0]},
		keyFile:  {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

// serve accepts connections on a loopback port and hands each to handle until the test
// ends; it returns the address.
func serve(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(3 * time.Second))
				handle(conn)
			})
		}
	})
	return ln.Addr().String()
}

// closedPort returns an address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func run(t *testing.T, p Probe, timeout time.Duration) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	return p.Run(ctx)
}

func serverHandshake(cert tls.Certificate) func(net.Conn) {
	return func(conn net.Conn) {
		tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}}).Handshake()
	}
}

func TestTLS(t *testing.T) {
	ca := newTestCA(t)
	good := ca.issue(t, "localhost", time.Now().Add(30*24*time.Hour), "localhost", "127.0.0.1")
	expired := ca.issue(t, "localhost", time.Now().Add(-24*time.Hour), "localhost")
	goodAddr := serve(t, serverHandshake(good))

	tests := []struct {
		name       string
		addr       string
		serverName string
		roots      *x509.CertPool
		want       map[string]cond.Value
		certError  string
	}{
		{name: "valid", addr: goodAddr, serverName: "localhost", roots: ca.pool, want: map[string]cond.Value{
			"cert.valid": cond.Bool(true), "cert.chain_valid": cond.Bool(true), "cert.hostname_valid": cond.Bool(true),
			"cert.issuer": cond.String("vigie test CA"), "cert.subject": cond.String("localhost"),
			"cert.sans": cond.List([]string{"localhost", "127.0.0.1"}), "tls.version": cond.String("TLS1.3"),
			"cert.error": cond.String(""),
		}},
		{name: "IP target, default server name", addr: goodAddr, roots: ca.pool, want: map[string]cond.Value{
			"cert.valid": cond.Bool(true),
		}},
		{name: "hostname mismatch", addr: goodAddr, serverName: "example.com", roots: ca.pool, want: map[string]cond.Value{
			"cert.valid": cond.Bool(false), "cert.chain_valid": cond.Bool(true), "cert.hostname_valid": cond.Bool(false),
		}, certError: "not example.com"},
		{name: "unknown authority with system roots", addr: goodAddr, serverName: "localhost", want: map[string]cond.Value{
			"cert.valid": cond.Bool(false), "cert.chain_valid": cond.Bool(false), "cert.hostname_valid": cond.Bool(true),
		}, certError: "certificate signed by unknown authority"},
		{name: "expired", addr: serve(t, serverHandshake(expired)), serverName: "localhost", roots: ca.pool, want: map[string]cond.Value{
			"cert.valid": cond.Bool(false), "cert.chain_valid": cond.Bool(false), "cert.hostname_valid": cond.Bool(true),
		}, certError: "certificate has expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newTLS(Spec{Kind: "tls", Target: tt.addr, TLS: TLSOptions{ServerName: tt.serverName}}, tt.roots)
			if err != nil {
				t.Fatal(err)
			}
			res := run(t, p, 2*time.Second)
			if res.Err != nil {
				t.Fatalf("Err = %v", res.Err)
			}
			for k, want := range tt.want {
				if got := res.Fields[k]; !got.Equal(want) {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
			if got := res.Fields["cert.error"].Str(); !strings.Contains(got, tt.certError) {
				t.Errorf("cert.error = %q, want it to contain %q", got, tt.certError)
			}
			exp := res.Fields["cert.expires_in"].Dur()
			if wantExpired := tt.name == "expired"; (exp < 0) != wantExpired {
				t.Errorf("cert.expires_in = %v", exp)
			}
			if res.Fields["tls.cipher"].Str() == "" || res.Duration <= 0 || res.Fields["response_time"].Dur() != res.Duration {
				t.Errorf("cipher %v, duration %v, response_time %v", res.Fields["tls.cipher"], res.Duration, res.Fields["response_time"])
			}
			assertSchema(t, res.Fields, tlsSchema())
		})
	}
}

func TestTLSFailures(t *testing.T) {
	plain := serve(t, func(c net.Conn) { c.Write([]byte("220 plain text here\r\n")) })
	tests := []struct {
		name, target, want string
	}{
		{"not TLS", plain, "TLS handshake: the server did not answer in TLS"},
		{"nothing listening", closedPort(t), "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewTLS(Spec{Kind: "tls", Target: tt.target})
			if err != nil {
				t.Fatal(err)
			}
			if res := run(t, p, 2*time.Second); res.Err == nil || res.Err.Error() != tt.want {
				t.Errorf("Err = %v, want %q", res.Err, tt.want)
			}
		})
	}
}

func TestTLSTimeout(t *testing.T) {
	silent := serve(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	p, err := NewTLS(Spec{Kind: "tls", Target: silent})
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, p, 100*time.Millisecond)
	if res.Err == nil || res.Err.Error() != "TLS handshake: timed out after 100ms" {
		t.Errorf("Err = %v", res.Err)
	}
}

func TestNewTLSErrors(t *testing.T) {
	tests := []struct {
		spec Spec
		want string
	}{
		{Spec{Target: "example.com"}, `target "example.com": missing port (want host:port)`},
		{Spec{Target: ":443"}, `target ":443": missing host`},
		{Spec{Target: "example.com:25", TLS: TLSOptions{StartTLS: "xmpp"}},
			`unknown starttls protocol "xmpp" (want smtp, imap, pop3, ldap or postgres)`},
	}
	for _, tt := range tests {
		if _, err := NewTLS(tt.spec); err == nil || err.Error() != tt.want {
			t.Errorf("NewTLS(%+v) = %v, want %q", tt.spec, err, tt.want)
		}
	}
}

// assertSchema checks that every field a probe reports is declared with its kind.
func assertSchema(t *testing.T, fields map[string]cond.Value, schema cond.Schema) {
	t.Helper()
	for k, v := range fields {
		if kind, ok := schema[k]; !ok || kind != v.Kind() {
			t.Errorf("field %s (%v) is not in the schema as such", k, v.Kind())
		}
	}
}
