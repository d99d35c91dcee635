package retention

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"
)

var (
	// ErrDuplicateID is wrapped by Apply when two snapshots share an ID.
	ErrDuplicateID = errors.New("duplicate snapshot ID")
	// ErrEmptyID is wrapped by Apply when a snapshot has no ID.
	ErrEmptyID = errors.New("snapshot without ID")
)

// Snapshot is what retention needs to know of a backup snapshot.
type Snapshot struct {
	ID   string
	Time time.Time
}

// Decision is the verdict on one snapshot. Reasons say why a kept snapshot is kept, e.g.
// "newest snapshot", "last snapshot", "daily snapshot (2026-11-23)", "weekly snapshot
// (2026-W47)", "within 7d of newest", "oldest monthly snapshot (2025-10)"; they are empty
// for a snapshot to remove.
type Decision struct {
	Snapshot Snapshot
	Keep     bool
	Reasons  []string
}

// bucket is a calendar period. Each one is a contiguous stretch of time, so walking the
// snapshots newest first meets each bucket in one run.
type bucket int

const (
	hour bucket = iota
	day
	week
	month
	year
)

func (b bucket) String() string {
	return [...]string{"hourly", "daily", "weekly", "monthly", "yearly"}[b]
}

// label names the bucket holding t, which is already in the policy's location. Labels are
// the buckets' identities: an hour carries its UTC offset, so the hour repeated when the
// clocks go back is two buckets ("02:00 +02:00", then "02:00 +01:00").
func (b bucket) label(t time.Time) string {
	switch b {
	case hour:
		return fmt.Sprintf("%s %02d:00 %s", t.Format(time.DateOnly), t.Hour(), t.Format("-07:00"))
	case day:
		return t.Format(time.DateOnly)
	case week:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case month:
		return t.Format("2006-01")
	default:
		return t.Format("2006")
	}
}

// rule is one bucketed rule of a policy as it walks the snapshots: either a count (left
// buckets still to keep, -1 for all) or a span (kept buckets must start after cutoff).
type rule struct {
	bucket bucket
	reason string // "daily snapshot" or "daily within 7d"
	left   int
	within bool
	cutoff time.Time
	last   string // label of the last kept bucket
}

// Apply decides, for every snapshot, whether p keeps it; decisions come newest first (equal
// times in ID order). It returns ErrEmptyPolicy for an empty policy, the Validate error for an
// invalid one, and an error wrapping ErrDuplicateID or ErrEmptyID for bad input; on error
// there are no decisions, so nothing is deleted.
//
// The semantics are restic's: walking newest to oldest, each count rule (hourly, daily, ...)
// keeps a snapshot when its bucket differs from the bucket it kept last, while it has count
// left; "last n" keeps the n newest. Span rules keep likewise, without a count, the snapshots
// after the span before the newest one; "within" keeps all of those. As in restic since
// 0.17, a rule that still has count left when it reaches the oldest snapshot keeps it too
// ("oldest daily snapshot"), so a short history is not trimmed to nothing. The newest
// snapshot is always kept.
func Apply(snaps []Snapshot, p Policy) ([]Decision, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(snaps))
	for i, s := range snaps {
		if s.ID == "" {
			return nil, fmt.Errorf("%w: snapshot %d (taken %s)", ErrEmptyID, i, s.Time.Format(time.RFC3339))
		}
		if seen[s.ID] {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateID, s.ID)
		}
		seen[s.ID] = true
	}
	sorted := slices.Clone(snaps)
	slices.SortFunc(sorted, func(a, b Snapshot) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	decisions := make([]Decision, len(sorted))
	if len(sorted) == 0 {
		return decisions, nil
	}

	loc := p.location()
	newest := sorted[0].Time.In(loc)
	oldest := len(sorted) - 1
	var cutoff time.Time
	if !p.Within.IsZero() {
		cutoff = p.Within.Before(newest)
	}
	var rules []*rule
	for b, n := range []int{p.Hourly, p.Daily, p.Weekly, p.Monthly, p.Yearly} {
		if n != 0 {
			rules = append(rules, &rule{bucket: bucket(b), reason: bucket(b).String() + " snapshot", left: n})
		}
	}
	for b, s := range []Span{p.WithinHourly, p.WithinDaily, p.WithinWeekly, p.WithinMonthly, p.WithinYearly} {
		if !s.IsZero() {
			rules = append(rules, &rule{
				bucket: bucket(b), reason: bucket(b).String() + " within " + s.String(),
				left: Unlimited, within: true, cutoff: s.Before(newest),
			})
		}
	}

	for i, s := range sorted {
		t := s.Time.In(loc)
		var reasons []string
		if i == 0 {
			reasons = append(reasons, "newest snapshot")
		}
		if p.Last == Unlimited || i < p.Last {
			reasons = append(reasons, "last snapshot")
		}
		if !p.Within.IsZero() && t.After(cutoff) {
			reasons = append(reasons, "within "+p.Within.String()+" of newest")
		}
		for _, r := range rules {
			if r.left == 0 || r.within && !t.After(r.cutoff) {
				continue
			}
			label := r.bucket.label(t)
			var prefix string
			switch {
			case label != r.last:
			case i == oldest:
				prefix = "oldest "
			default:
				continue
			}
			reasons = append(reasons, prefix+r.reason+" ("+label+")")
			r.last = label
			if r.left > 0 {
				r.left--
			}
		}
		decisions[i] = Decision{Snapshot: s, Keep: reasons != nil, Reasons: reasons}
	}
	return decisions, nil
}

// Split applies p and partitions snaps into the snapshots to keep and those to remove, both
// newest first.
func Split(snaps []Snapshot, p Policy) (keep, remove []Snapshot, err error) {
	decisions, err := Apply(snaps, p)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range decisions {
		if d.Keep {
			keep = append(keep, d.Snapshot)
		} else {
			remove = append(remove, d.Snapshot)
		}
	}
	return keep, remove, nil
}
