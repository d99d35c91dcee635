package check

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"vigie/internal/check/cond"
)

// dnsTypes are the query types a DNS check may ask for: those whose answers people monitor.
var dnsTypes = []string{"A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "SRV", "PTR", "CAA"}

func dnsSchema() cond.Schema {
	return cond.Schema{
		"dns.rcode":         cond.KindString,
		"dns.answers":       cond.KindList,
		"dns.answer_count":  cond.KindNumber,
		"dns.authoritative": cond.KindBool,
		"response_time":     cond.KindDuration,
	}
}

func dnsDefaultCondition() string { return `dns.rcode == "NOERROR"` }

type dnsProbe struct {
	question dns.Question
	server   string // host:port
}

// NewDNS returns a probe that asks s.DNS.Server for the s.DNS.Type records of s.DNS.Name.
func NewDNS(s Spec) (Probe, error) {
	typ := cmp.Or(strings.ToUpper(s.DNS.Type), "A")
	if !slices.Contains(dnsTypes, typ) {
		return nil, fmt.Errorf("unknown DNS query type %q (want one of %s)", s.DNS.Type, strings.Join(dnsTypes, ", "))
	}
	qtype := dns.StringToType[typ]
	name := s.DNS.Name
	if qtype == dns.TypePTR {
		// People think of a PTR check as "the name of 192.0.2.1", not of in-addr.arpa.
		if rev, err := dns.ReverseAddr(name); err == nil {
			name = rev
		}
	}
	if _, ok := dns.IsDomainName(name); name == "" || !ok {
		return nil, fmt.Errorf("DNS name %q is not a valid domain name", s.DNS.Name)
	}
	if s.DNS.Server == "" {
		return nil, errors.New("a DNS check needs a server to ask")
	}
	server, err := withDefaultPort(s.DNS.Server, "53")
	if err != nil {
		return nil, fmt.Errorf("DNS server: %w", err)
	}
	return &dnsProbe{
		question: dns.Question{Name: dns.Fqdn(name), Qtype: qtype, Qclass: dns.ClassINET},
		server:   server,
	}, nil
}

func (p *dnsProbe) Run(ctx context.Context) Result {
	budget := budgetOf(ctx)
	q := new(dns.Msg)
	q.SetQuestion(p.question.Name, p.question.Qtype)

	start := time.Now()
	resp, _, err := (&dns.Client{Net: "udp"}).ExchangeContext(ctx, q, p.server)
	if err == nil && resp.Truncated {
		// The answer did not fit in a datagram: ask again over TCP, as resolvers do.
		resp, _, err = (&dns.Client{Net: "tcp"}).ExchangeContext(ctx, q, p.server)
	}
	elapsed := time.Since(start)
	if err != nil {
		return Result{Duration: elapsed, Err: fmt.Errorf("DNS server %s: %w", p.server, describe(ctx, budget, err))}
	}

	answers := make([]string, 0, len(resp.Answer))
	for _, rr := range resp.Answer {
		answers = append(answers, dnsRecordData(rr))
	}
	rcode, ok := dns.RcodeToString[resp.Rcode]
	if !ok {
		rcode = "RCODE" + strconv.Itoa(resp.Rcode)
	}
	return Result{Duration: elapsed, Fields: map[string]cond.Value{
		"dns.rcode":         cond.String(rcode),
		"dns.answers":       cond.List(answers),
		"dns.answer_count":  cond.Number(float64(len(resp.Answer))),
		"dns.authoritative": cond.Bool(resp.Authoritative),
		"response_time":     cond.Duration(elapsed),
	}}
}

// dnsRecordData renders a record's data the way people write it in a condition.
func dnsRecordData(rr dns.RR) string {
	switch rr := rr.(type) {
	case *dns.TXT:
		// One TXT record may be split into 255-byte strings; people think of it as one text.
		return strings.Join(rr.Txt, "")
	case *dns.SOA:
		return rr.Ns
	}
	// The zone-file form without its owner, TTL, class and type is the natural one for
	// the rest: "192.0.2.1", "10 mail.example.org.", `0 issue "ca.example"`.
	return strings.TrimPrefix(rr.String(), rr.Header().String())
}

// withDefaultPort accepts "host", "host:port", "::1" or "[::1]:port" and returns host:port.
func withDefaultPort(addr, port string) (string, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		// No port: a name, an IPv4 address, or a bare or bracketed IPv6 address.
		host, p = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]"), port
	}
	n, perr := strconv.Atoi(p)
	switch {
	case host == "" || strings.ContainsAny(host, "[]/ ") || strings.Contains(host, ":") && net.ParseIP(host) == nil:
		return "", fmt.Errorf("%q is not a host or host:port", addr)
	case perr != nil || n < 1 || n > 65535:
		return "", fmt.Errorf("%q: port %q is not a number from 1 to 65535", addr, p)
	}
	return net.JoinHostPort(host, p), nil
}
