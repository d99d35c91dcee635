package incident

import (
	"slices"
	"time"
)

// PublicIncident is an incident as a status page, its JSON and its feeds show it. It is
// built from the record field by field, so what is internal (notes, roles, who is reminded,
// alerts, monitors, the logbook, action items, the post-mortem draft) cannot reach a page
// by accident: it is simply not here.
type PublicIncident struct {
	ID           int64
	Page         string
	Title        string
	Impact       string // none, minor, major, critical
	Status       Status
	Components   []Affected
	ETA          time.Time // while open
	NextUpdateAt time.Time // while open
	StartedAt    time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time // the latest public change
	MonitoringAt time.Time // when it first went to monitoring, or zero
	ResolvedAt   time.Time
	Updates      []PublicUpdate // newest first
	Postmortem   *PublicPostmortem
}

// PublicUpdate is one public update.
type PublicUpdate struct {
	ID     int64
	At     time.Time
	Status Status
	Body   string
}

// PublicPostmortem is the published post-mortem.
type PublicPostmortem struct {
	Markdown    string
	PublishedAt time.Time
}

// Public returns what the status page may show.
func (inc *Incident) Public() PublicIncident {
	p := PublicIncident{ID: inc.ID, Page: inc.Page, Title: inc.Title, Impact: inc.Severity.Impact(), Status: inc.Status,
		Components: slices.Clone(inc.Components), StartedAt: inc.StartedAt, CreatedAt: inc.CreatedAt, UpdatedAt: inc.CreatedAt,
		ResolvedAt: inc.ResolvedAt}
	if inc.Open() {
		p.ETA, p.NextUpdateAt = inc.ETA, inc.NextUpdateAt
	}
	for _, e := range inc.Entries {
		if !e.Public() && e.Kind != EntryStatus && e.Kind != EntryResolved {
			continue
		}
		if e.Status == Monitoring && p.MonitoringAt.IsZero() {
			p.MonitoringAt = e.At
		}
		if e.At.After(p.UpdatedAt) {
			p.UpdatedAt = e.At
		}
		if e.Public() {
			p.Updates = append(p.Updates, PublicUpdate{ID: e.ID, At: e.At, Status: e.Status, Body: e.Body})
		}
	}
	slices.Reverse(p.Updates)
	if inc.Postmortem.Published() {
		p.Postmortem = &PublicPostmortem{Markdown: inc.Postmortem.PublishedMarkdown, PublishedAt: inc.Postmortem.PublishedAt}
		if p.Postmortem.PublishedAt.After(p.UpdatedAt) {
			p.UpdatedAt = p.Postmortem.PublishedAt
		}
	}
	return p
}
