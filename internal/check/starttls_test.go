package check

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// Each server speaks the protocol's opening as a real one does, then answers ok or not; on
// ok the connection is upgraded to TLS.
type starttlsServer func(t *testing.T, c net.Conn, ok bool) bool

func smtpServer(t *testing.T, c net.Conn, ok bool) bool {
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 mail.test ESMTP")
	wantLine(t, tp, "EHLO localhost")
	tp.PrintfLine("250-mail.test")
	tp.PrintfLine("250-PIPELINING")
	tp.PrintfLine("250 STARTTLS")
	wantLine(t, tp, "STARTTLS")
	if !ok {
		tp.PrintfLine("454 4.7.0 TLS not available")
		return false
	}
	tp.PrintfLine("220 2.0.0 Ready to start TLS")
	return true
}

func imapServer(t *testing.T, c net.Conn, ok bool) bool {
	tp := textproto.NewConn(c)
	tp.PrintfLine("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready")
	wantLine(t, tp, "a1 STARTTLS")
	tp.PrintfLine("* CAPABILITY IMAP4rev1 STARTTLS")
	if !ok {
		tp.PrintfLine("a1 NO not now")
		return false
	}
	tp.PrintfLine("a1 OK Begin TLS negotiation now")
	return true
}

func pop3Server(t *testing.T, c net.Conn, ok bool) bool {
	tp := textproto.NewConn(c)
	tp.PrintfLine("+OK POP3 ready")
	wantLine(t, tp, "STLS")
	if !ok {
		tp.PrintfLine("-ERR not now")
		return false
	}
	tp.PrintfLine("+OK Begin TLS negotiation")
	return true
}

func postgresServer(t *testing.T, c net.Conn, ok bool) bool {
	var msg [8]byte
	if _, err := io.ReadFull(c, msg[:]); err != nil {
		t.Error(err)
		return false
	}
	if binary.BigEndian.Uint32(msg[:4]) != 8 || binary.BigEndian.Uint32(msg[4:]) != 80877103 {
		t.Errorf("SSLRequest = %x", msg)
	}
	if !ok {
		c.Write([]byte("N"))
		return false
	}
	c.Write([]byte("S"))
	return true
}

// ldapServer answers with four-byte lengths, as OpenLDAP does.
func ldapServer(t *testing.T, c net.Conn, ok bool) bool {
	br := bufio.NewReader(c)
	req, err := readBER(br, 0x30)
	if err != nil || !bytes.Contains(req, []byte("1.3.6.1.4.1.1466.20037")) {
		t.Errorf("StartTLS request %x: %v", req, err)
		return false
	}
	code, diag := byte(0), ""
	if !ok {
		code, diag = 2, "unsupported extended operation"
	}
	long := func(tag byte, content []byte) []byte {
		return append(binary.BigEndian.AppendUint32([]byte{tag, 0x84}, uint32(len(content))), content...)
	}
	op := append([]byte{0x0a, 0x01, code, 0x04, 0x00, 0x04, byte(len(diag))}, diag...)
	c.Write(long(0x30, append([]byte{0x02, 0x01, 0x01}, long(0x78, op)...)))
	return ok
}

func wantLine(t *testing.T, tp *textproto.Conn, want string) {
	if got, err := tp.ReadLine(); err != nil || got != want {
		t.Errorf("server read %q (%v), want %q", got, err, want)
	}
}

func TestStartTLS(t *testing.T) {
	ca := newTestCA(t)
	cert := ca.issue(t, "localhost", time.Now().Add(24*time.Hour), "localhost")
	tests := []struct {
		protocol string
		server   starttlsServer
		refusal  string
	}{
		{"smtp", smtpServer, `server answered "454 4.7.0 TLS not available"`},
		{"imap", imapServer, `server answered "a1 NO not now"`},
		{"pop3", pop3Server, `server answered "-ERR not now"`},
		{"postgres", postgresServer, `the server does not accept SSL`},
		{"ldap", ldapServer, `server answered result code 2 "unsupported extended operation"`},
	}
	for _, tt := range tests {
		for _, ok := range []bool{true, false} {
			name := tt.protocol
			if !ok {
				name += " refused"
			}
			t.Run(name, func(t *testing.T) {
				addr := serve(t, func(c net.Conn) {
					if tt.server(t, c, ok) {
						serverHandshake(cert)(c)
					}
				})
				spec := Spec{Kind: "tls", Target: addr, TLS: TLSOptions{StartTLS: tt.protocol, ServerName: "localhost"}}
				p, err := newTLS(spec, ca.pool)
				if err != nil {
					t.Fatal(err)
				}
				res := run(t, p, 2*time.Second)
				if !ok {
					want := "STARTTLS " + tt.protocol + ": " + tt.refusal
					if res.Err == nil || res.Err.Error() != want {
						t.Errorf("Err = %v, want %q", res.Err, want)
					}
					return
				}
				if res.Err != nil || !res.Fields["cert.valid"].Bool() {
					t.Errorf("Err = %v, cert.valid = %v, cert.error = %v", res.Err, res.Fields["cert.valid"], res.Fields["cert.error"])
				}
			})
		}
	}
}

func TestStartTLSNotOffered(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		tp := textproto.NewConn(c)
		tp.PrintfLine("220 mail.test ESMTP")
		tp.ReadLine()
		tp.PrintfLine("250 mail.test")
	})
	p, err := NewTLS(Spec{Kind: "tls", Target: addr, TLS: TLSOptions{StartTLS: "smtp"}})
	if err != nil {
		t.Fatal(err)
	}
	if res := run(t, p, 2*time.Second); res.Err == nil || res.Err.Error() != "STARTTLS smtp: the server does not offer STARTTLS" {
		t.Errorf("Err = %v", res.Err)
	}
}

// A server that queues plaintext after its go-ahead must not have it read as TLS data.
func TestStartTLSInjection(t *testing.T) {
	addr := serve(t, func(c net.Conn) {
		tp := textproto.NewConn(c)
		tp.PrintfLine("+OK POP3 ready")
		tp.ReadLine()
		io.WriteString(c, "+OK Begin TLS\r\n+OK injected\r\n")
		io.Copy(io.Discard, c)
	})
	p, err := NewTLS(Spec{Kind: "tls", Target: addr, TLS: TLSOptions{StartTLS: "pop3"}})
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, p, 2*time.Second)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "sent data before the TLS handshake") {
		t.Errorf("Err = %v", res.Err)
	}
}
