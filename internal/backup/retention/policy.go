// Package retention decides which backup snapshots to keep and which to forget, with the
// semantics of restic's "forget" policies (--keep-last, --keep-hourly ... --keep-yearly,
// --keep-within and --keep-within-hourly ... --keep-within-yearly), so that operators who
// know restic read vigie's retention the same way.
//
// It departs from restic where restic's users get caught out:
//   - calendar buckets are computed in a chosen time zone (Policy.Location), not in whatever
//     zone each snapshot's time happens to carry;
//   - an hour repeated when the clocks go back is two hourly buckets, not one;
//   - a span of months is clamped to the end of the shorter month (see Span.Before);
//   - the newest snapshot is always kept, and every decision says why.
//
// The package is pure: no clock, no I/O. Callers pass only good, verified snapshots, so that
// the newest one kept is one that restores.
package retention

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrEmptyPolicy is returned for a policy that sets nothing: like restic, vigie refuses
	// to read "keep nothing" into an empty policy, and deletes nothing.
	ErrEmptyPolicy = errors.New("empty retention policy: refusing to decide, nothing is deleted")
	// ErrInvalidPolicy is wrapped by Validate for negative counts (other than -1) or spans.
	ErrInvalidPolicy = errors.New("invalid retention policy")
)

// Unlimited as a count keeps one snapshot for every hour, day, week, month or year that has
// one (restic's "unlimited").
const Unlimited = -1

// Policy says which snapshots to keep. A count of 0 and a zero Span mean "not used";
// a count of Unlimited (-1) means every bucket. A snapshot is kept when any rule keeps it.
type Policy struct {
	Last    int // the n newest snapshots
	Hourly  int // the newest snapshot of each of the n newest hours that have one
	Daily   int // ... days
	Weekly  int // ... ISO weeks (Monday to Sunday)
	Monthly int // ... months
	Yearly  int // ... years

	Within Span // every snapshot taken within this span before the newest snapshot

	WithinHourly  Span // the newest snapshot of every hour within this span of the newest
	WithinDaily   Span // ... day
	WithinWeekly  Span // ... ISO week
	WithinMonthly Span // ... month
	WithinYearly  Span // ... year

	// Location is the zone in which hours, days, weeks, months and years begin and end, and
	// in which spans are taken on the calendar. Nil means UTC.
	Location *time.Location
}

// Empty reports whether p sets no rule at all. The Location alone is not a rule.
func (p Policy) Empty() bool {
	p.Location = nil
	return p == Policy{}
}

// Validate returns ErrEmptyPolicy for an empty policy and an error wrapping ErrInvalidPolicy,
// naming every problem at once, for counts below -1 or spans with a negative part.
func (p Policy) Validate() error {
	if p.Empty() {
		return ErrEmptyPolicy
	}
	var problems []string
	for _, c := range p.counts() {
		if c.n < Unlimited {
			problems = append(problems, fmt.Sprintf("%s is %d; want a count ≥ 0, or -1 for unlimited", c.name, c.n))
		}
	}
	for _, w := range p.spans() {
		s := w.span
		if s.Years < 0 || s.Months < 0 || s.Days < 0 || s.Hours < 0 {
			problems = append(problems, fmt.Sprintf("%s is %s; a span cannot be negative", w.name, s))
		}
	}
	if problems != nil {
		return fmt.Errorf("%w: %s", ErrInvalidPolicy, strings.Join(problems, "; "))
	}
	return nil
}

// String describes p for logs and dry runs, e.g.
// "last 3, hourly 24, daily 7, weekly 4, monthly 12 (Europe/Paris)".
func (p Policy) String() string {
	var parts []string
	for _, c := range p.counts() {
		switch {
		case c.n == Unlimited:
			parts = append(parts, c.name+" unlimited")
		case c.n != 0:
			parts = append(parts, c.name+" "+strconv.Itoa(c.n))
		}
	}
	for _, w := range p.spans() {
		if !w.span.IsZero() {
			parts = append(parts, w.name+" "+w.span.String())
		}
	}
	if parts == nil {
		parts = []string{"empty policy"}
	}
	return strings.Join(parts, ", ") + " (" + p.location().String() + ")"
}

func (p Policy) location() *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}

type namedCount struct {
	name string
	n    int
}

func (p Policy) counts() []namedCount {
	return []namedCount{
		{"last", p.Last}, {"hourly", p.Hourly}, {"daily", p.Daily},
		{"weekly", p.Weekly}, {"monthly", p.Monthly}, {"yearly", p.Yearly},
	}
}

type namedSpan struct {
	name string
	span Span
}

func (p Policy) spans() []namedSpan {
	return []namedSpan{
		{"within", p.Within},
		{"hourly within", p.WithinHourly}, {"daily within", p.WithinDaily},
		{"weekly within", p.WithinWeekly}, {"monthly within", p.WithinMonthly},
		{"yearly within", p.WithinYearly},
	}
}
