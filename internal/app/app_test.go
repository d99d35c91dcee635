package app_test

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
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigie/internal/app"
	"vigie/internal/auth"
	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/testutil"
)

func start(t *testing.T, dir, config string) (*app.App, *testutil.LogBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startOn(t, dir, config, ln, nil)
}

// startOn runs the app on ln (so the configuration can name its address) with clk (nil for
// the wall clock).
func startOn(t *testing.T, dir, config string, ln net.Listener, clk clock.Clock) (*app.App, *testutil.LogBuffer) {
	t.Helper()
	path := filepath.Join(dir, "vigie.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &testutil.LogBuffer{}
	a, err := app.New(context.Background(), app.Options{ConfigPath: path, LookupEnv: os.LookupEnv, LogOutput: logs,
		Listener: ln, Clock: clk, HashParams: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return a, logs
}

func get(t *testing.T, client *http.Client, url, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r, string(b)
}

func TestMetricsCoverRuntimeHTTPAndStore(t *testing.T) {
	a, _ := start(t, t.TempDir(), "storage:\n  path: vigie.db\n")
	raw, _, err := a.Auth().CreateToken(context.Background(), "prom", auth.ScopeRead, "test")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr().String()
	get(t, http.DefaultClient, base+"/readyz", "")
	r, body := get(t, http.DefaultClient, base+"/metrics", raw)
	if r.StatusCode != 200 {
		t.Fatalf("/metrics: %d", r.StatusCode)
	}
	for _, want := range []string{
		"go_goroutines ",
		"process_resident_memory_bytes ",
		`vigie_http_requests_total{code="200",method="GET",route="GET /readyz"} 1`,
		`vigie_store_operation_duration_seconds_count{op="tokens.create"} 1`,
		`vigie_store_operation_duration_seconds_count{op="migrate"} 1`,
		"vigie_build_info{",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestTLSAndCertificateReload(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, "first")
	config := "storage:\n  path: vigie.db\nserver:\n  tls:\n    cert_file: cert.pem\n    key_file: key.pem\n"
	a, logs := start(t, dir, config)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	base := "https://" + a.Addr().String()

	r, _ := get(t, client, base+"/healthz", "")
	if r.StatusCode != 200 || r.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("healthz over TLS: %d, HSTS %q", r.StatusCode, r.Header.Get("Strict-Transport-Security"))
	}
	if cn := r.TLS.PeerCertificates[0].Subject.CommonName; cn != "first" {
		t.Fatalf("served certificate %q", cn)
	}

	// A renewed certificate is picked up by a reload, without a restart.
	writeCert(t, dir, "renewed")
	if err := a.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	client.CloseIdleConnections()
	r, _ = get(t, client, base+"/healthz", "")
	if cn := r.TLS.PeerCertificates[0].Subject.CommonName; cn != "renewed" {
		t.Fatalf("after reload the server still serves %q", cn)
	}

	// A broken key file is refused and the running certificate stays.
	os.WriteFile(filepath.Join(dir, "key.pem"), []byte("not a key"), 0o600)
	if err := a.Reload(context.Background()); !errs.Is(err, errs.Invalid) {
		t.Fatalf("reload with a broken key: %v", err)
	}
	client.CloseIdleConnections()
	r, _ = get(t, client, base+"/healthz", "")
	if cn := r.TLS.PeerCertificates[0].Subject.CommonName; cn != "renewed" {
		t.Fatalf("a rejected reload changed the certificate to %q", cn)
	}

	// Settings a running server cannot apply are reported, not silently ignored.
	writeCert(t, dir, "renewed")
	os.WriteFile(filepath.Join(dir, "vigie.yaml"), []byte(config+"  listen: 127.0.0.1:9\n"), 0o600)
	if err := a.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `needs a restart to take effect" key=server.listen`) {
		t.Fatalf("no restart warning for server.listen:\n%s", logs.String())
	}
}

func writeCert(t *testing.T, dir, cn string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
}
