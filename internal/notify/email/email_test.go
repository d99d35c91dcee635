package email

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"vigie/internal/notify"
	"vigie/internal/notify/email/mailtest"
)

const (
	testUser     = "alerts@example.org"
	testPassword = "s3cret-Pa55word"
)

var started = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func firingMessage() notify.Message {
	return notify.Message{
		Key:      "outbox-42",
		GroupKey: "group-7",
		Kind:     notify.KindFiring,
		Severity: notify.SeverityCritical,
		Title:    "[DOWN] café-web — status == 200 (got 503)",
		Text: "café-web is down since 09:00 UTC.\n" +
			"This line is long enough to need a soft line break in quoted-printable, and it has = signs and trailing spaces   \n" +
			"Last line.",
		Alerts: []notify.Alert{{
			Monitor:   "café-web",
			State:     "down",
			Reason:    `status == 200 (got 503) <script>alert("x")</script>`,
			Labels:    map[string]string{"team": "web", "env": "prod"},
			StartedAt: started,
			URL:       "https://vigie.example.org/monitors/cafe-web",
		}},
		AckURL: "https://vigie.example.org/ack/outbox-42?exp=1772360000&sig=abc",
		SentAt: started.Add(42 * time.Minute),
	}
}

func resolvedMessage() notify.Message {
	m := firingMessage()
	m.Key = "outbox-43"
	m.Kind = notify.KindResolved
	m.Title = "[RESOLVED] café-web"
	m.Text = "café-web is up again after 42 min."
	m.Alerts[0].State = "up"
	m.Alerts[0].EndedAt = started.Add(42 * time.Minute)
	m.SentAt = started.Add(43 * time.Minute)
	return m // AckURL left set on purpose: a resolved alert must not offer it
}

// newNotifier returns a Notifier for a test server on 127.0.0.1 that trusts p's CA.
func newNotifier(t *testing.T, p pki, o Options) *Notifier {
	t.Helper()
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.From == "" {
		o.From = "vigie <alerts@example.org>"
	}
	if o.To == nil {
		o.To = []string{"Ops On-Call <oncall@example.org>", "boss@example.org"}
	}
	o.rootCAs = p.roots
	n, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func notifyCtx(t *testing.T, n *Notifier, m notify.Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return n.Notify(ctx, m)
}

func TestDeliver(t *testing.T) {
	p := newPKI(t)
	for _, tc := range []struct {
		security string
		auth     bool
	}{
		{TLSStartTLS, true},
		{TLSImplicit, true},
		{TLSNone, false},
	} {
		t.Run(tc.security, func(t *testing.T) {
			be := &mailtest.Backend{}
			o := Options{TLS: tc.security, HeloName: "vigie.test"}
			if tc.auth {
				be.Username, be.Password = testUser, testPassword
				o.Username, o.Password = testUser, testPassword
			}
			o.Port = startServer(t, tc.security, p, be)
			n := newNotifier(t, p, o)

			m := firingMessage()
			if err := notifyCtx(t, n, m); err != nil {
				t.Fatal(err)
			}
			msgs := be.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages, want 1", len(msgs))
			}
			got := msgs[0]
			if got.From != "alerts@example.org" {
				t.Errorf("MAIL FROM %q", got.From)
			}
			if strings.Join(got.To, ",") != "oncall@example.org,boss@example.org" {
				t.Errorf("RCPT TO %q", got.To)
			}
			pm := mailtest.Parse(t, got.Data)

			from, err := mail.ParseAddress(pm.Header.Get("From"))
			if err != nil || from.Name != "vigie" || from.Address != "alerts@example.org" {
				t.Errorf("From %q: %v", pm.Header.Get("From"), err)
			}
			to, err := pm.Header.AddressList("To")
			if err != nil || len(to) != 2 || to[0].Name != "Ops On-Call" || to[0].Address != "oncall@example.org" || to[1].Address != "boss@example.org" {
				t.Errorf("To %q: %v", pm.Header.Get("To"), err)
			}
			if pm.Subject != m.Title {
				t.Errorf("Subject decodes to %q, want %q", pm.Subject, m.Title)
			}
			if raw := pm.Header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
				t.Errorf("non-ASCII Subject not Q-encoded: %q", raw)
			}
			if d, err := pm.Header.Date(); err != nil || !d.Equal(m.SentAt) {
				t.Errorf("Date %q: %v", pm.Header.Get("Date"), err)
			}
			for name, want := range map[string]string{
				"Auto-Submitted":   "auto-generated",
				"X-Vigie-Kind":     "firing",
				"X-Vigie-Severity": "critical",
				"MIME-Version":     "1.0",
			} {
				if got := pm.Header.Get(name); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			if id := pm.Header.Get("Message-ID"); !strings.HasPrefix(id, "<vigie.") || !strings.HasSuffix(id, "@example.org>") {
				t.Errorf("Message-ID %q", id)
			}
			if !strings.HasPrefix(pm.Text, m.Text) {
				t.Errorf("text part does not start with the message text (quoted-printable round trip):\n%s", pm.Text)
			}
		})
	}
}

func TestContent(t *testing.T) {
	p := newPKI(t)
	be := &mailtest.Backend{}
	n := newNotifier(t, p, Options{TLS: TLSNone, Port: startServer(t, TLSNone, p, be)})

	firing, resolved := firingMessage(), resolvedMessage()
	for _, m := range []notify.Message{firing, resolved} {
		if err := notifyCtx(t, n, m); err != nil {
			t.Fatal(err)
		}
	}
	msgs := be.Messages()
	if len(msgs) != 2 {
		t.Fatalf("server got %d messages, want 2", len(msgs))
	}
	f, r := mailtest.Parse(t, msgs[0].Data), mailtest.Parse(t, msgs[1].Data)

	t.Run("html escapes values", func(t *testing.T) {
		if strings.Contains(f.HTML, "<script>") {
			t.Errorf("HTML part carries the reason's <script> unescaped:\n%s", f.HTML)
		}
		if !strings.Contains(f.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("HTML part lacks the escaped reason:\n%s", f.HTML)
		}
	})
	t.Run("states in colour and in words", func(t *testing.T) {
		if !strings.Contains(f.HTML, "background:#cf222e") || !strings.Contains(f.HTML, ">DOWN</span>") {
			t.Errorf("firing alert not shown red with its state:\n%s", f.HTML)
		}
		if !strings.Contains(r.HTML, "background:#1a7f37") || !strings.Contains(r.HTML, ">UP</span>") {
			t.Errorf("resolved alert not shown green with its state:\n%s", r.HTML)
		}
		if strings.Contains(r.HTML, "#cf222e") {
			t.Errorf("resolved message uses the firing colour:\n%s", r.HTML)
		}
	})
	t.Run("ack link only while firing", func(t *testing.T) {
		href := `href="` + html.EscapeString(firing.AckURL) + `"`
		if !strings.Contains(f.HTML, href) || !strings.Contains(f.HTML, ">Acknowledge</a>") {
			t.Errorf("firing HTML lacks %s:\n%s", href, f.HTML)
		}
		if !strings.Contains(f.Text, "Acknowledge: "+firing.AckURL+"\n") {
			t.Errorf("firing text lacks the ack link:\n%s", f.Text)
		}
		if strings.Contains(r.HTML, "Acknowledge") || strings.Contains(r.Text, "Acknowledge") || strings.Contains(r.Text, "/ack/") {
			t.Errorf("resolved message offers to acknowledge:\n%s\n%s", r.Text, r.HTML)
		}
	})
	t.Run("text part lists the alerts", func(t *testing.T) {
		for _, want := range []string{
			"DOWN  café-web: " + firing.Alerts[0].Reason,
			"since 2026-03-01 09:00 UTC (42 min)",
			"labels: env=prod, team=web",
			firing.Alerts[0].URL,
		} {
			if !strings.Contains(f.Text, want) {
				t.Errorf("text part lacks %q:\n%s", want, f.Text)
			}
		}
	})
	t.Run("html links the monitor", func(t *testing.T) {
		if !strings.Contains(f.HTML, `<a href="https://vigie.example.org/monitors/cafe-web"`) || !strings.Contains(f.HTML, "env=prod, team=web") {
			t.Errorf("HTML part lacks the monitor link or labels:\n%s", f.HTML)
		}
	})
	t.Run("threaded by group", func(t *testing.T) {
		if f.Header.Get("References") == "" || f.Header.Get("References") != r.Header.Get("References") {
			t.Errorf("References %q and %q, want the same for one group", f.Header.Get("References"), r.Header.Get("References"))
		}
	})
}

func TestMessageIDFollowsKey(t *testing.T) {
	p := newPKI(t)
	be := &mailtest.Backend{}
	n := newNotifier(t, p, Options{TLS: TLSNone, Port: startServer(t, TLSNone, p, be)})

	m := firingMessage()
	other := firingMessage()
	other.Key = "outbox-99"
	for _, m := range []notify.Message{m, m, other} {
		if err := notifyCtx(t, n, m); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, r := range be.Messages() {
		msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, msg.Header.Get("Message-ID"))
	}
	if len(ids) != 3 || ids[0] != ids[1] || ids[0] == ids[2] {
		t.Errorf("Message-IDs %q: want the first two (same key) equal and the third different", ids)
	}
}

func TestAuth(t *testing.T) {
	p := newPKI(t)
	be := &mailtest.Backend{Username: testUser, Password: testPassword}
	port := startServer(t, TLSStartTLS, p, be)

	good := newNotifier(t, p, Options{Port: port, Username: testUser, Password: testPassword})
	if err := notifyCtx(t, good, firingMessage()); err != nil {
		t.Fatalf("right password: %v", err)
	}

	const wrong = "not-the-Pa55word"
	bad := newNotifier(t, p, Options{Port: port, Username: testUser, Password: wrong})
	err := notifyCtx(t, bad, firingMessage())
	if !notify.IsPermanent(err) {
		t.Fatalf("wrong password: got %v, want a permanent error", err)
	}
	if !strings.Contains(err.Error(), "535") {
		t.Errorf("error does not show the server's 535: %v", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error shows the password: %v", err)
	}
	if n := len(be.Messages()); n != 1 {
		t.Errorf("server got %d messages, want 1", n)
	}
}

func TestServerReplies(t *testing.T) {
	p := newPKI(t)
	for _, tc := range []struct {
		name      string
		be        *mailtest.Backend
		permanent bool
	}{
		{"451 at RCPT", &mailtest.Backend{RcptErr: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}}, false},
		{"550 at RCPT", &mailtest.Backend{RcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}}, true},
		{"452 at DATA", &mailtest.Backend{DataErr: &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "insufficient storage"}}, false},
		{"554 at DATA", &mailtest.Backend{DataErr: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected as spam"}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNotifier(t, p, Options{TLS: TLSNone, Port: startServer(t, TLSNone, p, tc.be)})
			err := notifyCtx(t, n, firingMessage())
			if err == nil {
				t.Fatal("no error")
			}
			if notify.IsPermanent(err) != tc.permanent {
				t.Errorf("permanent = %v, want %v: %v", notify.IsPermanent(err), tc.permanent, err)
			}
			if !strings.Contains(err.Error(), tc.name[:3]) {
				t.Errorf("error does not show the reply code: %v", err)
			}
		})
	}
}

func TestSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c // held open, never written to
		}
		close(accepted)
	}()
	t.Cleanup(func() {
		l.Close()
		for c := range accepted {
			c.Close()
		}
	})

	n := newNotifier(t, pki{}, Options{TLS: TLSNone, Port: l.Addr().(*net.TCPAddr).Port})
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	begin := time.Now()
	err = n.Notify(ctx, firingMessage())
	elapsed := time.Since(begin)
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("got %v, want a retryable error", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error does not say the deadline passed: %v", err)
	}
	if elapsed > time.Second {
		t.Errorf("Notify took %s after a 150ms deadline", elapsed)
	}
}

func TestCancelWithoutDeadline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err == nil {
			defer c.Close()
			_, _ = io.Copy(io.Discard, c) // until the client hangs up
		}
	}()

	n := newNotifier(t, pki{}, Options{TLS: TLSNone, Port: l.Addr().(*net.TCPAddr).Port})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	err = n.Notify(ctx, firingMessage())
	if !errors.Is(err, context.Canceled) || notify.IsPermanent(err) {
		t.Errorf("got %v, want a retryable error saying the context was canceled", err)
	}
}

func TestConnectionFailures(t *testing.T) {
	p := newPKI(t)

	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		n := newNotifier(t, p, Options{TLS: TLSNone, Port: port})
		if err := notifyCtx(t, n, firingMessage()); err == nil || notify.IsPermanent(err) {
			t.Errorf("got %v, want a retryable error", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		port := startServer(t, TLSImplicit, p, &mailtest.Backend{})
		n := newNotifier(t, newPKI(t), Options{TLS: TLSImplicit, Port: port})
		err := notifyCtx(t, n, firingMessage())
		if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("got %v, want a retryable certificate error", err)
		}
	})
	t.Run("STARTTLS not offered", func(t *testing.T) {
		port := startServer(t, TLSNone, p, &mailtest.Backend{})
		n := newNotifier(t, p, Options{TLS: TLSStartTLS, Port: port})
		err := notifyCtx(t, n, firingMessage())
		if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "STARTTLS not offered") {
			t.Errorf("got %v, want a permanent error saying STARTTLS is missing", err)
		}
	})
}

func TestNewValidation(t *testing.T) {
	valid := Options{Host: "smtp.example.org", From: "vigie <alerts@example.org>", To: []string{"ops@example.org"}}
	for _, tc := range []struct {
		name  string
		edit  func(o *Options)
		wants []string // each must be in the error; none means valid
	}{
		{"valid", func(*Options) {}, nil},
		{"bare from and auth over starttls", func(o *Options) { o.From = "alerts@example.org"; o.Username, o.Password = "u", "p" }, nil},
		{"none to loopback", func(o *Options) { o.Host, o.TLS = "127.0.0.1", TLSNone }, nil},
		{"none to localhost", func(o *Options) { o.Host, o.TLS = "localhost", TLSNone }, nil},
		{"none to ::1", func(o *Options) { o.Host, o.TLS = "::1", TLSNone }, nil},
		{"missing host", func(o *Options) { o.Host = "" }, []string{"host is required"}},
		{"host with port", func(o *Options) { o.Host = "smtp.example.org:587" }, []string{"must not include a port"}},
		{"no recipients", func(o *Options) { o.To = nil }, []string{"at least one recipient"}},
		{"bad recipient", func(o *Options) { o.To = []string{"ops@example.org", "not an address"} }, []string{`to "not an address"`}},
		{"missing from", func(o *Options) { o.From = "" }, []string{"from is required"}},
		{"bad from", func(o *Options) { o.From = "vigie alerts" }, []string{`from "vigie alerts" is not an e-mail address`}},
		{"none to remote host", func(o *Options) { o.TLS = TLSNone }, []string{`only allowed for a loopback host`, `"smtp.example.org"`}},
		{"unknown tls", func(o *Options) { o.TLS = "ssl" }, []string{`tls "ssl" is not one of`}},
		{"bad port", func(o *Options) { o.Port = 70000 }, []string{"port 70000 is out of range"}},
		{"username without password", func(o *Options) { o.Username = "u" }, []string{"username and password go together"}},
		{"auth in clear text", func(o *Options) { o.Host, o.TLS, o.Username, o.Password = "127.0.0.1", TLSNone, "u", "hunter2" }, []string{"authentication needs TLS"}},
		{"helo with space", func(o *Options) { o.HeloName = "my host" }, []string{"helo name"}},
		{"all problems at once", func(o *Options) { o.Host, o.To, o.From = "", nil, "" }, []string{"host is required", "at least one recipient", "from is required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := valid
			tc.edit(&o)
			n, err := New(o)
			if len(tc.wants) == 0 {
				if err != nil || n == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New accepted invalid options")
			}
			for _, want := range tc.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if o.Password != "" && strings.Contains(err.Error(), o.Password) {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestDefaultPorts(t *testing.T) {
	for security, want := range map[string]string{"": "587", TLSStartTLS: "587", TLSImplicit: "465", TLSNone: "25"} {
		n, err := New(Options{Host: "localhost", TLS: security, From: "a@example.org", To: []string{"b@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, port, _ := net.SplitHostPort(n.addr); port != want {
			t.Errorf("tls %q: port %s, want %s", security, port, want)
		}
	}
}

// A notice to a status page's subscriber comes rendered: it is sent as it is, with the
// headers that give mail clients a one-click unsubscribe button (RFC 2369, RFC 8058).
func TestNoticeComesRenderedWithUnsubscribeHeaders(t *testing.T) {
	p := newPKI(t)
	be := &mailtest.Backend{}
	n := newNotifier(t, p, Options{TLS: TLSNone, Port: startServer(t, TLSNone, p, be), To: []string{"reader@example.net"}})
	unsubscribe := "https://status.example.org/status/acme/unsubscribe/u42.1800000000.sig"
	m := notify.Message{Key: "notice-1", GroupKey: "maintenance/7", Kind: notify.KindNotice, Severity: notify.SeverityInfo,
		Title: "[Acme status] Scheduled maintenance: Database upgrade", Text: "Plain words.\nUnsubscribe: " + unsubscribe + "\n",
		HTML: "<!DOCTYPE html><p>Rendered by the sender</p>", SentAt: started,
		Notice: &notify.Notice{Event: "maintenance_scheduled", Page: "acme", UnsubscribeURL: unsubscribe}}
	if err := notifyCtx(t, n, m); err != nil {
		t.Fatal(err)
	}
	pm := mailtest.Parse(t, be.Messages()[0].Data)
	if pm.Text != m.Text || pm.HTML != m.HTML {
		t.Fatalf("the rendered parts were changed:\ntext %q\nhtml %q", pm.Text, pm.HTML)
	}
	for name, want := range map[string]string{
		"List-Unsubscribe":      "<" + unsubscribe + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"X-Vigie-Kind":          "notice",
		"Subject":               m.Title,
	} {
		if got := pm.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	// An alert has no list to leave.
	if err := notifyCtx(t, n, firingMessage()); err != nil {
		t.Fatal(err)
	}
	if h := mailtest.Parse(t, be.Messages()[1].Data).Header.Get("List-Unsubscribe"); h != "" {
		t.Errorf("an alert carries List-Unsubscribe %q", h)
	}
}

// TestMessageWithItsOwnHTML: a report carries a finished HTML document; the e-mail sends it as
// the HTML part, unchanged, beside the plain text.
func TestMessageWithItsOwnHTML(t *testing.T) {
	p := newPKI(t)
	be := &mailtest.Backend{}
	n := newNotifier(t, p, Options{TLS: TLSNone, Port: startServer(t, TLSNone, p, be)})
	doc := "<!DOCTYPE html><html><body><h1 style=\"color:#0969da\">Weekly report — Acme</h1><p>Uptime 99.95 %</p></body></html>"
	m := notify.Message{Key: "weekly-acme-2026-W23", GroupKey: "weekly-acme", Kind: notify.KindReport, Severity: notify.SeverityInfo,
		Title: "Weekly report — Acme — week 23", Text: "Uptime 99.95 %\nDowntime 22 min", HTML: doc, SentAt: started}
	if err := notifyCtx(t, n, m); err != nil {
		t.Fatal(err)
	}
	msgs := be.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages", len(msgs))
	}
	got := mailtest.Parse(t, msgs[0].Data)
	if strings.TrimSpace(got.HTML) != doc {
		t.Errorf("HTML part:\n%s\nwant the message's own document:\n%s", got.HTML, doc)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(got.Header.Get("Subject"))
	if !strings.Contains(got.Text, "Uptime 99.95 %\nDowntime 22 min") || got.Header.Get("X-Vigie-Kind") != "report" || subject != m.Title {
		t.Errorf("text %q, kind %q, subject %q", got.Text, got.Header.Get("X-Vigie-Kind"), subject)
	}
}
