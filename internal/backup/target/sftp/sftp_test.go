package sftp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"vigie/internal/backup/target"
	"vigie/internal/backup/target/targettest"
)

func dialT(t *testing.T, cfg Config) *Target {
	t.Helper()
	tg, err := Dial(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() {
		if err := tg.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tg
}

func TestConformance(t *testing.T) {
	srv := startSSHD(t)
	targettest.Run(t, func(t *testing.T) target.Target {
		return dialT(t, srv.config(t.TempDir()))
	})
}

func TestString(t *testing.T) {
	srv := startSSHD(t)
	dir := t.TempDir()
	tg := dialT(t, srv.config(dir))
	if got, want := tg.String(), "sftp://"+srv.user+"@"+srv.addr+dir; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestWrongHostKeyRefused(t *testing.T) {
	srv := startSSHD(t)
	other, _ := newKey(t)
	seen := ssh.FingerprintSHA256(srv.hostKey)
	expected := ssh.FingerprintSHA256(other.PublicKey())
	for _, pin := range []string{string(ssh.MarshalAuthorizedKey(other.PublicKey())), expected} {
		cfg := srv.config(t.TempDir())
		cfg.HostKey = pin
		_, err := Dial(t.Context(), cfg)
		if err == nil {
			t.Fatalf("Dial with host key pinned to %s succeeded", expected)
		}
		msg := err.Error()
		if !strings.Contains(msg, "host key mismatch") || !strings.Contains(msg, seen) || !strings.Contains(msg, expected) {
			t.Errorf("error = %q, want a host key mismatch naming %s (seen) and %s (expected)", msg, seen, expected)
		}
	}
}

func TestHostKeyPinnedByFingerprintOrKnownHostsLine(t *testing.T) {
	srv := startSSHD(t)
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.hostKey)))
	for _, pin := range []string{
		ssh.FingerprintSHA256(srv.hostKey),
		"[127.0.0.1]:22 " + line,
		line + " root@backup-1",
	} {
		cfg := srv.config(t.TempDir())
		cfg.HostKey = pin
		dialT(t, cfg)
	}
	cfg := srv.config(t.TempDir())
	cfg.HostKey = ""
	if _, err := Dial(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "host key is required") {
		t.Errorf("Dial without a host key: %v, want \"host key is required\"", err)
	}
}

func TestCertificateAuth(t *testing.T) {
	srv := startSSHD(t)
	// This key is not in authorized_keys: only its certificate lets it in.
	signer, keyPEM := newKey(t)
	cfg := srv.config(t.TempDir())
	cfg.PrivateKey = keyPEM
	if _, err := Dial(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("Dial with an unknown key and no certificate: %v, want an authentication failure", err)
	}
	cfg.Certificate = srv.certificate(t, signer.PublicKey())
	tg := dialT(t, cfg)
	if _, err := tg.Put(t.Context(), "a/b", bytes.NewReader([]byte("x"))); err != nil {
		t.Fatalf("Put with certificate auth: %v", err)
	}

	other, _ := newKey(t)
	cfg.Certificate = srv.certificate(t, other.PublicKey())
	if _, err := Dial(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "not for this private key") {
		t.Errorf("Dial with another key's certificate: %v, want \"not for this private key\"", err)
	}
}

func TestUnreachable(t *testing.T) {
	// A port nobody listens on: refused at once.
	closed := freeAddr(t)
	cfg := Config{Addr: closed, User: "backup", Dir: "/srv", HostKey: "SHA256:x", PrivateKey: mustKey(t), Timeout: time.Second}
	start := time.Now()
	_, err := Dial(t.Context(), cfg)
	if err == nil || !strings.Contains(err.Error(), closed) || !strings.Contains(err.Error(), "connect") {
		t.Errorf("Dial to a closed port: %v, want a connection error naming %s", err, closed)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Dial to a closed port took %s", d)
	}

	// A server that accepts and never speaks: the handshake times out.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn // until the listener closes
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	cfg.Addr = l.Addr().String()
	cfg.Timeout = 500 * time.Millisecond
	start = time.Now()
	_, err = Dial(t.Context(), cfg)
	if err == nil || !strings.Contains(err.Error(), cfg.Addr) || !strings.Contains(err.Error(), "timed out after 500ms") {
		t.Errorf("Dial to a silent server: %v, want a handshake timeout naming %s", err, cfg.Addr)
	}
	if d := time.Since(start); d < cfg.Timeout || d > 5*time.Second {
		t.Errorf("Dial to a silent server took %s, want about %s", d, cfg.Timeout)
	}
}

func mustKey(t *testing.T) []byte {
	_, p := newKey(t)
	return p
}

func TestSecretsStayOut(t *testing.T) {
	srv := startSSHD(t)
	cfg := srv.config(t.TempDir())
	block, _ := pem.Decode(cfg.PrivateKey)
	secrets := []string{string(cfg.PrivateKey), base64.StdEncoding.EncodeToString(block.Bytes)[40:80]}
	var outputs []string
	add := func(what string, err error) {
		if err == nil {
			t.Fatalf("%s succeeded", what)
		}
		outputs = append(outputs, err.Error())
	}

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("target", "config", cfg)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("target", "config", cfg)
	outputs = append(outputs, logs.String(), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg))

	tg := dialT(t, cfg)
	outputs = append(outputs, tg.String())
	_, err := tg.Get(t.Context(), "missing")
	add("Get of a missing object", err)

	bad := cfg
	bad.HostKey = "SHA256:AAAA"
	_, err = Dial(t.Context(), bad)
	add("Dial with a wrong host key", err)
	bad = cfg
	bad.PrivateKey = append([]byte(nil), cfg.PrivateKey...)
	bad.PrivateKey[len(bad.PrivateKey)/2] ^= 0x20 // still looks like a key, no longer parses
	_, err = Dial(t.Context(), bad)
	add("Dial with a damaged key", err)
	bad = cfg
	bad.PrivateKey = []byte("not a key but a secret " + secrets[1])
	_, err = Dial(t.Context(), bad)
	add("Dial with a non-key", err)
	bad = cfg
	bad.Addr = freeAddr(t)
	_, err = Dial(t.Context(), bad)
	add("Dial to a closed port", err)

	for _, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("private key material appears in %q", out)
			}
		}
	}
}

func TestSpace(t *testing.T) {
	srv := startSSHD(t)
	tg := dialT(t, srv.config(t.TempDir()))
	free, total, err := tg.Space(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if total <= 0 || free < 1<<20 || free > total {
		t.Errorf("Space() = free %d, total %d; want 1 MiB <= free <= total", free, total)
	}
}

func TestCleanupRemovesLeftovers(t *testing.T) {
	srv := startSSHD(t)
	dir := t.TempDir()
	tg := dialT(t, srv.config(dir))
	// What a Put killed halfway leaves on the server.
	leftover := filepath.Join(dir, "web", target.TempPrefix+"killed")
	if err := os.MkdirAll(filepath.Dir(leftover), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(leftover, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	hourAgo := time.Now().Add(-time.Hour)
	if err := os.Chtimes(leftover, hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	if objs, err := tg.List(t.Context(), ""); err != nil || len(objs) != 0 {
		t.Errorf("List() = %v, %v; want nothing", objs, err)
	}
	if n, err := tg.Cleanup(t.Context(), 2*time.Hour); err != nil || n != 0 {
		t.Errorf("Cleanup(2h) = %d, %v; want 0", n, err)
	}
	if n, err := tg.Cleanup(t.Context(), 10*time.Minute); err != nil || n != 1 {
		t.Errorf("Cleanup(10m) = %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("leftover still there: %v", err)
	}
}

func TestDialChecksDirectory(t *testing.T) {
	srv := startSSHD(t)
	missing := filepath.Join(t.TempDir(), "gone")
	_, err := Dial(t.Context(), srv.config(missing))
	if err == nil || !strings.Contains(err.Error(), "backup directory") {
		t.Errorf("Dial to a missing directory: %v, want a backup directory error", err)
	}
	if _, err := Dial(context.Background(), srv.config("relative/dir")); err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("Dial to a relative directory: %v, want \"absolute\"", err)
	}
}

// freezingProxy forwards TCP to addr until frozen, then holds every byte, like a link that
// went dead without a reset.
type freezingProxy struct {
	l      net.Listener
	frozen atomic.Bool
}

func newFreezingProxy(t *testing.T, addr string) *freezingProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{l: l}
	t.Cleanup(func() { l.Close() })
	go func() {
		var held []net.Conn // until the listener closes
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", addr)
			if err != nil {
				in.Close()
				continue
			}
			held = append(held, in, out)
			go p.pipe(in, out)
			go p.pipe(out, in)
		}
	}()
	return p
}

func (p *freezingProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for p.frozen.Load() {
			time.Sleep(10 * time.Millisecond)
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func TestDeadLinkFailsInsteadOfHanging(t *testing.T) {
	srv := startSSHD(t)
	proxy := newFreezingProxy(t, srv.addr)
	cfg := srv.config(t.TempDir())
	cfg.Addr = proxy.l.Addr().String()
	// Long enough for a loaded CI machine to answer keepalives in time, short enough to show
	// that a dead link fails in seconds.
	cfg.Timeout = 1500 * time.Millisecond
	tg, err := Dial(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	time.Sleep(2 * cfg.Timeout) // keepalives pass while the link is alive
	if _, err := tg.Put(t.Context(), "before", bytes.NewReader([]byte("x"))); err != nil {
		t.Fatalf("Put on a live link: %v", err)
	}
	proxy.frozen.Store(true)
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := tg.Put(t.Context(), "after", bytes.NewReader(targettest.Data(1<<20, 1)))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Put over a dead link succeeded")
		}
		t.Logf("Put over a dead link failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
	case <-time.After(10 * time.Second):
		t.Fatal("Put over a dead link still hangs after 10s")
	}
}
