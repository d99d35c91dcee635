package check

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"vigie/internal/check/cond"
)

func tlsSchema() cond.Schema {
	return cond.Schema{
		"cert.valid":          cond.KindBool,
		"cert.chain_valid":    cond.KindBool,
		"cert.hostname_valid": cond.KindBool,
		"cert.error":          cond.KindString,
		"cert.expires_in":     cond.KindDuration,
		"cert.issuer":         cond.KindString,
		"cert.subject":        cond.KindString,
		"cert.sans":           cond.KindList,
		"tls.version":         cond.KindString,
		"tls.cipher":          cond.KindString,
		"response_time":       cond.KindDuration,
	}
}

func tlsDefaultCondition() string { return "cert.valid == true && cert.expires_in > 0s" }

type tlsProbe struct {
	target     string
	serverName string
	startTLS   startTLSFunc // nil: TLS from the first byte
	protocol   string
	roots      *x509.CertPool // nil: the system roots
}

// NewTLS returns a probe that completes a TLS handshake with s.Target (after a STARTTLS
// exchange if s.TLS.StartTLS names one) and reports the certificate it was shown.
func NewTLS(s Spec) (Probe, error) { return newTLS(s, nil) }

// newTLS is NewTLS trusting roots instead of the system's, so tests can use their own CA.
func newTLS(s Spec, roots *x509.CertPool) (Probe, error) {
	if err := validateTarget(s.Target); err != nil {
		return nil, err
	}
	p := &tlsProbe{target: s.Target, serverName: s.TLS.ServerName, protocol: s.TLS.StartTLS, roots: roots}
	if p.serverName == "" {
		p.serverName, _, _ = net.SplitHostPort(s.Target)
	}
	if s.TLS.StartTLS != "" {
		var ok bool
		if p.startTLS, ok = startTLSFor(s.TLS.StartTLS); !ok {
			return nil, fmt.Errorf("unknown starttls protocol %q (want %s)", s.TLS.StartTLS, startTLSNames)
		}
	}
	return p, nil
}

func (p *tlsProbe) Run(ctx context.Context) Result {
	budget := budgetOf(ctx)
	start := time.Now()
	fail := func(err error) Result { return Result{Duration: time.Since(start), Err: err} }

	conn, err := dial(ctx, p.target)
	if err != nil {
		return fail(describe(ctx, budget, err))
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })()

	if p.startTLS != nil {
		if err := p.startTLS(conn); err != nil {
			return fail(fmt.Errorf("STARTTLS %s: %w", p.protocol, describe(ctx, budget, err)))
		}
	}
	// Verification is done by hand below so that an expired or mismatched certificate is
	// reported field by field for conditions to judge, rather than as a bare handshake error.
	// TLS 1.0 is allowed for the same reason: the probe reports the version, it does not grade.
	tc := tls.Client(conn, &tls.Config{
		ServerName:         p.serverName,
		InsecureSkipVerify: true,
		MinVersion:         tls.VersionTLS10,
	})
	if err := tc.HandshakeContext(ctx); err != nil {
		err = describe(ctx, budget, err)
		if !strings.HasPrefix(err.Error(), "TLS") {
			err = fmt.Errorf("TLS handshake: %w", err)
		}
		return fail(err)
	}
	elapsed := time.Since(start)

	state := tc.ConnectionState()
	if len(state.PeerCertificates) == 0 {
		return fail(errors.New("TLS handshake: the server sent no certificate"))
	}
	now := time.Now()
	leaf := state.PeerCertificates[0]
	chainErr := verifyChain(state.PeerCertificates, p.roots, now)
	hostErr := leaf.VerifyHostname(p.serverName)

	fields := map[string]cond.Value{
		"response_time":       cond.Duration(elapsed),
		"cert.valid":          cond.Bool(chainErr == nil && hostErr == nil),
		"cert.chain_valid":    cond.Bool(chainErr == nil),
		"cert.hostname_valid": cond.Bool(hostErr == nil),
		"cert.error":          cond.String(certProblems(chainErr, hostErr)),
		"cert.issuer":         cond.String(nameOf(leaf.Issuer)),
		"cert.subject":        cond.String(leaf.Subject.CommonName),
		"cert.sans":           cond.List(sans(leaf)),
	}
	addTLSFields(fields, state.Version, state.CipherSuite, leaf, now)
	return Result{Duration: elapsed, Fields: fields}
}

// verifyChain checks the certificates the server sent against roots (nil: the system's),
// at now, for server authentication, without looking at the hostname.
func verifyChain(certs []*x509.Certificate, roots *x509.CertPool, now time.Time) error {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now})
	return err
}

// addTLSFields records what HTTP and TLS checks share about a TLS connection.
func addTLSFields(f map[string]cond.Value, version, cipher uint16, leaf *x509.Certificate, now time.Time) {
	f["tls.version"] = cond.String(strings.ReplaceAll(tls.VersionName(version), " ", ""))
	f["tls.cipher"] = cond.String(tls.CipherSuiteName(cipher))
	if leaf != nil {
		f["cert.expires_in"] = cond.Duration(leaf.NotAfter.Sub(now))
	}
}

func sans(c *x509.Certificate) []string {
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}

// nameOf is the common name, or the organisation for issuers that have none.
func nameOf(n pkix.Name) string {
	if n.CommonName == "" && len(n.Organization) > 0 {
		return n.Organization[0]
	}
	return n.CommonName
}

// certProblems says in a few words why a certificate is not valid; "" when it is.
func certProblems(errs ...error) string {
	var msgs []string
	for _, err := range errs {
		if err == nil {
			continue
		}
		msg := describeCert(err)
		if msg == "" {
			msg = strings.TrimPrefix(err.Error(), "x509: ")
		}
		msgs = append(msgs, msg)
	}
	return strings.Join(msgs, "; ")
}
