package check

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"vigie/internal/check/cond"
)

const testSSHVersion = "SSH-2.0-OpenSSH_9.2p1 Debian-2"

// startSSHServer runs an x/crypto/ssh server with the given host keys on loopback; it
// lets nobody in, which a check never tries anyway.
func startSSHServer(t *testing.T, keys ...ssh.Signer) string {
	t.Helper()
	config := &ssh.ServerConfig{
		ServerVersion: testSSHVersion,
		PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) {
			return nil, errors.New("denied")
		},
	}
	for _, k := range keys {
		config.AddHostKey(k)
	}
	return serveTCP(t, func(conn net.Conn) {
		ssh.NewServerConn(conn, config) // ends when the check hangs up
	})
}

// serveTCP accepts connections on loopback and gives each to handle, which owns it.
func serveTCP(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				handle(conn)
			}()
		}
	}()
	return ln.Addr().String()
}

func newSigner(t *testing.T, key any) ssh.Signer {
	t.Helper()
	s, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runSSH(t *testing.T, target, pin string, timeout time.Duration) Result {
	t.Helper()
	p, err := NewSSH(Spec{Kind: "ssh", Target: target, SSH: SSHOptions{Fingerprint: pin}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	return p.Run(ctx)
}

func TestSSH(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ed, ec := newSigner(t, edKey), newSigner(t, ecKey)
	// With both keys the check must see the ed25519 one, as OpenSSH's client would.
	addr := startSSHServer(t, ec, ed)
	fingerprint := ssh.FingerprintSHA256(ed.PublicKey())

	res := runSSH(t, addr, "", 2*time.Second)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	fieldsFollowSchema(t, res, sshSchema())
	want := map[string]cond.Value{
		"ssh.banner":      cond.String(testSSHVersion),
		"ssh.fingerprint": cond.String(fingerprint),
		"ssh.key_type":    cond.String("ssh-ed25519"),
	}
	for k, v := range want {
		if got := res.Fields[k]; !got.Equal(v) {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	if rt := res.Fields["response_time"].Dur(); rt <= 0 || rt != res.Duration {
		t.Errorf("response_time %v, Duration %v", rt, res.Duration)
	}

	if res := runSSH(t, addr, fingerprint, 2*time.Second); res.Err != nil {
		t.Errorf("pinned to its own key: %v", res.Err)
	}
	other := ssh.FingerprintSHA256(ec.PublicKey())
	res = runSSH(t, addr, other, 2*time.Second)
	if want := "host key " + fingerprint + " does not match the pinned " + other; res.Err == nil || res.Err.Error() != want {
		t.Errorf("pinned to another key: err = %v, want %q", res.Err, want)
	}
	if !res.Fields["ssh.fingerprint"].Equal(cond.String(fingerprint)) {
		t.Errorf("a mismatch must still report the key seen, got %v", res.Fields["ssh.fingerprint"])
	}
}

func TestSSHRSA(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	res := runSSH(t, startSSHServer(t, newSigner(t, key)), "", 2*time.Second)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := res.Fields["ssh.key_type"].Str(); got != "ssh-rsa" {
		t.Errorf("key type %q, want ssh-rsa", got)
	}
}

func TestSSHFailures(t *testing.T) {
	garbage := serveTCP(t, func(c net.Conn) { io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n") })
	silent := serveTCP(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	// Reading the client's version first makes the close a clean FIN, not a reset.
	closed := serveTCP(t, func(c net.Conn) { bufio.NewReader(c).ReadString('\n') })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nothing := ln.Addr().String()
	ln.Close()

	tests := []struct {
		name, addr, wantErr string
	}{
		{"not ssh", garbage, `not an SSH server: it answered "HTTP/1.1 400 Bad Request"`},
		{"silent", silent, "no SSH banner: timed out"},
		{"hangs up", closed, "no SSH banner: connection closed by the server"},
		{"nothing listening", nothing, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runSSH(t, tt.addr, "", 300*time.Millisecond)
			if res.Err == nil || !strings.HasPrefix(res.Err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", res.Err, tt.wantErr)
			}
		})
	}
}

func TestNewSSHErrors(t *testing.T) {
	tests := []struct {
		target, pin, wantErr string
	}{
		{"", "", "an SSH check needs a target host"},
		{"host:ssh", "", `SSH target: "host:ssh": port "ssh" is not a number from 1 to 65535`},
		{"host", "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48", `SSH fingerprint "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48" is not "SHA256:" and 43 base64 characters as ssh-keygen -lf prints it`},
		{"host", "SHA256:tooShort", `SSH fingerprint "SHA256:tooShort" is not`},
	}
	for _, tt := range tests {
		_, err := NewSSH(Spec{Kind: "ssh", Target: tt.target, SSH: SSHOptions{Fingerprint: tt.pin}})
		if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
			t.Errorf("NewSSH(%q, %q) error = %v, want %q", tt.target, tt.pin, err, tt.wantErr)
		}
	}
	p, err := NewSSH(Spec{Kind: "ssh", Target: "::1"})
	if err != nil || p.(*sshProbe).addr != "[::1]:22" {
		t.Errorf("NewSSH(::1) = %+v, %v; want port 22 added", p, err)
	}
}
