package report

import (
	"context"
	"slices"
	"strings"
	"time"

	"vigie/internal/alert"
	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/monitor"
	"vigie/internal/status"
)

// Rollups are the monitors' hourly summaries of check results.
type Rollups interface {
	Rollups(ctx context.Context, mon string, from, to time.Time) ([]monitor.Rollup, error)
}

// Alerts lists alerts.
type Alerts interface {
	// RecentAlerts lists alerts started since t (and those still open), newest first.
	RecentAlerts(ctx context.Context, since time.Time, limit int) ([]alert.Alert, error)
}

// Incident is what a weekly report says of one incident.
type Incident struct {
	Title      string    `json:"title"`
	Severity   string    `json:"severity"` // SEV1..SEV4
	Status     string    `json:"status"`   // investigating, identified, monitoring, resolved
	StartedAt  time.Time `json:"started_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"` // zero while open
	Components []string  `json:"components,omitempty"`
	URL        string    `json:"url,omitempty"` // its page in the admin UI, if any
}

// Incidents lists a status page's incidents that overlap [from, to), oldest first. The
// incident logbook implements it; without one, reports show no incidents.
type Incidents interface {
	IncidentsBetween(ctx context.Context, page string, from, to time.Time) ([]Incident, error)
}

// Options configure a Service.
type Options struct {
	Records   Records
	Rollups   Rollups
	Alerts    Alerts
	Incidents Incidents // may be nil
	Clock     clock.Clock
}

// Service makes reports as of the clock's now.
type Service struct {
	opts Options
}

// NewService returns a service.
func NewService(o Options) *Service {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	return &Service{opts: o}
}

// SLA is the calendar-month SLA report of page p.
func (s *Service) SLA(ctx context.Context, p *status.Page, month Month) (*SLA, error) {
	return BuildSLA(ctx, s.opts.Records, p, month, s.opts.Clock.Now())
}

// Now is the service's time, for callers choosing a default period.
func (s *Service) Now() time.Time { return s.opts.Clock.Now() }

// FindPage picks the page a report is about by its slug. A missing or unknown slug is
// errs.Invalid naming the pages there are: it is a wrong parameter, from a URL or a flag.
func FindPage(pages []*status.Page, slug string) (*status.Page, error) {
	slugs := make([]string, len(pages))
	for i, p := range pages {
		slugs[i] = p.Slug
	}
	switch {
	case len(pages) == 0:
		return nil, errs.E(errs.Invalid, "no status page is configured: reports are made per page (status_pages in the configuration)")
	case slug == "":
		return nil, errs.E(errs.Invalid, "page: give a status page, ?page=%s (pages: %s)", slugs[0], strings.Join(slugs, ", "))
	}
	if i := slices.Index(slugs, slug); i >= 0 {
		return pages[i], nil
	}
	return nil, errs.E(errs.Invalid, "page: no status page %q (pages: %s)", slug, strings.Join(slugs, ", "))
}
