// Package mailtest holds what tests of e-mail share: a real SMTP server (emersion/go-smtp) on
// loopback that keeps what it receives, and a reader that takes a message apart the way a
// mail client does, checking it is well formed on the way. It is imported by tests only.
package mailtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message as the server got it.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Backend is the server's backend: it keeps what it receives, and answers as told.
type Backend struct {
	Username, Password string // when set, AUTH PLAIN is required before MAIL
	RcptErr            error  // the reply to every RCPT, when set
	DataErr            error  // the reply at the end of DATA, when set

	mu   sync.Mutex
	msgs []Message
}

func (b *Backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

// Messages returns what the server received so far, oldest first.
func (b *Backend) Messages() []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.msgs)
}

// Wait returns the messages once there are at least n, failing the test after timeout.
func (b *Backend) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if msgs := b.Messages(); len(msgs) >= n {
			return msgs
		} else if time.Now().After(deadline) {
			t.Fatalf("the SMTP server got %d messages in %s, want %d", len(msgs), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type session struct {
	b      *Backend
	authed bool
	cur    Message
}

func (s *session) AuthMechanisms() []string {
	if s.b.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || s.b.Username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.b.Username || password != s.b.Password {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.Username != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.cur = Message{From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.RcptErr != nil {
		return s.b.RcptErr
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.b.DataErr != nil {
		return s.b.DataErr
	}
	s.cur.Data = data
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.cur)
	s.b.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = Message{} }
func (s *session) Logout() error { return nil }

// Serve runs an SMTP server for be on l until the test ends. With starttls set, it offers
// STARTTLS with that configuration.
func Serve(t testing.TB, l net.Listener, be *Backend, starttls *tls.Config) {
	t.Helper()
	s := smtp.NewServer(be)
	s.Domain = "smtp.test"
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.ErrorLog = log.New(testWriter{t}, "smtp server: ", 0)
	s.TLSConfig = starttls
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		// Shutdown waits for the sessions, so none logs after the test has ended.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("smtp server shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("smtp server: %v", err)
		}
	})
}

// Start runs a clear-text SMTP server for be on a loopback port and returns the port.
func Start(t testing.TB, be *Backend) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	Serve(t, l, be, nil)
	return l.Addr().(*net.TCPAddr).Port
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// Mail is a message taken apart: its header, decoded subject, and its text and HTML parts
// decoded, with local line endings.
type Mail struct {
	Header  mail.Header
	Subject string
	Text    string
	HTML    string
}

// Parse reads a multipart/alternative message with a quoted-printable text and HTML part,
// failing the test on anything a strict reader would refuse: bare LF, long lines, a part
// missing.
func Parse(t testing.TB, data []byte) Mail {
	t.Helper()
	for i := range data {
		if data[i] == '\n' && (i == 0 || data[i-1] != '\r') {
			t.Fatalf("bare LF at byte %d: %q", i, data[max(0, i-40):i+1])
		}
	}
	for line := range strings.SplitSeq(string(data), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line longer than RFC 5322 allows (%d): %.80q", len(line), line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	p := Mail{Header: msg.Header, Subject: subject}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if cte := part.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Errorf("Content-Transfer-Encoding %q, want quoted-printable", cte)
		}
		raw, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(string(raw), "\r\n") {
			if len(line) > 76 {
				t.Errorf("quoted-printable line longer than 76: %q", line)
			}
		}
		decoded, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		// Text lines travel with CRLF endings; a reader hands them on with the local ones.
		body := strings.ReplaceAll(string(decoded), "\r\n", "\n")
		switch ct := part.Header.Get("Content-Type"); ct {
		case "text/plain; charset=utf-8":
			p.Text = body
		case "text/html; charset=utf-8":
			p.HTML = body
		default:
			t.Errorf("unexpected part %q", ct)
		}
	}
	if p.Text == "" || p.HTML == "" {
		t.Fatalf("want a text and an HTML part, got text %d bytes, html %d bytes", len(p.Text), len(p.HTML))
	}
	return p
}
