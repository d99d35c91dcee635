package check

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"vigie/internal/check/cond"
)

const (
	// maxBanner bounds what a TCP check keeps of the answer.
	maxBanner = 4 << 10
	// bannerWait is how long a TCP check without Expect waits for a banner: services that
	// greet (SSH, SMTP, FTP) do so at once, and a silent service must not hold the check.
	bannerWait = 500 * time.Millisecond
	// bannerQuiet ends the read once the peer has said something and then paused.
	bannerQuiet = 50 * time.Millisecond
)

func tcpSchema() cond.Schema {
	return cond.Schema{
		"connected":     cond.KindBool,
		"banner":        cond.KindString,
		"response_time": cond.KindDuration,
	}
}

func tcpDefaultCondition() string { return "connected == true" }

type tcpProbe struct {
	target string
	send   string
	expect string
}

// NewTCP returns a probe that connects to s.Target, optionally writes s.TCP.Send, and reads
// the answer.
func NewTCP(s Spec) (Probe, error) {
	if err := validateTarget(s.Target); err != nil {
		return nil, err
	}
	return &tcpProbe{target: s.Target, send: s.TCP.Send, expect: s.TCP.Expect}, nil
}

func (p *tcpProbe) Run(ctx context.Context) Result {
	budget := budgetOf(ctx)
	start := time.Now()
	conn, err := dial(ctx, p.target)
	elapsed := time.Since(start)
	if err != nil {
		return Result{Duration: elapsed, Err: describe(ctx, budget, err), Fields: map[string]cond.Value{"connected": cond.Bool(false)}}
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })()

	res := Result{Duration: elapsed, Fields: map[string]cond.Value{
		"connected":     cond.Bool(true),
		"response_time": cond.Duration(elapsed),
	}}
	if p.send != "" {
		if _, err := io.WriteString(conn, p.send); err != nil {
			res.Err = describe(ctx, budget, err)
			return res
		}
	}
	banner, err := p.read(ctx, conn)
	res.Fields["banner"] = cond.String(string(banner))
	if p.expect != "" && !bytes.Contains(banner, []byte(p.expect)) {
		res.Err = unexpectedAnswer(p.expect, banner)
	} else if err != nil {
		res.Err = describe(ctx, budget, err)
	}
	return res
}

// read collects the answer. With Expect it waits for that text until the check's deadline;
// without, it takes what the peer says promptly.
func (p *tcpProbe) read(ctx context.Context, conn net.Conn) ([]byte, error) {
	buf := make([]byte, maxBanner)
	n := 0
	deadline, hasDeadline := ctx.Deadline()
	if p.expect == "" {
		deadline, hasDeadline = earlier(deadline, hasDeadline, time.Now().Add(bannerWait)), true
	}
	for n < len(buf) {
		if hasDeadline {
			conn.SetReadDeadline(deadline)
		}
		m, err := conn.Read(buf[n:])
		n += m
		if p.expect != "" && bytes.Contains(buf[:n], []byte(p.expect)) {
			return buf[:n], nil
		}
		if err != nil {
			// Without Expect the banner is a bonus: a silent peer is still up.
			quiet := p.expect == "" && errors.Is(err, os.ErrDeadlineExceeded)
			if quiet || errors.Is(err, io.EOF) {
				return buf[:n], nil
			}
			return buf[:n], err
		}
		if p.expect == "" && m > 0 {
			deadline = earlier(deadline, true, time.Now().Add(bannerQuiet))
		}
	}
	return buf[:n], nil
}

func earlier(d time.Time, ok bool, other time.Time) time.Time {
	if ok && d.Before(other) {
		return d
	}
	return other
}

// unexpectedAnswer says what was expected and what came, cut short and with control
// characters escaped so the text stays one readable line.
func unexpectedAnswer(expect string, got []byte) error {
	s := strings.TrimSpace(string(got))
	if s == "" {
		return fmt.Errorf("expected %q in the answer, got nothing", expect)
	}
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return fmt.Errorf("expected %q in the answer, got %q", expect, s)
}

// validateTarget checks a host:port target at configuration time.
func validateTarget(target string) error {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		if strings.Contains(err.Error(), "missing port") {
			return fmt.Errorf("target %q: missing port (want host:port)", target)
		}
		return fmt.Errorf("target %q: want host:port", target)
	}
	if host == "" {
		return fmt.Errorf("target %q: missing host", target)
	}
	if port == "" {
		return fmt.Errorf("target %q: missing port (want host:port)", target)
	}
	return nil
}

// dial opens a TCP connection, bounded only by ctx.
func dial(ctx context.Context, target string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", target)
}

// budgetOf is the time the check had when it started, for "timed out after 10s".
func budgetOf(ctx context.Context) time.Duration {
	deadline, ok := ctx.Deadline()
	if !ok {
		return 0
	}
	d := time.Until(deadline)
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// describe turns a network error into the short text people read on a dashboard. Go's
// errors nest every layer ("Get \"…\": dial tcp 127.0.0.1:80: connect: connection
// refused"); people need the innermost cause and the step that failed.
func describe(ctx context.Context, budget time.Duration, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		if budget > 0 {
			return fmt.Errorf("timed out after %s", budget)
		}
		return errors.New("timed out")
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return errors.New("canceled")
	}

	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("DNS lookup failed for %s: %s", dnsErr.Name, dnsErr.Err)
	}
	if msg := describeCert(err); msg != "" {
		return errors.New("TLS handshake: " + msg)
	}
	var recErr tls.RecordHeaderError
	if errors.As(err, &recErr) {
		return errors.New("TLS handshake: the server did not answer in TLS")
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		switch opErr.Op {
		case "remote error": // a TLS alert from the peer, e.g. a client certificate is required
			return fmt.Errorf("TLS alert from the server: %s", strings.TrimPrefix(opErr.Err.Error(), "tls: "))
		case "proxyconnect":
			return fmt.Errorf("proxy: %s", describe(ctx, budget, opErr.Err))
		}
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("connection refused")
	case errors.Is(err, syscall.ECONNRESET):
		return errors.New("connection reset by peer")
	case errors.Is(err, syscall.EHOSTUNREACH):
		return errors.New("host unreachable")
	case errors.Is(err, syscall.ENETUNREACH):
		return errors.New("network unreachable")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("connection closed by the server")
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errors.New("timed out")
	}
	return innermost(err)
}

// describeCert names a certificate verification failure, or returns "".
func describeCert(err error) string {
	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	switch {
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired && invalid.Cert != nil && time.Now().Before(invalid.Cert.NotBefore) {
			return "certificate is not yet valid"
		}
		if invalid.Reason == x509.Expired {
			return "certificate has expired"
		}
		return strings.TrimPrefix(invalid.Error(), "x509: ")
	case errors.As(err, &unknown):
		return "certificate signed by unknown authority"
	case errors.As(err, &host):
		return strings.TrimPrefix(host.Error(), "x509: ")
	}
	return ""
}

// innermost strips the wrappers that only repeat the operation, URL and address.
func innermost(err error) error {
	for {
		switch e := err.(type) {
		case *url.Error:
			err = e.Err
		case *net.OpError:
			err = e.Err
		case *os.SyscallError:
			err = e.Err
		default:
			return err
		}
	}
}
