package report

import (
	"context"
	"time"

	"vigie/internal/alert"
	"vigie/internal/clock"
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
	Title      string
	Severity   string // SEV1..SEV4
	Status     string // investigating, identified, monitoring, resolved
	StartedAt  time.Time
	ResolvedAt time.Time // zero while open
	Components []string
	URL        string // its page in the admin UI, if any
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
