// Package email sends notifications as e-mail through an SMTP relay: a multipart message with
// a plain-text part and an inline-styled HTML part, whose Message-ID comes from the message key
// so that receivers can drop the duplicates at-least-once delivery produces.
package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	"vigie/internal/notify"
)

// Ways to protect the connection to the SMTP server.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, port 587
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS), port 465
	TLSNone     = "none"     // clear text, port 25: only to a loopback relay
)

// defaultTimeout bounds a delivery whose context has no deadline: a stalled server must not
// hold an outbox worker forever.
const defaultTimeout = time.Minute

// errNotOffered marks a missing SMTP extension the configuration depends on: retrying
// against the same server cannot help.
var errNotOffered = errors.New("not offered by the server")

// Options configure a Notifier.
type Options struct {
	Host     string // SMTP server host name or IP address
	Port     int    // default 587 (starttls), 465 (tls), 25 (none)
	TLS      string // TLSStartTLS (default), TLSImplicit or TLSNone
	Username string // with Password, authenticates with AUTH PLAIN (never in clear text)
	Password string
	From     string   // "vigie <alerts@example.org>" or a bare address
	To       []string // recipients, at least one
	HeloName string   // name given in EHLO; default the host name of this machine

	rootCAs *x509.CertPool // tests trust their own CA; nil means the system roots
}

// Notifier sends messages by e-mail to fixed recipients through one SMTP server.
type Notifier struct {
	host      string
	addr      string
	security  string
	username  string
	password  string
	from      *mail.Address
	to        []*mail.Address
	helo      string
	tlsConfig *tls.Config
}

var _ notify.Notifier = (*Notifier)(nil)

// New checks o and returns a Notifier. All problems are reported at once.
func New(o Options) (*Notifier, error) {
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }

	host := strings.TrimSpace(o.Host)
	switch {
	case host == "":
		bad("host is required")
	case strings.ContainsAny(host, " \t\r\n/"):
		bad("host %q is not a host name", host)
	case strings.Contains(host, ":") && net.ParseIP(host) == nil:
		bad("host %q must not include a port: set port instead", host)
	}

	security := o.TLS
	if security == "" {
		security = TLSStartTLS
	}
	port := o.Port
	switch security {
	case TLSStartTLS:
		port = orDefault(port, 587)
	case TLSImplicit:
		port = orDefault(port, 465)
	case TLSNone:
		port = orDefault(port, 25)
		if host != "" && !isLoopback(host) {
			bad("tls %q is only allowed for a loopback host (localhost, 127.0.0.1, ::1), not %q: use %q or %q",
				TLSNone, host, TLSStartTLS, TLSImplicit)
		}
	default:
		bad("tls %q is not one of %q, %q, %q", o.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if port < 1 || port > 65535 {
		bad("port %d is out of range 1-65535", port)
	}

	switch {
	case (o.Username == "") != (o.Password == ""):
		bad("username and password go together: set both or neither")
	case o.Username != "" && security == TLSNone:
		bad("authentication needs TLS: the password would cross the network in clear text")
	}

	var from *mail.Address
	if o.From == "" {
		bad("from is required")
	} else if a, err := mail.ParseAddress(o.From); err != nil {
		bad("from %q is not an e-mail address: %v", o.From, err)
	} else {
		from = a
	}

	if len(o.To) == 0 {
		bad("at least one recipient (to) is required")
	}
	to := make([]*mail.Address, 0, len(o.To))
	for _, s := range o.To {
		a, err := mail.ParseAddress(s)
		if err != nil {
			bad("to %q is not an e-mail address: %v", s, err)
			continue
		}
		to = append(to, a)
	}

	helo := o.HeloName
	if helo == "" {
		helo, _ = os.Hostname()
	}
	if helo == "" {
		helo = "localhost"
	}
	if strings.ContainsAny(helo, " \t\r\n") {
		bad("helo name %q must be a single word", helo)
	}

	if len(problems) > 0 {
		return nil, fmt.Errorf("email: %w", errors.Join(problems...))
	}
	return &Notifier{
		host:      host,
		addr:      net.JoinHostPort(host, strconv.Itoa(port)),
		security:  security,
		username:  o.Username,
		password:  o.Password,
		from:      from,
		to:        to,
		helo:      helo,
		tlsConfig: &tls.Config{ServerName: host, RootCAs: o.rootCAs, MinVersion: tls.VersionTLS12},
	}, nil
}

// orDefault returns v, or def when v is unset.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Notify sends m as one e-mail to every recipient. SMTP 5xx replies (and a server lacking
// STARTTLS or AUTH when they are configured) give a *notify.PermanentError; 4xx replies,
// connection failures and timeouts give a plain error, worth retrying.
func (n *Notifier) Notify(ctx context.Context, m notify.Message) error {
	msg, err := compose(n.from, n.to, m)
	if err != nil {
		return &notify.PermanentError{Err: fmt.Errorf("email: compose: %w", err)}
	}
	if err := n.send(ctx, msg); err != nil {
		return n.classify(ctx, err)
	}
	return nil
}

func (n *Notifier) send(ctx context.Context, msg []byte) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	conn, err := n.dial(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	// net/smtp knows nothing of contexts: when ctx ends, by its deadline or a cancellation,
	// a deadline in the past fails whatever read or write is under way on the connection.
	// Setting it only then, rather than copying ctx's deadline now, means ctx.Err() already
	// tells why when the error comes back.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, n.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello(n.helo); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if n.security == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("STARTTLS %w", errNotOffered)
		}
		if err := c.StartTLS(n.tlsConfig.Clone()); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if n.username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("AUTH %w", errNotOffered)
		}
		if err := c.Auth(smtp.PlainAuth("", n.username, n.password, n.host)); err != nil {
			return fmt.Errorf("AUTH PLAIN as %q: %w", n.username, err)
		}
	}
	if err := c.Mail(n.from.Address); err != nil {
		return fmt.Errorf("MAIL FROM:<%s>: %w", n.from.Address, err)
	}
	// All or nothing: a recipient refused before DATA stops the delivery, so that a retry
	// never sends a second copy to the recipients that were accepted.
	for _, to := range n.to {
		if err := c.Rcpt(to.Address); err != nil {
			return fmt.Errorf("RCPT TO:<%s>: %w", to.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", err)
	}
	// The server has taken the message: a failed QUIT must not make the outbox send it again.
	_ = c.Quit()
	return nil
}

func (n *Notifier) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	if n.security == TLSImplicit {
		td := tls.Dialer{NetDialer: &d, Config: n.tlsConfig.Clone()}
		return td.DialContext(ctx, "tcp", n.addr)
	}
	return d.DialContext(ctx, "tcp", n.addr)
}

// classify names the server in err, says whether retrying can help, and keeps the password
// out of the message even if a server were to echo it.
func (n *Notifier) classify(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	err = fmt.Errorf("email: smtp %s: %w", n.addr, err)

	var reply *textproto.Error
	permanent := errors.Is(err, errNotOffered) || errors.As(err, &reply) && reply.Code >= 500

	if n.password != "" && strings.Contains(err.Error(), n.password) {
		// The chain is dropped on purpose: any error in it would print the password.
		err = errors.New(strings.ReplaceAll(err.Error(), n.password, "<secret>"))
	}
	if permanent {
		return &notify.PermanentError{Err: err}
	}
	return err
}
