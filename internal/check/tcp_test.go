package check

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"
)

func TestTCP(t *testing.T) {
	greeter := serve(t, func(c net.Conn) {
		io.WriteString(c, "SSH-2.0-test\r\n")
		io.Copy(io.Discard, c) // stay open, as an SSH server waiting for the client would
	})
	pinger := serve(t, func(c net.Conn) {
		if line, _ := bufio.NewReader(c).ReadString('\n'); line == "PING\r\n" {
			io.WriteString(c, "+PONG\r\n")
		}
	})
	silent := serve(t, func(c net.Conn) { io.Copy(io.Discard, c) })

	tests := []struct {
		name       string
		target     string
		opts       TCPOptions
		banner     string
		err        string
		disconnect bool
	}{
		{name: "banner", target: greeter, banner: "SSH-2.0-test\r\n"},
		{name: "banner expected", target: greeter, opts: TCPOptions{Expect: "SSH-2.0"}, banner: "SSH-2.0-test\r\n"},
		{name: "send and expect", target: pinger, opts: TCPOptions{Send: "PING\r\n", Expect: "PONG"}, banner: "+PONG\r\n"},
		{name: "silent peer is up", target: silent},
		{name: "expect not met", target: greeter, opts: TCPOptions{Expect: "220 "}, banner: "SSH-2.0-test\r\n",
			err: `expected "220 " in the answer, got "SSH-2.0-test"`},
		{name: "expect, nothing said", target: silent, opts: TCPOptions{Expect: "220 "},
			err: `expected "220 " in the answer, got nothing`},
		{name: "nothing listening", target: closedPort(t), err: "connection refused", disconnect: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewTCP(Spec{Kind: "tcp", Target: tt.target, TCP: tt.opts})
			if err != nil {
				t.Fatal(err)
			}
			res := run(t, p, 200*time.Millisecond)
			if got := errString(res.Err); got != tt.err {
				t.Errorf("Err = %q, want %q", got, tt.err)
			}
			if got := res.Fields["connected"].Bool(); got == tt.disconnect {
				t.Errorf("connected = %v", got)
			}
			if got := res.Fields["banner"].Str(); got != tt.banner {
				t.Errorf("banner = %q, want %q", got, tt.banner)
			}
			assertSchema(t, res.Fields, tcpSchema())
		})
	}
}

func TestNewTCPErrors(t *testing.T) {
	for target, want := range map[string]string{
		"":            `target "": missing port (want host:port)`,
		"example.com": `target "example.com": missing port (want host:port)`,
		"::1":         `target "::1": want host:port`,
	} {
		if _, err := NewTCP(Spec{Target: target}); errString(err) != want {
			t.Errorf("NewTCP(%q) = %v, want %q", target, err, want)
		}
	}
}

// describe is fed the errors Go returns for failures a test cannot provoke on loopback.
func TestDescribe(t *testing.T) {
	ctx := t.Context()
	dnsErr := &url.Error{Op: "Get", URL: "http://nowhere.test/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "nowhere.test", IsNotFound: true}}}
	badAddr := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "missing port in address", Addr: "h"}}
	tests := []struct {
		err  error
		want string
	}{
		{dnsErr, "DNS lookup failed for nowhere.test: no such host"},
		{&net.OpError{Op: "dial", Err: syscall.EHOSTUNREACH}, "host unreachable"},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, "connection reset by peer"},
		{&net.OpError{Op: "proxyconnect", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, "proxy: connection refused"},
		{badAddr, "address h: missing port in address"},
		{io.ErrUnexpectedEOF, "connection closed by the server"},
	}
	for _, tt := range tests {
		if got := errString(describe(ctx, 0, tt.err)); got != tt.want {
			t.Errorf("describe(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}

	expired, cancel := context.WithDeadline(ctx, time.Now())
	defer cancel()
	if got := errString(describe(expired, 10*time.Second, errors.New("i/o timeout"))); got != "timed out after 10s" {
		t.Errorf("describe after the deadline = %q", got)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
