package subscriber

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"vigie/internal/human"
	"vigie/internal/notify"
	"vigie/internal/status"
)

// mailView is a notice as one subscriber reads it, in plain text and in HTML.
type mailView struct {
	PageTitle   string
	PageURL     string
	Heading     string
	Paragraphs  []string
	Facts       []fact // When, Repeats, Affects, other moments
	Action      *link  // the button: confirm
	Why         string // why this subscriber gets it
	Unsubscribe string
}

type fact struct{ Label, Value string }

type link struct{ Label, URL string }

func newMailView(p *status.Page, sub *Subscriber, n Notice, notice *notify.Notice) mailView {
	v := mailView{PageTitle: p.Title, PageURL: notice.PageURL, Heading: n.Title, Unsubscribe: notice.UnsubscribeURL}
	for para := range strings.SplitSeq(strings.ReplaceAll(strings.TrimSpace(n.Body), "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			v.Paragraphs = append(v.Paragraphs, para)
		}
	}
	if !n.From.IsZero() {
		v.Facts = append(v.Facts, fact{"When", human.Window(n.From, n.To, p.Location)})
	}
	if n.Repeats != "" {
		v.Facts = append(v.Facts, fact{"Repeats", n.Repeats})
	}
	switch {
	case n.Event == eventConfirm || n.Event == eventAlreadySubscribed:
		v.Facts = append(v.Facts, fact{"Components", followed(p, sub)})
	case len(notice.Components) > 0:
		v.Facts = append(v.Facts, fact{"Affects", strings.Join(notice.Components, ", ")})
	}
	for _, m := range n.Moments {
		v.Facts = append(v.Facts, fact{m.Label, human.Time(m.At, p.Location)})
	}
	if notice.ConfirmURL != "" {
		v.Action = &link{"Confirm my subscription", notice.ConfirmURL}
	}
	switch {
	case n.Event == eventConfirm:
		v.Why = "You get this message because this address was entered on the status page of " + p.Title + "."
	case sub.Kind == KindEmail:
		v.Why = "You get this message because you subscribed to news of " + p.Title + " (" + followed(p, sub) + ")."
	default:
		v.Why = "Sent to this webhook because an administrator of " + p.Title + " subscribed it (" + followed(p, sub) + ")."
	}
	return v
}

// followed says what a subscriber follows.
func followed(p *status.Page, sub *Subscriber) string {
	if len(sub.Components) == 0 {
		return "all components"
	}
	return strings.Join(p.ComponentNames(sub.Components), ", ")
}

func (v mailView) text() string {
	var b strings.Builder
	b.WriteString(v.Heading + "\n")
	if len(v.Facts) > 0 {
		b.WriteString("\n")
		for _, f := range v.Facts {
			fmt.Fprintf(&b, "%s: %s\n", f.Label, f.Value)
		}
	}
	for _, p := range v.Paragraphs {
		b.WriteString("\n" + p + "\n")
	}
	if v.Action != nil {
		fmt.Fprintf(&b, "\n%s:\n%s\n", v.Action.Label, v.Action.URL)
	}
	fmt.Fprintf(&b, "\nStatus page: %s\n\n-- \n%s\n", v.PageURL, v.Why)
	if v.Unsubscribe != "" {
		fmt.Fprintf(&b, "Unsubscribe: %s\n", v.Unsubscribe)
	}
	return b.String()
}

func (v mailView) html() (string, error) {
	var b bytes.Buffer
	err := mailTemplate.Execute(&b, v)
	return b.String(), err
}

// mailTemplate uses tables and inline styles only: mail clients drop <style> blocks and most
// of CSS layout. Colours are calm: a notice is news, not an alarm.
var mailTemplate = template.Must(template.New("notice").Parse(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Heading}}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">
<tr><td style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:6px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2328;">
<tr><td style="padding:16px 20px 4px;border-top:4px solid #0969da;border-radius:6px 6px 0 0;">
<div style="font-size:12px;font-weight:600;letter-spacing:0.04em;text-transform:uppercase;color:#0969da;"><a href="{{.PageURL}}" style="color:#0969da;text-decoration:none;">{{.PageTitle}}</a></div>
<h1 style="margin:4px 0 0;font-size:19px;line-height:1.4;font-weight:600;color:#1f2328;">{{.Heading}}</h1>
</td></tr>
{{- if .Facts}}
<tr><td style="padding:8px 20px 4px;">
<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:14px;line-height:1.5;">
{{- range .Facts}}
<tr><th align="left" valign="top" style="padding:3px 16px 3px 0;color:#59636e;font-weight:600;white-space:nowrap;">{{.Label}}</th><td style="padding:3px 0;">{{.Value}}</td></tr>
{{- end}}
</table>
</td></tr>
{{- end}}
{{- range .Paragraphs}}
<tr><td style="padding:8px 20px 0;font-size:15px;line-height:1.55;white-space:pre-wrap;">{{.}}</td></tr>
{{- end}}
{{- with .Action}}
<tr><td style="padding:18px 20px 4px;"><a href="{{.URL}}" style="display:inline-block;padding:10px 18px;border-radius:6px;background:#1f2328;color:#ffffff;font-size:15px;font-weight:600;text-decoration:none;">{{.Label}}</a></td></tr>
{{- end}}
<tr><td style="padding:16px 20px 18px;font-size:14px;"><a href="{{.PageURL}}" style="color:#0969da;">See the status page</a></td></tr>
<tr><td style="padding:12px 20px;border-top:1px solid #eaeef2;font-size:12px;line-height:1.5;color:#59636e;">{{.Why}}{{with .Unsubscribe}}<br><a href="{{.}}" style="color:#59636e;">Unsubscribe</a>{{end}}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`))
