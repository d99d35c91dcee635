package check

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie/internal/check/cond"
)

// testZone is what the test DNS server knows, in zone-file form.
var testZone = []string{
	"a.test. 60 IN A 192.0.2.1",
	"a.test. 60 IN AAAA 2001:db8::1",
	"www.test. 60 IN CNAME a.test.",
	"test. 60 IN MX 10 mail.test.",
	"test. 60 IN MX 20 backup.test.",
	`test. 60 IN TXT "v=spf1 " "-all"`,
	`test. 60 IN CAA 0 issue "ca.example"`,
	"test. 60 IN NS ns1.test.",
	"test. 60 IN SOA ns1.test. hostmaster.test. 1 7200 3600 1209600 60",
	"_sip._tcp.test. 60 IN SRV 10 60 5060 sip.test.",
	"1.2.0.192.in-addr.arpa. 60 IN PTR a.test.",
	`big.test. 60 IN TXT "over TCP"`,
}

// testDNSHandler serves testZone authoritatively; fail.test. gets SERVFAIL, other unknown
// names NXDOMAIN, and big.test. is truncated over UDP so the client must retry over TCP.
func testDNSHandler(t *testing.T) dns.Handler {
	var records []dns.RR
	for _, line := range testZone {
		rr, err := dns.NewRR(line)
		if err != nil {
			t.Fatalf("zone line %q: %v", line, err)
		}
		records = append(records, rr)
	}
	return dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		question := q.Question[0]
		known := false
		for _, rr := range records {
			h := rr.Header()
			if !strings.EqualFold(h.Name, question.Name) {
				continue
			}
			known = true
			if h.Rrtype == question.Qtype || h.Rrtype == dns.TypeCNAME {
				m.Answer = append(m.Answer, rr)
			}
		}
		_, udp := w.RemoteAddr().(*net.UDPAddr)
		switch {
		case question.Name == "fail.test.":
			m.Rcode = dns.RcodeServerFailure
		case question.Name == "big.test." && udp:
			m.Answer, m.Truncated = nil, true
		case !known:
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})
}

// startDNSServer serves h over UDP and TCP on the same loopback port and returns it.
func startDNSServer(t *testing.T, h dns.Handler) string {
	t.Helper()
	var pc net.PacketConn
	var ln net.Listener
	for range 10 { // the UDP port may be taken for TCP; try another
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
	}
	if ln == nil {
		t.Fatal("no free port for both UDP and TCP")
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return pc.LocalAddr().String()
}

func TestDNS(t *testing.T) {
	server := startDNSServer(t, testDNSHandler(t))
	tests := []struct {
		name, qtype string
		rcode       string
		answers     []string
	}{
		{"a.test", "", "NOERROR", []string{"192.0.2.1"}},
		{"a.test", "aaaa", "NOERROR", []string{"2001:db8::1"}},
		{"www.test", "CNAME", "NOERROR", []string{"a.test."}},
		{"test", "MX", "NOERROR", []string{"10 mail.test.", "20 backup.test."}},
		{"test", "TXT", "NOERROR", []string{"v=spf1 -all"}},
		{"test", "CAA", "NOERROR", []string{`0 issue "ca.example"`}},
		{"test", "NS", "NOERROR", []string{"ns1.test."}},
		{"test", "SOA", "NOERROR", []string{"ns1.test."}},
		{"_sip._tcp.test", "SRV", "NOERROR", []string{"10 60 5060 sip.test."}},
		{"192.0.2.1", "PTR", "NOERROR", []string{"a.test."}},
		{"big.test", "TXT", "NOERROR", []string{"over TCP"}},
		{"a.test", "MX", "NOERROR", []string{}},
		{"nowhere.test", "A", "NXDOMAIN", []string{}},
		{"fail.test", "A", "SERVFAIL", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.qtype, func(t *testing.T) {
			p, err := NewDNS(Spec{Kind: "dns", DNS: DNSOptions{Name: tt.name, Type: tt.qtype, Server: server}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			res := p.Run(ctx)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			want := map[string]cond.Value{
				"dns.rcode":         cond.String(tt.rcode),
				"dns.answers":       cond.List(tt.answers),
				"dns.answer_count":  cond.Number(float64(len(tt.answers))),
				"dns.authoritative": cond.Bool(true),
			}
			for k, v := range want {
				if !res.Fields[k].Equal(v) {
					t.Errorf("%s = %v, want %v", k, res.Fields[k], v)
				}
			}
			fieldsFollowSchema(t, res, dnsSchema())
		})
	}
}

func TestDNSFailures(t *testing.T) {
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	closed, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()

	tests := []struct {
		name, server, wantErr string
	}{
		{"no answer", silent.LocalAddr().String(), "timed out"},
		{"nothing listening", closed.LocalAddr().String(), "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewDNS(Spec{Kind: "dns", DNS: DNSOptions{Name: "a.test", Server: tt.server}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			res := p.Run(ctx)
			want := "DNS server " + tt.server + ": " + tt.wantErr
			if res.Err == nil || !strings.HasPrefix(res.Err.Error(), want) {
				t.Fatalf("err = %v, want %q...", res.Err, want)
			}
		})
	}
}

func TestNewDNSErrors(t *testing.T) {
	tests := []struct {
		opts    DNSOptions
		wantErr string
	}{
		{DNSOptions{Name: "a.test", Type: "AAA", Server: "127.0.0.1"}, `unknown DNS query type "AAA" (want one of A, AAAA, CNAME, MX, NS, TXT, SOA, SRV, PTR, CAA)`},
		{DNSOptions{Name: "", Server: "127.0.0.1"}, `DNS name "" is not a valid domain name`},
		{DNSOptions{Name: "a..test", Server: "127.0.0.1"}, `DNS name "a..test" is not a valid domain name`},
		{DNSOptions{Name: "a.test"}, "a DNS check needs a server to ask"},
		{DNSOptions{Name: "a.test", Server: "127.0.0.1:dns"}, `DNS server: "127.0.0.1:dns": port "dns" is not a number from 1 to 65535`},
		{DNSOptions{Name: "a.test", Server: "127.0.0.1:70000"}, `DNS server: "127.0.0.1:70000": port "70000" is not a number from 1 to 65535`},
		{DNSOptions{Name: "a.test", Server: "ns.test:53:53"}, `DNS server: "ns.test:53:53" is not a host or host:port`},
		{DNSOptions{Name: "a.test", Server: ":53"}, `DNS server: ":53" is not a host or host:port`},
	}
	for _, tt := range tests {
		_, err := NewDNS(Spec{Kind: "dns", DNS: tt.opts})
		if err == nil || err.Error() != tt.wantErr {
			t.Errorf("NewDNS(%+v) error = %v, want %q", tt.opts, err, tt.wantErr)
		}
	}
}

func TestWithDefaultPort(t *testing.T) {
	for in, want := range map[string]string{
		"ns.test":         "ns.test:53",
		"ns.test:5353":    "ns.test:5353",
		"192.0.2.1":       "192.0.2.1:53",
		"::1":             "[::1]:53",
		"[::1]":           "[::1]:53",
		"[2001:db8::1]:1": "[2001:db8::1]:1",
	} {
		got, err := withDefaultPort(in, "53")
		if err != nil || got != want {
			t.Errorf("withDefaultPort(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// fieldsFollowSchema fails unless a result has exactly the fields its schema declares,
// with their kinds: conditions are type-checked against the schema when config loads.
func fieldsFollowSchema(t *testing.T, res Result, schema cond.Schema) {
	t.Helper()
	for name, v := range res.Fields {
		if k, ok := schema[name]; !ok || k != v.Kind() {
			t.Errorf("field %s is a %v; the schema says %v", name, v.Kind(), k)
		}
	}
	for name := range schema {
		if _, ok := res.Fields[name]; !ok {
			t.Errorf("field %s is missing", name)
		}
	}
}
