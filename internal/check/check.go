// Package check runs probes — one HTTP request, TCP connection, TLS handshake, DNS query,
// ping or SSH handshake — and reports what it measured as typed fields that conditions
// (package cond) judge. A probe knows nothing of schedules, state or alerts: package monitor
// does that.
package check

import (
	"context"
	"time"

	"vigie/internal/check/cond"
)

// Probe runs one check. It must honour ctx's deadline, which is the check's timeout.
type Probe interface {
	Run(ctx context.Context) Result
}

// Result is what one run measured.
type Result struct {
	// Duration is the response time: for HTTP, request start to the end of the body; for
	// connection-based probes, the handshake; for ICMP, the mean round trip.
	Duration time.Duration
	// Err is set when the probe could not complete (refused, timed out, handshake failed,
	// pinned key mismatch). The check is then down whatever its conditions say. Its text is
	// shown to people, so it says what happened in their words.
	Err error
	// Fields are the measured values named in the kind's Schema, for conditions.
	Fields map[string]cond.Value
	// Body is the HTTP response body (capped), for json("$...") and body conditions.
	Body []byte
}

// Spec describes one check, independent of how the configuration spells it.
type Spec struct {
	Kind    string // http, tcp, tls, dns, icmp, ssh
	URL     string // http
	Target  string // host:port for tcp, tls, ssh; host for icmp
	Timeout time.Duration
	HTTP    HTTPOptions
	TCP     TCPOptions
	TLS     TLSOptions
	DNS     DNSOptions
	SSH     SSHOptions
	ICMP    ICMPOptions
}

// HTTPOptions shape an HTTP check.
type HTTPOptions struct {
	Method             string            // default GET
	Headers            map[string]string // sent as is
	Body               string            // request body
	BasicAuth          *BasicAuth
	BearerToken        string
	FollowRedirects    bool // default false: a redirect is itself the answer (status 30x)
	InsecureSkipVerify bool // do not verify the server's certificate (fields still report it)
	ClientCertFile     string
	ClientKeyFile      string
	Proxy              string // http:// or socks5:// URL; empty means none (not the environment)
	MaxBodyBytes       int64  // body kept for conditions; default 1 MiB
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username, Password string
}

// TCPOptions shape a TCP check.
type TCPOptions struct {
	Send   string // written after connecting
	Expect string // the banner or answer must contain this
}

// TLSOptions shape a TLS check.
type TLSOptions struct {
	StartTLS   string // "", smtp, imap, pop3, ldap, postgres
	ServerName string // SNI and hostname to verify; default the target's host
}

// DNSOptions shape a DNS check.
type DNSOptions struct {
	Name   string // the name to resolve
	Type   string // A, AAAA, CNAME, MX, NS, TXT, SOA, SRV, PTR, CAA; default A
	Server string // host:port of the server to ask; default port 53
}

// SSHOptions shape an SSH check.
type SSHOptions struct {
	// Fingerprint pins the host key: "SHA256:..." as ssh-keygen -lf prints it. A different
	// key is a failure.
	Fingerprint string
}

// ICMPOptions shape a ping check.
type ICMPOptions struct {
	Count    int           // echo requests per check; default 3
	Interval time.Duration // between requests; default 200ms
}
