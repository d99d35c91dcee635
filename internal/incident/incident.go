// Package incident is the logbook: one record per incident that is at once the operators'
// log (the five questions the seeds' teams answer: what is going on, how it was understood,
// what was done, what the impacts are, how to avoid it next time), the customers' updates on
// the status page, and the source of the post-mortem. Incidents open by hand or from an
// alert; their timeline (detected, acknowledged, mitigated, resolved, and every update and
// note) gives the time to detect, acknowledge and resolve. Internal notes and roles stay
// inside: what a status page, feed or JSON shows comes only from Public.
package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/status/sla"
)

// Severity ranks an incident, SEV1 the worst.
type Severity string

const (
	SEV1 Severity = "SEV1"
	SEV2 Severity = "SEV2"
	SEV3 Severity = "SEV3"
	SEV4 Severity = "SEV4"
)

// Severities lists the severities, worst first.
var Severities = []Severity{SEV1, SEV2, SEV3, SEV4}

// ParseSeverity reads "SEV2" (or "sev2").
func ParseSeverity(s string) (Severity, error) {
	v := Severity(strings.ToUpper(strings.TrimSpace(s)))
	if slices.Contains(Severities, v) {
		return v, nil
	}
	return "", errs.E(errs.Invalid, "severity: want SEV1, SEV2, SEV3 or SEV4, got %q", s)
}

// Impact is the severity in Statuspage's words (critical, major, minor, none), which tools
// reading the public JSON expect.
func (s Severity) Impact() string {
	switch s {
	case SEV1:
		return "critical"
	case SEV2:
		return "major"
	case SEV3:
		return "minor"
	}
	return "none"
}

// Status is where an incident stands.
type Status string

const (
	Investigating Status = "investigating"
	Identified    Status = "identified"
	Monitoring    Status = "monitoring"
	Resolved      Status = "resolved"
)

// Statuses lists the statuses in their usual order.
var Statuses = []Status{Investigating, Identified, Monitoring, Resolved}

// ParseStatus reads a status name.
func ParseStatus(s string) (Status, error) {
	v := Status(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Statuses, v) {
		return v, nil
	}
	return "", errs.E(errs.Invalid, "status: want investigating, identified, monitoring or resolved, got %q", s)
}

// CanMoveTo checks a change of status. An open incident may go forward or back among the
// open statuses (a fix that did not hold sends it back to investigating) or be resolved;
// a resolved incident stays resolved: a new problem is a new incident.
func (s Status) CanMoveTo(next Status) error {
	if !slices.Contains(Statuses, next) {
		return errs.E(errs.Invalid, "status: want investigating, identified, monitoring or resolved, got %q", next)
	}
	if s == Resolved && next != Resolved {
		return errs.E(errs.Conflict, "the incident is resolved; open a new one if the problem is back")
	}
	return nil
}

// Label is a status as people read it.
func (s Status) Label() string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Affected is a component of the incident's status page and the state the incident says
// it is in. The page shows the worse of this and what its monitors measure.
type Affected struct {
	Component string    // component id on the page
	Level     sla.Level // what the incident states
}

// Logbook holds the five questions every incident answers. Text is Markdown.
type Logbook struct {
	WhatIsGoingOn string // what is going on
	HowUnderstood string // how it was understood
	WhatWasDone   string // what was done
	Impacts       string // what the impacts are
	HowToAvoid    string // how to avoid it next time
}

// EntryKind says what a timeline entry records.
type EntryKind string

const (
	EntryOpened       EntryKind = "opened"       // the incident was declared
	EntryAcknowledged EntryKind = "acknowledged" // someone took it
	EntryStatus       EntryKind = "status"       // status changed without a public word
	EntryUpdate       EntryKind = "update"       // a public update: the only public kind
	EntryNote         EntryKind = "note"         // an internal note
	EntryChange       EntryKind = "change"       // fields edited (severity, components, roles, ETA...)
	EntryMitigated    EntryKind = "mitigated"    // the impact stopped
	EntryResolved     EntryKind = "resolved"
	EntryAlertFired   EntryKind = "alert_fired" // an alert joined the incident
	EntryAlertAcked   EntryKind = "alert_acknowledged"
	EntryAlertUp      EntryKind = "alert_resolved"
	EntryReminder     EntryKind = "reminder"   // a public update was due and none came
	EntryAction       EntryKind = "action"     // an action item added or done
	EntryPostmortem   EntryKind = "postmortem" // the post-mortem was published
)

// Entry is one line of the timeline.
type Entry struct {
	ID      int64
	At      time.Time
	Kind    EntryKind
	Status  Status // for updates and status changes: the status from then on
	Body    string
	Author  string
	AlertID int64 // for alert entries
}

// Public reports whether the entry may be shown outside: only public updates are.
func (e *Entry) Public() bool { return e.Kind == EntryUpdate }

// ActionItem is work that comes out of an incident.
type ActionItem struct {
	ID        int64
	Title     string
	Owner     string
	Due       time.Time // a day (midnight UTC); zero for none
	DoneAt    time.Time
	CreatedAt time.Time
}

// Done reports whether the item is done.
func (a *ActionItem) Done() bool { return !a.DoneAt.IsZero() }

// AlertLink is an alert that belongs to the incident.
type AlertLink struct {
	AlertID int64
	Monitor string
}

// Postmortem is the post-mortem: a draft being edited, and what was last published. Edits
// after publishing stay in the draft until it is published again.
type Postmortem struct {
	Markdown          string // the draft
	PublishedMarkdown string // what the status page shows
	UpdatedBy         string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	PublishedBy       string
	PublishedAt       time.Time
}

// Published reports whether the post-mortem is on the status page.
func (p *Postmortem) Published() bool { return p != nil && !p.PublishedAt.IsZero() }

// Incident is the record.
type Incident struct {
	ID         int64
	Title      string
	Severity   Severity
	Status     Status
	Page       string // status page slug; empty keeps the incident off every page
	Components []Affected
	Lead       string // who leads the response
	Comms      string // who writes to customers
	ETA        time.Time
	// NextUpdateAt is when the next public update is promised; a reminder goes out if it
	// passes without one.
	NextUpdateAt time.Time
	// Remind names receivers (or on-call schedules) told when an update is overdue and the
	// lead is not a receiver.
	Remind      []string
	RemindedFor time.Time // the NextUpdateAt a reminder already went out for
	Logbook     Logbook

	StartedAt      time.Time // the impact began
	DetectedAt     time.Time // vigie or someone noticed
	AcknowledgedAt time.Time
	MitigatedAt    time.Time
	ResolvedAt     time.Time

	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int // bumped by every save, so concurrent edits do not overwrite each other

	Alerts     []AlertLink
	Entries    []Entry // oldest first
	Actions    []ActionItem
	Postmortem *Postmortem
}

// Open reports whether the incident is not resolved.
func (inc *Incident) Open() bool { return inc.Status != Resolved }

// record appends a timeline entry; the store saves entries without an ID.
func (inc *Incident) record(at time.Time, kind EntryKind, author, body string) *Entry {
	inc.Entries = append(inc.Entries, Entry{At: at, Kind: kind, Status: inc.Status, Author: author, Body: body})
	return &inc.Entries[len(inc.Entries)-1]
}

// Updates are the public updates, oldest first.
func (inc *Incident) Updates() []Entry {
	var out []Entry
	for _, e := range inc.Entries {
		if e.Public() {
			out = append(out, e)
		}
	}
	return out
}

// Notes are the internal notes, oldest first.
func (inc *Incident) Notes() []Entry {
	var out []Entry
	for _, e := range inc.Entries {
		if e.Kind == EntryNote {
			out = append(out, e)
		}
	}
	return out
}

// LastUpdateAt is the time of the latest public update, or zero.
func (inc *Incident) LastUpdateAt() time.Time {
	for i := len(inc.Entries) - 1; i >= 0; i-- {
		if inc.Entries[i].Public() {
			return inc.Entries[i].At
		}
	}
	return time.Time{}
}

// Overdue reports whether a promised public update is late at now.
func (inc *Incident) Overdue(now time.Time) bool {
	return inc.Open() && !inc.NextUpdateAt.IsZero() && !now.Before(inc.NextUpdateAt)
}

// The measures of an incident. Each is known (ok) only once both its ends are.
//
//   - time to detect: from the start of the impact to its detection;
//   - time to acknowledge: from detection to someone taking it;
//   - time to mitigate: from the start of the impact to its end (customers lived this long);
//   - time to resolve: from the start of the impact to the incident's resolution.

// TimeToDetect is DetectedAt - StartedAt.
func (inc *Incident) TimeToDetect() (time.Duration, bool) {
	return between(inc.StartedAt, inc.DetectedAt)
}

// TimeToAcknowledge is AcknowledgedAt - DetectedAt.
func (inc *Incident) TimeToAcknowledge() (time.Duration, bool) {
	return between(inc.DetectedAt, inc.AcknowledgedAt)
}

// TimeToMitigate is MitigatedAt - StartedAt.
func (inc *Incident) TimeToMitigate() (time.Duration, bool) {
	return between(inc.StartedAt, inc.MitigatedAt)
}

// TimeToResolve is ResolvedAt - StartedAt.
func (inc *Incident) TimeToResolve() (time.Duration, bool) {
	return between(inc.StartedAt, inc.ResolvedAt)
}

func between(from, to time.Time) (time.Duration, bool) {
	if from.IsZero() || to.IsZero() {
		return 0, false
	}
	return max(to.Sub(from), 0), true
}

// ImpactWindow is the time customers were affected: from the start to the mitigation (or
// the resolution, or now while neither happened).
func (inc *Incident) ImpactWindow(now time.Time) sla.Window {
	end := now
	switch {
	case !inc.MitigatedAt.IsZero():
		end = inc.MitigatedAt
	case !inc.ResolvedAt.IsZero():
		end = inc.ResolvedAt
	}
	if end.Before(inc.StartedAt) {
		end = inc.StartedAt
	}
	return sla.Window{From: inc.StartedAt, To: end}
}

// Level is the state the incident states for a component, and whether it names it.
func (inc *Incident) Level(component string) (sla.Level, bool) {
	for _, a := range inc.Components {
		if a.Component == component {
			return a.Level, true
		}
	}
	return sla.Operational, false
}

// ComponentIDs lists the affected components' ids.
func (inc *Incident) ComponentIDs() []string {
	out := make([]string, len(inc.Components))
	for i, a := range inc.Components {
		out[i] = a.Component
	}
	return out
}

// moveTo changes the status, stamping what the new status means on the timeline's
// milestones. It records nothing itself: the caller says why (a public update or not).
func (inc *Incident) moveTo(next Status, at time.Time) error {
	if err := inc.Status.CanMoveTo(next); err != nil {
		return err
	}
	if next == inc.Status {
		return nil
	}
	inc.Status = next
	switch next {
	case Monitoring:
		// A fix is in and being watched: the impact has stopped.
		if inc.MitigatedAt.IsZero() {
			inc.MitigatedAt = at
		}
	case Resolved:
		if inc.MitigatedAt.IsZero() {
			inc.MitigatedAt = at
		}
		inc.ResolvedAt = at
		// Nothing more is promised once it is over.
		inc.ETA, inc.NextUpdateAt = time.Time{}, time.Time{}
	}
	return nil
}

// acknowledge stamps the first acknowledgement.
func (inc *Incident) acknowledge(at time.Time, by string) bool {
	if !inc.AcknowledgedAt.IsZero() {
		return false
	}
	inc.AcknowledgedAt = at
	inc.record(at, EntryAcknowledged, by, "Acknowledged by "+by+".")
	return true
}

// hasAlertEntry reports whether kind was already recorded for the alert.
func (inc *Incident) hasAlertEntry(alertID int64, kind EntryKind) bool {
	return slices.ContainsFunc(inc.Entries, func(e Entry) bool { return e.AlertID == alertID && e.Kind == kind })
}

// allAlertsUp reports whether every linked alert has resolved.
func (inc *Incident) allAlertsUp() bool {
	for _, l := range inc.Alerts {
		if !inc.hasAlertEntry(l.AlertID, EntryAlertUp) {
			return false
		}
	}
	return len(inc.Alerts) > 0
}

// describeComponents names the affected components and their states for people: "Public
// API (major outage), Web app (degraded)". names maps ids to names.
func describeComponents(as []Affected, names map[string]string) string {
	parts := make([]string, len(as))
	for i, a := range as {
		n := names[a.Component]
		if n == "" {
			n = a.Component
		}
		parts[i] = fmt.Sprintf("%s (%s)", n, LevelText(a.Level))
	}
	return strings.Join(parts, ", ")
}

// LevelText is a component state in words: "major outage".
func LevelText(l sla.Level) string {
	return strings.ReplaceAll(strings.TrimSuffix(l.String(), "_performance"), "_", " ")
}
