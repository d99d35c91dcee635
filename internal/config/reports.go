package config

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"vigie/internal/errs"
	"vigie/internal/schedule"
	"vigie/internal/suggest"
)

// Reports are the reports vigie sends on its own.
type Reports struct {
	Weekly WeeklyReport `yaml:"weekly"`
}

// WeeklyReport mails each page's weekly report (uptime, incidents, response times, alerts, top
// offenders) to receivers on a schedule. It is off until receivers are set.
type WeeklyReport struct {
	Schedule  string   `yaml:"schedule"`  // cron or RRULE, read in Zone; default "0 8 * * MON"
	Zone      string   `yaml:"zone"`      // default UTC; weeks run Monday to Monday in it
	Pages     []string `yaml:"pages"`     // status page slugs; default every page
	Receivers []string `yaml:"receivers"` // e-mail receivers by name
}

func (w *WeeklyReport) setDefaults() {
	w.Schedule = "0 8 * * MON"
	w.Zone = "UTC"
}

// Enabled reports whether weekly reports are sent.
func (w *WeeklyReport) Enabled() bool { return len(w.Receivers) > 0 }

// Validate checks the schedule and zone; names are checked in validateReports.
func (w *WeeklyReport) Validate(v *Validator) {
	loc, err := time.LoadLocation(w.Zone)
	if err != nil {
		v.Errorf("zone", "unknown time zone %q (use an IANA name like Europe/Paris)", w.Zone)
		loc = time.UTC
	}
	if _, err := schedule.Parse(w.Schedule, loc, time.Time{}); err != nil {
		v.Errorf("schedule", "%s", errs.MessageOf(err))
	}
	if len(w.Pages) > 0 && len(w.Receivers) == 0 {
		v.Errorf("receivers", "weekly reports need receivers to go to (names of e-mail receivers)")
	}
}

// SLO is a service-level objective: the share of good check results a service must keep over a
// rolling window. Burning its error budget too fast opens an alert (kinds slo_page and
// slo_ticket) that routes like a monitor's.
type SLO struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Objective   float64           `yaml:"objective"` // percent of good results, e.g. 99.9
	Window      Duration          `yaml:"window"`    // default 30d
	Monitors    []string          `yaml:"monitors"`  // the results that count...
	Page        string            `yaml:"page"`      // ...or those of a status page's component
	Component   string            `yaml:"component"` // its name or id
	Labels      map[string]string `yaml:"labels"`    // added to the alert's, for routes and silences
}

var sloName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Labels an SLO alert sets itself.
var reservedSLOLabels = []string{"monitor", "type", "slo"}

func (s *SLO) setDefaults() {
	s.Objective = 99.9
	s.Window = Duration(30 * day)
}

// Validate checks one SLO on its own; what it names is checked in validateSLOs.
func (s *SLO) Validate(v *Validator) {
	switch {
	case s.Name == "":
		v.Errorf("name", "an SLO needs a name")
	case !sloName.MatchString(s.Name):
		v.Errorf("name", "%q: use lower-case letters, digits, '_' and '-' (at most 63)", s.Name)
	}
	if !(s.Objective > 0 && s.Objective < 100) {
		v.Errorf("objective", "want a percentage like 99.9, above 0 and below 100, got %v", s.Objective)
	}
	v.DurationRange("window", s.Window, Duration(day), Duration(90*day))
	switch {
	case len(s.Monitors) > 0 && (s.Page != "" || s.Component != ""):
		v.Errorf("monitors", "give monitors, or a page and a component, not both")
	case len(s.Monitors) == 0 && s.Page == "" && s.Component == "":
		v.Errorf("monitors", "an SLO needs the results it counts: monitors, or a page and a component")
	case len(s.Monitors) == 0 && s.Page == "":
		v.Errorf("page", "component %q needs the page it is on", s.Component)
	case len(s.Monitors) == 0 && s.Component == "":
		v.Errorf("component", "a page needs the component the SLO is about")
	}
	for k := range s.Labels {
		switch {
		case !labelName.MatchString(k):
			v.Errorf("labels."+k, "label name %q: use lower-case letters, digits and '_'", k)
		case slices.Contains(reservedSLOLabels, k):
			v.Errorf("labels."+k, "label %q is set by vigie on SLO alerts", k)
		}
	}
}

// validateReports checks that weekly reports name pages and e-mail receivers that exist.
func validateReports(v *Validator, c *Config) {
	w := c.Reports.Weekly
	slugs := make([]string, len(c.StatusPages))
	for i, p := range c.StatusPages {
		slugs[i] = p.Slug
	}
	for i, p := range w.Pages {
		if !slices.Contains(slugs, p) {
			v.Errorf(fmt.Sprintf("reports.weekly.pages[%d]", i), "%s", unknown("status page", p, slugs))
		}
	}
	for i, name := range w.Receivers {
		key := fmt.Sprintf("reports.weekly.receivers[%d]", i)
		j := slices.IndexFunc(c.Receivers, func(r Receiver) bool { return r.Name == name })
		switch {
		case j < 0:
			names := make([]string, len(c.Receivers))
			for k, r := range c.Receivers {
				names[k] = r.Name
			}
			v.Errorf(key, "%s", unknown("receiver", name, names))
		case c.Receivers[j].Type != "email":
			v.Errorf(key, "receiver %q is a %s receiver; weekly reports go by e-mail (type: email)", name, c.Receivers[j].Type)
		}
	}
	if w.Enabled() && len(w.Pages) == 0 && len(c.StatusPages) == 0 {
		v.Errorf("reports.weekly", "weekly reports are made per status page, and there is none (status_pages)")
	}
}

// validateSLOs checks names and what each SLO counts.
func validateSLOs(v *Validator, c *Config) {
	names := make([]string, len(c.SLOs))
	for i, s := range c.SLOs {
		names[i] = s.Name
	}
	v.UniqueNames("slos", names)
	monitors := make([]string, len(c.Monitors))
	for i, m := range c.Monitors {
		monitors[i] = m.Name
	}
	slugs := make([]string, len(c.StatusPages))
	for i, p := range c.StatusPages {
		slugs[i] = p.Slug
	}
	for i, s := range c.SLOs {
		key := fmt.Sprintf("slos[%d]", i)
		for j, m := range s.Monitors {
			if !slices.Contains(monitors, m) {
				v.Errorf(fmt.Sprintf("%s.monitors[%d]", key, j), "%s", unknown("monitor", m, monitors))
			}
		}
		if s.Window > c.Retention.Rollups {
			v.Errorf(key+".window", "%s is longer than retention.rollups (%s): the results would be gone", s.Window, c.Retention.Rollups)
		}
		if s.Page == "" || s.Component == "" {
			continue
		}
		p := slices.IndexFunc(c.StatusPages, func(p StatusPage) bool { return p.Slug == s.Page })
		if p < 0 {
			v.Errorf(key+".page", "%s", unknown("status page", s.Page, slugs))
			continue
		}
		if _, ok := c.StatusPages[p].FindComponent(s.Component); !ok {
			var comps []string
			for _, g := range c.StatusPages[p].Groups {
				for _, comp := range g.Components {
					comps = append(comps, comp.Name)
				}
			}
			msg := fmt.Sprintf("no component named %q on page %s", s.Component, s.Page)
			if near := suggest.Closest(s.Component, comps); near != "" {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			v.Errorf(key+".component", "%s", msg)
		}
	}
}

// FindComponent finds a component of the page by its name or its id ("Web app" or "web-app").
func (p *StatusPage) FindComponent(nameOrID string) (Component, bool) {
	for _, g := range p.Groups {
		for _, c := range g.Components {
			if c.Name == nameOrID || ComponentID(c.Name) == nameOrID {
				return c, true
			}
		}
	}
	return Component{}, false
}

// unknown says a name is not one of known, suggesting the closest.
func unknown(what, name string, known []string) string {
	msg := fmt.Sprintf("no %s named %q", what, name)
	if s := suggest.Closest(name, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg
}
