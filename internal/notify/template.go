package notify

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"text/template"
	"time"

	"vigie/internal/human"
)

// Template overrides the title and text every provider renders, per receiver. Both are Go
// text/template sources executed with the Message as data; an empty source keeps vigie's own.
type Template struct {
	title, text *template.Template
}

// templateFuncs are the helpers a template may call besides the Message's fields.
var templateFuncs = template.FuncMap{
	"human": human.Duration,
	"stamp": Stamp,
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"join":  strings.Join,
	"label": KindLabel,
	"icon":  Icon,
	"since": func(t, asOf time.Time) time.Duration { return asOf.Sub(t) },
}

// TemplateError says which of a template's parts is wrong.
type TemplateError struct {
	Part string // "title" or "text"
	Err  error
}

func (e *TemplateError) Error() string { return e.Err.Error() }
func (e *TemplateError) Unwrap() error { return e.Err }

// ParseTemplate compiles title and text, then runs both on a sample firing message and a
// sample resolved one, so that a wrong field name is an error at load time, not when an
// outage is already going on. The error joins one *TemplateError per part that is wrong.
func ParseTemplate(title, text string) (*Template, error) {
	t := &Template{}
	var errs []error
	for _, p := range []struct {
		part, src string
		dst       **template.Template
	}{{"title", title, &t.title}, {"text", text, &t.text}} {
		if p.src == "" {
			continue
		}
		tmpl, err := template.New(p.part).Funcs(templateFuncs).Parse(p.src)
		for _, m := range sampleMessages() {
			if err != nil {
				break
			}
			_, err = execute(tmpl, m)
		}
		if err != nil {
			errs = append(errs, &TemplateError{p.part, cleanTemplateError(err)})
			continue
		}
		*p.dst = tmpl
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t, nil
}

// Apply returns m with its title and text rendered by the template. A part that fails to
// render keeps vigie's own wording: a message that goes out beats a perfect one that does not.
func (t *Template) Apply(m Message) Message {
	if t == nil {
		return m
	}
	if s, err := execute(t.title, m); err == nil && t.title != nil {
		m.Title = strings.TrimSpace(strings.ReplaceAll(s, "\n", " "))
	}
	if s, err := execute(t.text, m); err == nil && t.text != nil {
		m.Text = strings.TrimRight(s, "\n")
	}
	return m
}

func execute(t *template.Template, m Message) (string, error) {
	if t == nil {
		return "", nil
	}
	var b bytes.Buffer
	if err := t.Execute(&b, m); err != nil {
		return "", err
	}
	return b.String(), nil
}

// templatePosition is text/template's "name:line:col: executing "name" at <...>: problem".
var templatePosition = regexp.MustCompile(`^template: \w+:(\d+)(?::(\d+))?: (?:executing "\w+" )?(.*)$`)

// cleanTemplateError says where in the template the problem is in words, without the
// template's name, which the configuration error already gives as its key.
func cleanTemplateError(err error) error {
	m := templatePosition.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	where := "line " + m[1]
	if m[2] != "" {
		where += ", column " + m[2]
	}
	return errors.New(where + ": " + m[3])
}

func sampleMessages() []Message {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := Alert{Monitor: "website", State: "down", Reason: "status == 200 (got 503)", Labels: map[string]string{"team": "web"},
		StartedAt: start, URL: "https://vigie.example/monitors/website"}
	firing := Message{Key: "k", GroupKey: "g", Kind: KindFiring, Severity: SeverityCritical, Title: "[DOWN] website",
		Text: "website is down", Alerts: []Alert{a}, AckURL: "https://vigie.example/ack/t", SentAt: start.Add(time.Minute)}
	resolved := firing
	ra := a
	ra.State, ra.EndedAt = "up", start.Add(42*time.Minute)
	resolved.Kind, resolved.Severity, resolved.Alerts, resolved.AckURL = KindResolved, SeverityInfo, []Alert{ra}, ""
	return []Message{firing, resolved}
}

// templated is a Notifier whose messages a Template rewrites first.
type templated struct {
	next Notifier
	t    *Template
}

// WithTemplate wraps n so that every message it sends is rendered by t first.
func WithTemplate(n Notifier, t *Template) Notifier {
	if t == nil || t.title == nil && t.text == nil {
		return n
	}
	return templated{next: n, t: t}
}

func (n templated) Notify(ctx context.Context, m Message) error {
	return n.next.Notify(ctx, n.t.Apply(m))
}
