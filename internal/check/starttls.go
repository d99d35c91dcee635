package check

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
)

// startTLSFunc speaks a protocol's plaintext opening on conn up to the point where the
// client may send its TLS hello.
type startTLSFunc func(conn net.Conn) error

const startTLSNames = "smtp, imap, pop3, ldap or postgres"

func startTLSFor(protocol string) (startTLSFunc, bool) {
	switch protocol {
	case "smtp":
		return lineProtocol(smtpStartTLS), true
	case "imap":
		return lineProtocol(imapStartTLS), true
	case "pop3":
		return lineProtocol(pop3StartTLS), true
	case "ldap":
		return ldapStartTLS, true
	case "postgres":
		return postgresStartTLS, true
	}
	return nil, false
}

// lineProtocol runs a text dialogue and then makes sure the server sent nothing past its
// go-ahead: plaintext queued before the handshake would be read as if it came over TLS
// (the STARTTLS command injection flaw, CVE-2011-0411).
func lineProtocol(talk func(textConn) error) startTLSFunc {
	return func(conn net.Conn) error {
		c := textConn{textproto.NewReader(bufio.NewReader(conn)), textproto.NewWriter(bufio.NewWriter(conn))}
		if err := talk(c); err != nil {
			return err
		}
		if c.R.Buffered() > 0 {
			return errors.New("the server sent data before the TLS handshake")
		}
		return nil
	}
}

// textConn reads and writes CRLF lines.
type textConn struct {
	*textproto.Reader
	*textproto.Writer
}

func smtpStartTLS(c textConn) error {
	if err := smtpReply(c, 220); err != nil {
		return err
	}
	if err := c.PrintfLine("EHLO localhost"); err != nil {
		return err
	}
	_, msg, err := c.ReadResponse(250)
	if err != nil {
		return smtpError(err)
	}
	if !strings.Contains(strings.ToUpper(msg), "STARTTLS") {
		return errors.New("the server does not offer STARTTLS")
	}
	if err := c.PrintfLine("STARTTLS"); err != nil {
		return err
	}
	return smtpReply(c, 220)
}

func smtpReply(c textConn, code int) error {
	_, _, err := c.ReadResponse(code)
	return smtpError(err)
}

// smtpError quotes a refusal as the server wrote it.
func smtpError(err error) error {
	var protoErr *textproto.Error
	if errors.As(err, &protoErr) {
		return fmt.Errorf("server answered %q", fmt.Sprintf("%d %s", protoErr.Code, protoErr.Msg))
	}
	return err
}

func imapStartTLS(c textConn) error {
	if err := expectLine(c, "* OK"); err != nil {
		return err
	}
	if err := c.PrintfLine("a1 STARTTLS"); err != nil {
		return err
	}
	for { // untagged lines (capabilities, alerts) may come before the tagged answer
		line, err := c.ReadLine()
		if err != nil {
			return err
		}
		if rest, ok := strings.CutPrefix(line, "a1 "); ok {
			if !strings.HasPrefix(strings.ToUpper(rest), "OK") {
				return fmt.Errorf("server answered %q", line)
			}
			return nil
		}
	}
}

func pop3StartTLS(c textConn) error {
	if err := expectLine(c, "+OK"); err != nil {
		return err
	}
	if err := c.PrintfLine("STLS"); err != nil {
		return err
	}
	return expectLine(c, "+OK")
}

func expectLine(c textConn, prefix string) error {
	line, err := c.ReadLine()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(strings.ToUpper(line), prefix) {
		return fmt.Errorf("server answered %q", line)
	}
	return nil
}

// postgresStartTLS sends the SSLRequest message; the server answers one byte.
func postgresStartTLS(conn net.Conn) error {
	const sslRequestCode = 80877103
	msg := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), sslRequestCode)
	if _, err := conn.Write(msg); err != nil {
		return err
	}
	var answer [1]byte
	if _, err := io.ReadFull(conn, answer[:]); err != nil {
		return err
	}
	switch answer[0] {
	case 'S':
		return nil
	case 'N':
		return errors.New("the server does not accept SSL")
	}
	return fmt.Errorf("unexpected answer %q to SSLRequest", answer[0])
}

func ldapStartTLS(conn net.Conn) error {
	// The StartTLS extended request (RFC 4511 §4.14) as message 1:
	// SEQUENCE { INTEGER 1, [APPLICATION 23] { [0] "1.3.6.1.4.1.1466.20037" } }.
	req := append([]byte{0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16}, "1.3.6.1.4.1.1466.20037"...)
	if _, err := conn.Write(req); err != nil {
		return err
	}
	br := bufio.NewReader(conn)
	code, diag, err := readLDAPExtendedResponse(br)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("server answered result code %d %q", code, diag)
	}
	if br.Buffered() > 0 {
		return errors.New("the server sent data before the TLS handshake")
	}
	return nil
}

// readLDAPExtendedResponse reads an LDAPMessage holding an ExtendedResponse and returns its
// resultCode and diagnosticMessage.
func readLDAPExtendedResponse(r *bufio.Reader) (code int, diag string, err error) {
	msg, err := readBER(r, 0x30)
	if err != nil {
		return 0, "", err
	}
	m := bytes.NewReader(msg)
	if _, err := readBER(m, 0x02); err != nil { // messageID
		return 0, "", err
	}
	op, err := readBER(m, 0x78) // [APPLICATION 24] ExtendedResponse
	if err != nil {
		return 0, "", err
	}
	o := bytes.NewReader(op)
	result, err := readBER(o, 0x0a) // resultCode ENUMERATED
	if err != nil {
		return 0, "", err
	}
	for _, b := range result {
		code = code<<8 | int(b)
	}
	if _, err := readBER(o, 0x04); err != nil { // matchedDN
		return 0, "", err
	}
	text, err := readBER(o, 0x04)
	return code, string(text), err
}

type berReader interface {
	io.Reader
	io.ByteReader
}

// readBER reads one BER element with the given tag and returns its content. It accepts the
// long length forms some servers use even for short values (OpenLDAP writes 0x84 and four
// bytes), which encoding/asn1, being DER-only, refuses.
func readBER(r berReader, tag byte) ([]byte, error) {
	got, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	if got != tag {
		return nil, fmt.Errorf("unexpected LDAP answer (tag 0x%02x, want 0x%02x)", got, tag)
	}
	first, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	length := int(first)
	if first&0x80 != 0 {
		n := int(first & 0x7f)
		if n == 0 || n > 4 {
			return nil, errors.New("unexpected LDAP answer (unsupported length)")
		}
		length = 0
		for range n {
			b, err := r.ReadByte()
			if err != nil {
				return nil, err
			}
			length = length<<8 | int(b)
		}
	}
	if length > 64<<10 { // a StartTLS answer is a few dozen bytes
		return nil, errors.New("unexpected LDAP answer (too long)")
	}
	content := make([]byte, length)
	_, err = io.ReadFull(r, content)
	return content, err
}
