package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"vigie/internal/suggest"
)

// Route sends alerts whose labels match to receivers (or on-call schedules).
type Route struct {
	Match        map[string]string `yaml:"match"`
	Receivers    []string          `yaml:"receivers"`
	Escalation   string            `yaml:"escalation"`
	Continue     bool              `yaml:"continue"`
	GroupBy      []string          `yaml:"group_by"`
	GroupWait    Duration          `yaml:"group_wait"`
	Repeat       Duration          `yaml:"repeat"`
	NotifyOn     []string          `yaml:"notify_on"`
	SendResolved bool              `yaml:"send_resolved"`
	Incident     RouteIncident     `yaml:"incident"`
}

// RouteIncident opens an incident from the alerts a route sends (down and degraded ones,
// when the route notifies on them; never certificate alerts).
type RouteIncident struct {
	Severity   string   `yaml:"severity"`    // SEV1..SEV4; setting it turns the rule on
	Page       string   `yaml:"page"`        // the status page the incident shows on; none keeps it internal
	Components []string `yaml:"components"`  // component ids on the page; default those behind the alert's monitor
	NextUpdate Duration `yaml:"next_update"` // the first public update is promised this long after opening
	Remind     []string `yaml:"remind"`      // told when an update is overdue; default the route's receivers
}

// Enabled reports whether the route opens incidents.
func (ri *RouteIncident) Enabled() bool { return ri.Severity != "" }

func (ri *RouteIncident) setDefaults() { ri.NextUpdate = Duration(30 * time.Minute) }

// Validate checks the rule on its own; names are checked against pages and receivers in
// validateRouteIncidents.
func (ri *RouteIncident) Validate(v *Validator) {
	if !ri.Enabled() {
		if ri.Page != "" || len(ri.Components) > 0 || len(ri.Remind) > 0 {
			v.Errorf("severity", "set the severity of the incidents this route opens (SEV1, SEV2, SEV3 or SEV4)")
		}
		return
	}
	if !slices.Contains([]string{"SEV1", "SEV2", "SEV3", "SEV4"}, ri.Severity) {
		v.Errorf("severity", "want SEV1 (the worst), SEV2, SEV3 or SEV4, got %q", ri.Severity)
	}
	if ri.NextUpdate != 0 {
		v.DurationRange("next_update", ri.NextUpdate, Duration(5*time.Minute), Duration(day))
	}
	if len(ri.Components) > 0 && ri.Page == "" {
		v.Errorf("components", "name the status page these components are on (page)")
	}
}

func (r *Route) setDefaults() {
	r.GroupWait = Duration(30 * time.Second)
	r.Repeat = Duration(4 * time.Hour)
	r.SendResolved = true
}

func (r *Route) complete(string) {
	if len(r.NotifyOn) == 0 {
		r.NotifyOn = []string{"down", "cert_expiring", "slo_page", "slo_ticket"}
	}
}

// Validate checks one route on its own; names are checked against receivers in Config.
func (r *Route) Validate(v *Validator) {
	if len(r.Receivers) == 0 && r.Escalation == "" {
		v.Errorf("receivers", "a route needs receivers (or an escalation)")
	}
	v.DurationRange("group_wait", r.GroupWait, 0, Duration(time.Hour))
	if r.Repeat != 0 {
		v.DurationRange("repeat", r.Repeat, Duration(time.Minute), Duration(30*day))
	}
	for i, k := range r.NotifyOn {
		v.OneOf(fmt.Sprintf("notify_on[%d]", i), k, "down", "degraded", "cert_expiring", "slo_page", "slo_ticket")
	}
}

// Escalation is a named list of steps: who else is told when an alert stays unacknowledged.
type Escalation struct {
	Name  string           `yaml:"name"`
	Steps []EscalationStep `yaml:"steps"`
}

// EscalationStep tells Receivers once the alert has been firing for After.
type EscalationStep struct {
	After     Duration `yaml:"after"`
	Receivers []string `yaml:"receivers"`
}

// Validate checks the steps are in time order.
func (e *Escalation) Validate(v *Validator) {
	if e.Name == "" {
		v.Errorf("name", "an escalation needs a name")
	}
	if len(e.Steps) == 0 {
		v.Errorf("steps", "an escalation needs steps")
	}
	for i, s := range e.Steps {
		key := fmt.Sprintf("steps[%d]", i)
		if s.After <= 0 {
			v.Errorf(key+".after", "must be after the alert starts (the route's receivers are told at once), got %s", s.After)
		} else if i > 0 && s.After <= e.Steps[i-1].After {
			v.Errorf(key+".after", "must come after the previous step (%s), got %s", e.Steps[i-1].After, s.After)
		}
		if len(s.Receivers) == 0 {
			v.Errorf(key+".receivers", "a step needs receivers")
		}
	}
}

// OnCall is a schedule: who is on duty when, in a time zone. A route or an escalation step
// names it like a receiver; at send time it stands for the receivers of the shift on duty.
type OnCall struct {
	Name     string   `yaml:"name"`
	Timezone string   `yaml:"timezone"`
	Shifts   []Shift  `yaml:"shifts"`
	Default  []string `yaml:"default"` // outside every shift
}

// Shift is a weekly time band.
type Shift struct {
	Days      []string `yaml:"days"` // mon..sun; empty means every day
	From      string   `yaml:"from"` // HH:MM
	To        string   `yaml:"to"`   // HH:MM; before From means the shift runs past midnight
	Receivers []string `yaml:"receivers"`
}

func (o *OnCall) setDefaults() { o.Timezone = "UTC" }

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Validate checks the zone, days and times.
func (o *OnCall) Validate(v *Validator) {
	if o.Name == "" {
		v.Errorf("name", "an on-call schedule needs a name")
	}
	if _, err := time.LoadLocation(o.Timezone); err != nil {
		v.Errorf("timezone", "unknown time zone %q (use an IANA name like Europe/Paris)", o.Timezone)
	}
	for i, s := range o.Shifts {
		key := fmt.Sprintf("shifts[%d]", i)
		for j, d := range s.Days {
			v.OneOf(fmt.Sprintf("%s.days[%d]", key, j), d, weekdays...)
		}
		for _, f := range []struct{ key, val string }{{"from", s.From}, {"to", s.To}} {
			if _, err := time.Parse("15:04", f.val); err != nil {
				v.Errorf(key+"."+f.key, "want a time like 09:00, got %q", f.val)
			}
		}
		if s.From == s.To && s.From != "" {
			v.Errorf(key+".to", "a shift from %s to %s is empty", s.From, s.To)
		}
		if len(s.Receivers) == 0 {
			v.Errorf(key+".receivers", "a shift needs receivers")
		}
	}
}

// Active returns the receivers on duty at t.
func (o *OnCall) Active(t time.Time) []string {
	loc, err := time.LoadLocation(o.Timezone)
	if err != nil {
		loc = time.UTC
	}
	local := t.In(loc)
	minute := local.Hour()*60 + local.Minute()
	for _, s := range o.Shifts {
		from, _ := time.Parse("15:04", s.From)
		to, _ := time.Parse("15:04", s.To)
		f, e := from.Hour()*60+from.Minute(), to.Hour()*60+to.Minute()
		day := local.Weekday()
		in := minute >= f && minute < e
		if e <= f { // past midnight: the part after midnight belongs to the day the shift began
			switch {
			case minute >= f:
				in = true
			case minute < e:
				in, day = true, (day+6)%7
			}
		}
		if in && (len(s.Days) == 0 || slices.Contains(s.Days, weekdays[day])) {
			return s.Receivers
		}
	}
	return o.Default
}

// validateAlerting checks that routes, escalations and schedules name things that exist.
func validateAlerting(v *Validator, c *Config) {
	receivers := make([]string, len(c.Receivers))
	for i, r := range c.Receivers {
		receivers[i] = r.Name
	}
	v.UniqueNames("receivers", receivers)
	oncall := make([]string, len(c.OnCall))
	for i, o := range c.OnCall {
		oncall[i] = o.Name
	}
	v.UniqueNames("oncall", oncall)
	escalations := make([]string, len(c.Escalations))
	for i, e := range c.Escalations {
		escalations[i] = e.Name
	}
	v.UniqueNames("escalations", escalations)
	for _, name := range oncall {
		if slices.Contains(receivers, name) {
			v.Errorf("oncall", "%q is both a receiver and an on-call schedule; use different names", name)
		}
	}
	targets := append(slices.Clone(receivers), oncall...)
	checkNames := func(key string, names []string, known []string, what string) {
		for i, n := range names {
			if slices.Contains(known, n) {
				continue
			}
			msg := fmt.Sprintf("no %s named %q", what, n)
			if s := suggest.Closest(n, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			v.Errorf(fmt.Sprintf("%s[%d]", key, i), "%s", msg)
		}
	}
	for i, r := range c.Routes {
		checkNames(fmt.Sprintf("routes[%d].receivers", i), r.Receivers, targets, "receiver or on-call schedule")
		if r.Escalation != "" && !slices.Contains(escalations, r.Escalation) {
			msg := fmt.Sprintf("no escalation named %q", r.Escalation)
			if s := suggest.Closest(r.Escalation, escalations); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			v.Errorf(fmt.Sprintf("routes[%d].escalation", i), "%s", msg)
		}
	}
	validateRouteIncidents(v, c, targets)
	for i, e := range c.Escalations {
		for j, s := range e.Steps {
			checkNames(fmt.Sprintf("escalations[%d].steps[%d].receivers", i, j), s.Receivers, targets, "receiver or on-call schedule")
		}
	}
	for i, o := range c.OnCall {
		for j, s := range o.Shifts {
			checkNames(fmt.Sprintf("oncall[%d].shifts[%d].receivers", i, j), s.Receivers, receivers, "receiver")
		}
		checkNames(fmt.Sprintf("oncall[%d].default", i), o.Default, receivers, "receiver")
	}
}

// validateRouteIncidents checks that routes open incidents on pages and components that
// exist, and remind receivers that exist.
func validateRouteIncidents(v *Validator, c *Config, targets []string) {
	slugs := make([]string, len(c.StatusPages))
	for i, p := range c.StatusPages {
		slugs[i] = p.Slug
	}
	for i, r := range c.Routes {
		ri := r.Incident
		key := fmt.Sprintf("routes[%d].incident", i)
		if !ri.Enabled() {
			continue
		}
		for j, name := range ri.Remind {
			if !slices.Contains(targets, name) {
				msg := fmt.Sprintf("no receiver or on-call schedule named %q", name)
				if s := suggest.Closest(name, targets); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				v.Errorf(fmt.Sprintf("%s.remind[%d]", key, j), "%s", msg)
			}
		}
		if ri.Page == "" {
			continue
		}
		p := slices.IndexFunc(c.StatusPages, func(p StatusPage) bool { return p.Slug == ri.Page })
		if p < 0 {
			msg := fmt.Sprintf("no status page %q", ri.Page)
			if s := suggest.Closest(ri.Page, slugs); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			v.Errorf(key+".page", "%s", msg)
			continue
		}
		var ids []string
		for _, g := range c.StatusPages[p].Groups {
			for _, comp := range g.Components {
				ids = append(ids, ComponentID(comp.Name))
			}
		}
		for j, id := range ri.Components {
			if slices.Contains(ids, id) {
				continue
			}
			msg := fmt.Sprintf("page %s has no component %q", ri.Page, id)
			if s := suggest.Closest(id, ids); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += fmt.Sprintf(" (it has %s)", strings.Join(ids, ", "))
			}
			v.Errorf(fmt.Sprintf("%s.components[%d]", key, j), "%s", msg)
		}
	}
}
