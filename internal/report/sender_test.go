package report_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"vigie/internal/notify"
	"vigie/internal/notify/email"
	"vigie/internal/report"
	"vigie/internal/schedule"
	"vigie/internal/status"
)

// mailbox is a real SMTP server on loopback (go-smtp) that keeps every message it receives.
type mailbox struct {
	mu   sync.Mutex
	msgs []delivered
	port int
}

type delivered struct {
	to   []string
	data string
}

func newMailbox(t *testing.T) *mailbox {
	mb := &mailbox{}
	srv := smtp.NewServer(mb)
	srv.Domain, srv.AllowInsecureAuth = "127.0.0.1", true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.port = ln.Addr().(*net.TCPAddr).Port
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return mb
}

func (mb *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{mb: mb}, nil }

func (mb *mailbox) messages() []delivered {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]delivered(nil), mb.msgs...)
}

type mailSession struct {
	mb  *mailbox
	cur delivered
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = string(b)
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, s.cur)
	s.mb.mu.Unlock()
	return nil
}
func (s *mailSession) Reset()        { s.cur = delivered{} }
func (s *mailSession) Logout() error { return nil }

// parts reads a delivered message: its subject and its text and HTML parts.
func parts(t *testing.T, d delivered) (subject, text, html string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(d.data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			return subject, text, html
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			html = string(b)
		} else {
			text = string(b)
		}
	}
}

// TestWeeklyReportMailedOncePerWeek moves the clock over two Monday mornings and restarts the
// sender in between: each receiver gets each week's report exactly once, by real SMTP.
func TestWeeklyReportMailedOncePerWeek(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	w, page, _ := weeklyWorld(t, time.Date(2026, 6, 7, 20, 0, 0, 0, paris))
	mb := newMailbox(t)
	receivers := map[string]notify.Notifier{}
	for name, to := range map[string]string{"ops-mail": "ops@example.org", "cto-mail": "cto@example.org"} {
		n, err := email.New(email.Options{Host: "127.0.0.1", Port: mb.port, TLS: email.TLSNone, From: "vigie <vigie@example.org>", To: []string{to}})
		if err != nil {
			t.Fatal(err)
		}
		receivers[name] = n
	}
	outbox := notify.NewDispatcher(notify.Options{Store: w.store, Clock: w.clock, Receivers: func() map[string]notify.Notifier { return receivers }})
	sched, err := schedule.Parse("0 8 * * MON", paris, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	plan := &report.WeeklyPlan{Schedule: sched, Location: paris, Pages: []*status.Page{page}, Receivers: []string{"ops-mail", "cto-mail"},
		BaseURL: "https://vigie.example/"}
	svc := report.NewService(report.Options{Records: w.svc, Rollups: w.store, Alerts: w.store, Clock: w.clock})
	newSender := func() *report.Sender {
		return report.NewSender(report.SenderOptions{Reports: svc, Outbox: outbox, Clock: w.clock, Plan: func() *report.WeeklyPlan { return plan }})
	}
	ctx := context.Background()
	round := func(s *report.Sender) {
		t.Helper()
		if err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := outbox.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	first := newSender()

	round(first) // Sunday evening: last Monday's report is more than a day old
	if n := len(mb.messages()); n != 0 {
		t.Fatalf("Sunday evening: %d mails", n)
	}
	w.clock.Advance(12*time.Hour + 30*time.Second) // Monday 8 June, 08:00:30
	round(first)
	got := mb.messages()
	if len(got) != 2 {
		t.Fatalf("Monday 08:00: %d mails, want one per receiver", len(got))
	}
	subject, text, html := parts(t, got[0])
	if subject != "Weekly report — Acme status — week 23, 2026 (1–7 June)" {
		t.Errorf("subject %q", subject)
	}
	for _, want := range []string{"Downtime: 50 min in 2 episodes", "1. Web app: 45 min down", "https://vigie.example/reports/weekly?page=acme&week=2026-W23"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	for _, want := range []string{"Open the report in vigie", `href="https://vigie.example/reports/weekly?page=acme&amp;week=2026-W23"`, "<svg class=\"rchart latency\""} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	to := map[string]bool{}
	for _, m := range got {
		to[strings.Join(m.to, ",")] = true
	}
	if !to["ops@example.org"] || !to["cto@example.org"] {
		t.Errorf("recipients %v", to)
	}

	// The same process again, then a restarted one: nothing more for week 23.
	w.clock.Advance(time.Minute)
	round(first)
	restarted := newSender()
	round(restarted)
	w.clock.Advance(25 * time.Hour) // Tuesday
	round(restarted)
	if n := len(mb.messages()); n != 2 {
		t.Fatalf("after another round and a restart: %d mails, want still 2", n)
	}

	// The next Monday brings week 24.
	w.clock.Advance(7*24*time.Hour - 25*time.Hour - time.Minute) // Monday 15 June, 08:00:30
	round(restarted)
	round(restarted)
	got = mb.messages()
	if len(got) != 4 {
		t.Fatalf("second Monday: %d mails, want 4", len(got))
	}
	if subject, _, _ := parts(t, got[3]); subject != "Weekly report — Acme status — week 24, 2026 (8–14 June)" {
		t.Errorf("second week's subject %q", subject)
	}
}

func TestWeeklyPlanDue(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	sched, _ := schedule.Parse("0 8 * * MON", paris, time.Time{})
	plan := &report.WeeklyPlan{Schedule: sched, Location: paris}
	tests := []struct {
		now  time.Time
		at   time.Time
		week string
	}{
		{time.Date(2026, 6, 8, 7, 59, 0, 0, paris), time.Time{}, ""},
		{time.Date(2026, 6, 8, 8, 0, 0, 0, paris), time.Date(2026, 6, 8, 8, 0, 0, 0, paris), "2026-W23"},
		{time.Date(2026, 6, 9, 7, 59, 0, 0, paris), time.Date(2026, 6, 8, 8, 0, 0, 0, paris), "2026-W23"},
		{time.Date(2026, 6, 9, 8, 1, 0, 0, paris), time.Time{}, ""},
		// The Monday after the clocks go back: the week before was 169 hours long.
		{time.Date(2026, 10, 26, 9, 0, 0, 0, paris), time.Date(2026, 10, 26, 8, 0, 0, 0, paris), "2026-W43"},
		// New Year: week 53 of 2026 is reported on 4 January 2027.
		{time.Date(2027, 1, 4, 8, 30, 0, 0, paris), time.Date(2027, 1, 4, 8, 0, 0, 0, paris), "2026-W53"},
	}
	for _, tt := range tests {
		at, week, ok := plan.Due(tt.now)
		if ok != !tt.at.IsZero() || !at.Equal(tt.at) || (ok && week.String() != tt.week) {
			t.Errorf("Due(%v) = %v, %v, %v; want %v, %s", tt.now, at, week, ok, tt.at, tt.week)
		}
	}
}
