// Package monitor turns probes into monitors: it schedules each check on its interval, judges
// results with the monitor's conditions, applies failure and success thresholds and
// dependencies to decide the monitor's state, records results, state changes and hourly
// rollups, and reports state changes to whoever listens (the alert engine).
package monitor

import (
	"context"
	"time"
)

// Status is the verdict on one check run.
type Status int

const (
	StatusUp       Status = 1
	StatusDegraded Status = 2
	StatusDown     Status = 3
)

func (s Status) String() string {
	switch s {
	case StatusUp:
		return "up"
	case StatusDegraded:
		return "degraded"
	case StatusDown:
		return "down"
	}
	return "unknown"
}

// State is a monitor's state after thresholds and dependencies.
type State string

const (
	// StateUnknown: no verdict yet, or the monitor's parent is down so its own checks say
	// nothing reliable.
	StateUnknown  State = "unknown"
	StateUp       State = "up"
	StateDegraded State = "degraded"
	StateDown     State = "down"
)

// Result is one stored check run.
type Result struct {
	Monitor  string
	At       time.Time // when the run started
	Duration time.Duration
	Status   Status
	Message  string // why it was not up; empty when up
}

// Event is a change of a monitor's state.
type Event struct {
	Monitor  string
	At       time.Time
	State    State
	Previous State
	Reason   string
}

// Rollup summarises one monitor's results over one hour.
type Rollup struct {
	Monitor                   string
	Hour                      time.Time
	Count, Up, Degraded, Down int
	Min, Avg, P95, Max        time.Duration
	P50                       time.Duration // 0 for hours rolled up before vigie kept medians
}

// RunCount is how many check runs there were, and how many were up or degraded.
type RunCount struct{ Total, Good int }

// Store is what monitors need from storage.
type Store interface {
	InsertResults(ctx context.Context, rs []Result) error
	Results(ctx context.Context, monitor string, from, to time.Time) ([]Result, error)
	InsertEvent(ctx context.Context, e Event) error
	Events(ctx context.Context, monitor string, from, to time.Time) ([]Event, error)
	// LatestEvents gives each monitor's most recent state change.
	LatestEvents(ctx context.Context) ([]Event, error)
	// RollupHours (re)computes the rollups of every hour in [from, to) from the raw results.
	RollupHours(ctx context.Context, from, to time.Time) (int, error)
	Rollups(ctx context.Context, monitor string, from, to time.Time) ([]Rollup, error)
	// RunCounts totals every monitor's runs in [from, to): hourly rollups for hours before
	// split, raw results from split on.
	RunCounts(ctx context.Context, from, split, to time.Time) (map[string]RunCount, error)
	DeleteResultsBefore(ctx context.Context, t time.Time) (int64, error)
	DeleteRollupsBefore(ctx context.Context, t time.Time) (int64, error)
}
