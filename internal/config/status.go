package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"vigie/internal/suggest"
)

// StatusPage is one public status page.
type StatusPage struct {
	Slug        string           `yaml:"slug"` // URL: /status/{slug}
	Title       string           `yaml:"title"`
	Description string           `yaml:"description"`
	LogoURL     string           `yaml:"logo_url"` // absolute http(s) URL of an image
	Host        string           `yaml:"host"`     // custom host name that serves this page at /
	Timezone    string           `yaml:"timezone"` // days, months and SLA are counted in it
	SLATarget   float64          `yaml:"sla_target"`
	Weights     StatusWeights    `yaml:"weights"`
	Private     StatusPrivacy    `yaml:"private"`
	Groups      []ComponentGroup `yaml:"groups"`
	// MaintenanceNoticeBefore is how long before each maintenance window subscribers get a
	// reminder; 0 sends none.
	MaintenanceNoticeBefore Duration          `yaml:"maintenance_notice_before"`
	Subscribers             StatusSubscribers `yaml:"subscribers"`
}

// StatusSubscribers says how the page's subscribers are written to. Without an email
// receiver the page offers no e-mail subscription; webhooks work either way.
type StatusSubscribers struct {
	// Email names an email receiver: its SMTP server, credentials and from address send
	// the subscriber mail. Its own recipients are not used.
	Email string `yaml:"email"`
	From  string `yaml:"from"` // overrides the receiver's from: "Acme status <status@acme.example>"
}

// StatusWeights say how much of a minute in each state counts as downtime in SLA figures.
type StatusWeights struct {
	Degraded      float64 `yaml:"degraded"`
	PartialOutage float64 `yaml:"partial_outage"`
}

// StatusPrivacy keeps a page for those who hold its token.
type StatusPrivacy struct {
	Token Secret `yaml:"token"`
}

// ComponentGroup is a heading on a status page.
type ComponentGroup struct {
	Name       string      `yaml:"name"`
	Components []Component `yaml:"components"`
}

// Component is one line on a status page, backed by monitors.
type Component struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Monitors    []string `yaml:"monitors"`
	// Rule combines several monitors: worst (any down is a major outage) or share (some
	// down is a partial outage, all down a major one).
	Rule string `yaml:"rule"`
	// Manual components have no monitors: they are operational unless an open incident says
	// otherwise (or a maintenance covers them), like a hand-set Statuspage component.
	Manual bool `yaml:"manual"`
}

var slugChars = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func (p *StatusPage) setDefaults() {
	p.MaintenanceNoticeBefore = Duration(day)
	p.Timezone = "UTC"
	p.SLATarget = 99.9
	p.Weights = StatusWeights{Degraded: 0, PartialOutage: 1}
}

func (c *Component) setDefaults() { c.Rule = "worst" }

// Validate checks one page on its own; monitor names are checked in validateStatusPages.
func (p *StatusPage) Validate(v *Validator) {
	switch {
	case p.Slug == "":
		v.Errorf("slug", "a status page needs a slug (its URL is /status/{slug})")
	case !slugChars.MatchString(p.Slug):
		v.Errorf("slug", "%q: use lower-case letters, digits and '-' (at most 63)", p.Slug)
	}
	if p.Title == "" {
		v.Errorf("title", "a status page needs a title")
	}
	if p.LogoURL != "" {
		if u, err := url.Parse(p.LogoURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.Errorf("logo_url", "want an absolute http or https URL, got %q", p.LogoURL)
		}
	}
	if p.Host != "" && !validHostname(p.Host) {
		v.Errorf("host", "want a host name like status.example.com, got %q", p.Host)
	}
	if _, err := time.LoadLocation(p.Timezone); err != nil {
		v.Errorf("timezone", "unknown time zone %q (use an IANA name like Europe/Paris)", p.Timezone)
	}
	if p.SLATarget <= 0 || p.SLATarget >= 100 {
		v.Errorf("sla_target", "want a percentage like 99.9, above 0 and below 100, got %v", p.SLATarget)
	}
	for _, w := range []struct {
		key string
		val float64
	}{{"weights.degraded", p.Weights.Degraded}, {"weights.partial_outage", p.Weights.PartialOutage}} {
		if w.val < 0 || w.val > 1 {
			v.Errorf(w.key, "want a share between 0 and 1, got %v", w.val)
		}
	}
	if tok := p.Private.Token.Reveal(); tok != "" && !tokenChars.MatchString(tok) {
		v.Errorf("private.token", "must be 16 to 128 of A-Z a-z 0-9 _ - (it goes in a URL)")
	}
	v.DurationRange("maintenance_notice_before", p.MaintenanceNoticeBefore, 0, Duration(30*day))
	if p.Subscribers.From != "" {
		if a, err := mail.ParseAddress(p.Subscribers.From); err != nil || strings.ContainsAny(p.Subscribers.From, "\r\n") {
			v.Errorf("subscribers.from", "want an e-mail address like \"Acme status <status@acme.example>\", got %q", p.Subscribers.From)
		} else if p.Subscribers.Email == "" {
			v.Errorf("subscribers.from", "is set but subscribers.email is not: name the email receiver that sends as %s", a.Address)
		}
	}
	if len(p.Groups) == 0 {
		v.Errorf("groups", "a status page needs at least one group of components")
	}
	var names []string
	for i, g := range p.Groups {
		key := fmt.Sprintf("groups[%d]", i)
		if g.Name == "" {
			v.Errorf(key+".name", "a group needs a name")
		}
		if len(g.Components) == 0 {
			v.Errorf(key+".components", "a group needs components")
		}
		for j, c := range g.Components {
			ckey := fmt.Sprintf("%s.components[%d]", key, j)
			if c.Name == "" {
				v.Errorf(ckey+".name", "a component needs a name")
			} else if ComponentID(c.Name) == "" {
				v.Errorf(ckey+".name", "%q: a name needs letters or digits", c.Name)
			}
			names = append(names, ComponentID(c.Name))
			v.OneOf(ckey+".rule", c.Rule, "worst", "share")
			switch {
			case c.Manual && len(c.Monitors) > 0:
				v.Errorf(ckey+".manual", "a manual component has no monitors: its state comes from incidents")
			case !c.Manual && len(c.Monitors) == 0:
				v.Errorf(ckey+".monitors", "a component needs at least one monitor (or manual: true, to set its state through incidents)")
			}
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n != "" && seen[n] {
			v.Errorf("groups", "two components are both called %q on this page", n)
		}
		seen[n] = true
	}
}

// ComponentID is a component's name as it appears in URLs and JSON: "Web app" is "web-app".
func ComponentID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// validateStatusPages checks what spans pages and monitors.
func validateStatusPages(v *Validator, c *Config) {
	slugs := make([]string, len(c.StatusPages))
	hosts := map[string]int{}
	monitors := make([]string, len(c.Monitors))
	for i, m := range c.Monitors {
		monitors[i] = m.Name
	}
	var emailReceivers []string
	receiverType := map[string]string{}
	for _, r := range c.Receivers {
		receiverType[r.Name] = r.Type
		if r.Type == "email" {
			emailReceivers = append(emailReceivers, r.Name)
		}
	}
	for i, p := range c.StatusPages {
		slugs[i] = p.Slug
		if p.Host != "" {
			if j, dup := hosts[strings.ToLower(p.Host)]; dup {
				v.Errorf(fmt.Sprintf("status_pages[%d].host", i), "host %q already serves status_pages[%d]", p.Host, j)
			} else {
				hosts[strings.ToLower(p.Host)] = i
			}
		}
		if name := p.Subscribers.Email; name != "" {
			key := fmt.Sprintf("status_pages[%d].subscribers.email", i)
			switch typ, ok := receiverType[name]; {
			case ok && typ != "email":
				v.Errorf(key, "receiver %q is a %s receiver; subscriber mail needs an email one", name, typ)
			case ok:
			case suggest.Closest(name, emailReceivers) != "":
				v.Errorf(key, "no email receiver named %q; did you mean %q?", name, suggest.Closest(name, emailReceivers))
			default:
				v.Errorf(key, "no email receiver named %q (add one under receivers with type: email)", name)
			}
		}
		for gi, g := range p.Groups {
			for ci, comp := range g.Components {
				for mi, m := range comp.Monitors {
					if containsString(monitors, m) {
						continue
					}
					key := fmt.Sprintf("status_pages[%d].groups[%d].components[%d].monitors[%d]", i, gi, ci, mi)
					if s := suggest.Closest(m, monitors); s != "" {
						v.Errorf(key, "no monitor named %q; did you mean %q?", m, s)
					} else {
						v.Errorf(key, "no monitor named %q", m)
					}
				}
			}
		}
	}
	// UniqueNames reads .name; slugs are keyed .slug, so check them here.
	first := map[string]int{}
	for i, s := range slugs {
		if j, dup := first[s]; dup && s != "" {
			v.Errorf(fmt.Sprintf("status_pages[%d].slug", i), "duplicate slug %q (first at status_pages[%d])", s, j)
		} else {
			first[s] = i
		}
	}
}

func containsString(list []string, s string) bool { return slices.Contains(list, s) }
