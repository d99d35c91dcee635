package email

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"vigie/internal/human"
	"vigie/internal/notify"
)

// Colours of the HTML part. State is always written out as well: colour alone tells nothing
// to a colour-blind reader or a text-only client.
const (
	colorFiring   template.CSS = "#cf222e"
	colorResolved template.CSS = "#1a7f37"
	colorTest     template.CSS = "#0969da"
)

const timeLayout = "2006-01-02 15:04 MST"

// compose renders m as an RFC 5322 message with CRLF line endings: headers, then a
// multipart/alternative body with a text/plain and a text/html part, both quoted-printable.
// A message that comes rendered (m.HTML, with m.Text as its plain part) is sent as it is.
func compose(from *mail.Address, to []*mail.Address, m notify.Message) ([]byte, error) {
	sentAt := m.SentAt
	if sentAt.IsZero() {
		sentAt = time.Now()
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	recipients := make([]string, len(to))
	for i, a := range to {
		recipients[i] = a.String()
	}
	header := func(name, value string) { fmt.Fprintf(&buf, "%s: %s\r\n", name, value) }
	header("From", from.String())
	header("To", strings.Join(recipients, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Title)))
	header("Date", sentAt.Format(time.RFC1123Z))
	header("Message-ID", messageID(m.Key, domain))
	if m.GroupKey != "" {
		// Mail clients thread on References: every message about one alert group lands in
		// one conversation, even though the first of them may never have been received.
		header("References", "<group."+digest(m.GroupKey)+"@"+domain+">")
	}
	// Auto-Submitted (RFC 3834) and its Microsoft cousin keep vacation auto-replies away.
	header("Auto-Submitted", "auto-generated")
	header("X-Auto-Response-Suppress", "All")
	if m.Notice != nil && m.Notice.UnsubscribeURL != "" {
		// RFC 2369 and RFC 8058: mail clients show an unsubscribe button, and a POST of
		// "List-Unsubscribe=One-Click" to the link ends the subscription without a visit.
		header("List-Unsubscribe", "<"+oneLine(m.Notice.UnsubscribeURL)+">")
		header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	header("X-Vigie-Kind", oneLine(string(m.Kind)))
	if m.Severity != "" {
		header("X-Vigie-Severity", oneLine(string(m.Severity)))
	}
	header("MIME-Version", "1.0")
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	buf.WriteString("\r\n")

	text, html := []byte(m.Text), []byte(m.HTML)
	if m.HTML == "" {
		v := newView(m, sentAt)
		var b bytes.Buffer
		if err := htmlTemplate.Execute(&b, v); err != nil {
			return nil, err
		}
		text, html = []byte(plainText(m, v)), b.Bytes()
	}
	// Clients show the last alternative they can display: plain text first, HTML last.
	for _, part := range []struct {
		contentType string
		body        []byte
	}{
		{"text/plain; charset=utf-8", text},
		{"text/html; charset=utf-8", html},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.contentType},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write(part.body); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// messageID is the same for every attempt at one notification, so a receiver that has the
// message already can drop the copy a retry brings.
func messageID(key, domain string) string {
	if key == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return "<vigie." + hex.EncodeToString(b) + "@" + domain + ">"
	}
	return "<vigie." + digest(key) + "@" + domain + ">"
}

// digest turns a key of any characters into the dot-atom text a message id allows.
func digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// oneLine keeps a value on its header line: a line break would let it add headers.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

type view struct {
	Title     string
	Text      string
	KindLabel string
	Accent    template.CSS
	Alerts    []alertView
	AckURL    string
	SentAt    string
}

type alertView struct {
	Monitor  string
	URL      string
	State    string
	Color    template.CSS
	Reason   string
	Since    string
	Duration string
	Labels   string
}

func newView(m notify.Message, sentAt time.Time) view {
	v := view{
		Title:     m.Title,
		Text:      strings.TrimSpace(m.Text),
		KindLabel: kindLabel(m.Kind),
		Accent:    colorFiring,
		SentAt:    sentAt.UTC().Format(timeLayout),
	}
	switch m.Kind {
	case notify.KindResolved:
		v.Accent = colorResolved
	case notify.KindTest:
		v.Accent = colorTest
	default:
		// Acknowledging makes sense only while the alert fires.
		v.AckURL = m.AckURL
	}
	for _, a := range m.Alerts {
		av := alertView{
			Monitor:  a.Monitor,
			URL:      a.URL,
			State:    strings.ToUpper(strings.ReplaceAll(a.State, "_", " ")),
			Color:    colorFiring,
			Reason:   a.Reason,
			Since:    a.StartedAt.UTC().Format(timeLayout),
			Duration: human.Duration(a.Duration(sentAt)),
			Labels:   labels(a.Labels),
		}
		if !a.EndedAt.IsZero() || a.State == "up" {
			av.Color = colorResolved
			av.Duration = "lasted " + av.Duration
			if av.State == "" {
				av.State = "RESOLVED"
			}
		}
		v.Alerts = append(v.Alerts, av)
	}
	return v
}

func kindLabel(k notify.Kind) string {
	switch k {
	case notify.KindFiring:
		return "Firing"
	case notify.KindReminder:
		return "Still firing"
	case notify.KindEscalate:
		return "Escalated: not acknowledged"
	case notify.KindResolved:
		return "Resolved"
	case notify.KindTest:
		return "Test"
	case notify.KindReport:
		return "Report"
	}
	return string(k)
}

func labels(l map[string]string) string {
	pairs := make([]string, 0, len(l))
	for _, k := range slices.Sorted(maps.Keys(l)) {
		pairs = append(pairs, k+"="+l[k])
	}
	return strings.Join(pairs, ", ")
}

func plainText(m notify.Message, v view) string {
	var b strings.Builder
	if v.Text != "" {
		b.WriteString(v.Text)
	} else {
		b.WriteString(m.Title)
	}
	b.WriteString("\n")
	for _, a := range v.Alerts {
		fmt.Fprintf(&b, "\n%s  %s", a.State, a.Monitor)
		if a.Reason != "" {
			fmt.Fprintf(&b, ": %s", a.Reason)
		}
		fmt.Fprintf(&b, "\n  since %s (%s)\n", a.Since, a.Duration)
		if a.Labels != "" {
			fmt.Fprintf(&b, "  labels: %s\n", a.Labels)
		}
		if a.URL != "" {
			fmt.Fprintf(&b, "  %s\n", a.URL)
		}
	}
	if v.AckURL != "" {
		fmt.Fprintf(&b, "\nAcknowledge: %s\n", v.AckURL)
	}
	fmt.Fprintf(&b, "\n-- \nSent by vigie at %s\n", v.SentAt)
	return b.String()
}

// htmlTemplate uses tables and inline styles only: mail clients drop <style> blocks and
// most of CSS layout.
var htmlTemplate = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">
<tr><td style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:720px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:6px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2328;">
<tr><td style="padding:16px 20px;border-top:4px solid {{.Accent}};border-radius:6px 6px 0 0;">
<div style="font-size:12px;font-weight:600;letter-spacing:0.04em;text-transform:uppercase;color:{{.Accent}};">{{.KindLabel}}</div>
<h1 style="margin:4px 0 0;font-size:18px;line-height:1.4;font-weight:600;color:#1f2328;">{{.Title}}</h1>
</td></tr>
{{- if .Text}}
<tr><td style="padding:0 20px 12px;font-size:14px;line-height:1.5;color:#1f2328;white-space:pre-wrap;">{{.Text}}</td></tr>
{{- end}}
{{- if .Alerts}}
<tr><td style="padding:4px 20px 16px;">
<table width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:13px;line-height:1.4;">
<tr>
<th align="left" style="padding:6px 8px;border-bottom:1px solid #d0d7de;color:#59636e;font-weight:600;">State</th>
<th align="left" style="padding:6px 8px;border-bottom:1px solid #d0d7de;color:#59636e;font-weight:600;">Monitor</th>
<th align="left" style="padding:6px 8px;border-bottom:1px solid #d0d7de;color:#59636e;font-weight:600;">Reason</th>
<th align="left" style="padding:6px 8px;border-bottom:1px solid #d0d7de;color:#59636e;font-weight:600;">Since</th>
</tr>
{{- range .Alerts}}
<tr>
<td valign="top" style="padding:8px;border-bottom:1px solid #eaeef2;white-space:nowrap;"><span style="display:inline-block;padding:2px 8px;border-radius:10px;background:{{.Color}};color:#ffffff;font-size:11px;font-weight:700;letter-spacing:0.03em;">{{.State}}</span></td>
<td valign="top" style="padding:8px;border-bottom:1px solid #eaeef2;font-weight:600;">{{if .URL}}<a href="{{.URL}}" style="color:#0969da;text-decoration:none;">{{.Monitor}}</a>{{else}}{{.Monitor}}{{end}}
{{- if .Labels}}<div style="margin-top:2px;font-weight:400;font-size:12px;color:#59636e;">{{.Labels}}</div>{{end}}</td>
<td valign="top" style="padding:8px;border-bottom:1px solid #eaeef2;color:{{.Color}};">{{.Reason}}</td>
<td valign="top" style="padding:8px;border-bottom:1px solid #eaeef2;white-space:nowrap;color:#59636e;">{{.Since}}<br>{{.Duration}}</td>
</tr>
{{- end}}
</table>
</td></tr>
{{- end}}
{{- if .AckURL}}
<tr><td style="padding:0 20px 20px;"><a href="{{.AckURL}}" style="display:inline-block;padding:10px 18px;border-radius:6px;background:#1f2328;color:#ffffff;font-size:14px;font-weight:600;text-decoration:none;">Acknowledge</a></td></tr>
{{- end}}
<tr><td style="padding:12px 20px;border-top:1px solid #eaeef2;font-size:12px;color:#59636e;">Sent by vigie at {{.SentAt}}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`))
