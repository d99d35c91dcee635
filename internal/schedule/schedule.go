// Package schedule computes when recurring work starts: backup jobs (cron expressions and
// descriptors such as @daily, with per-job jitter), recurring maintenance windows (RFC 5545
// RRULEs or cron) and weekly reports.
//
// A Schedule is a pure function of time: Next(after) depends on nothing but its argument, so a
// scheduler that runs late, or restarts, asks again and gets the same answer.
//
// # Time zones and daylight saving time
//
// Wall-clock times are read in the location given to Parse (UTC when nil): "30 2 * * *" starts
// at 02:30 on the wall clock of that zone. On the days the clock changes, the package does what
// Vixie cron (Debian's cron) does, for cron expressions and RRULEs alike:
//
//   - A fixed-time schedule, one that names its hour and minute (a cron expression whose minute
//     and hour fields do not start with '*', the descriptors @daily, @weekly, @monthly and
//     @yearly, and any RRULE with FREQ=DAILY or coarser), starts once per wall time. When the
//     clock springs forward over it (02:30 on 29 March 2026 in Europe/Paris), it starts at the
//     first instant after the gap, 03:00 CEST; several skipped times then start once. When the
//     clock falls back and repeats it (02:30 on 25 October 2026), it starts only at the first
//     occurrence, 02:30 CEST.
//   - Any other schedule (minute or hour written with '*', @hourly, FREQ=HOURLY) follows the
//     clock: a skipped wall time does not start and a repeated one starts twice, so "every
//     hour" keeps starting every real hour through both changes.
//
// For RRULEs this differs from RFC 5545 section 3.3.5, which would move a skipped 02:30 to
// 03:30; starting at 03:00 keeps cron and RRULE schedules consistent.
//
// "@every d" starts at start + k·d for every integer k (the Unix epoch stands in for a zero
// start), so it keeps its phase whatever time Next is asked about, instead of drifting by the
// lateness of each run as robfig/cron's own scheduler does.
//
// A search looks at most 400 years ahead (the period of the Gregorian calendar): a schedule
// with no start in that span is treated as ended.
package schedule

import (
	"hash/fnv"
	"strings"
	"time"

	"vigie/internal/errs"
)

// Schedule yields the next start strictly after a given time.
type Schedule interface {
	// Next returns the first start strictly after after, in the schedule's location, or the
	// zero time when there is none (an RRULE whose COUNT or UNTIL is exhausted).
	Next(after time.Time) time.Time
}

// Parse reads a schedule: a 5-field cron expression or descriptor (@yearly, @annually,
// @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>), parsed with
// robfig/cron/v3, or an RFC 5545 RRULE, with or without its "RRULE:" prefix. Times are wall
// clock in loc (nil means UTC). start is an RRULE's DTSTART, in whole seconds like RFC 5545's,
// and the phase of @every; cron expressions ignore it.
//
// Errors carry the code errs.Invalid and say what is wrong.
func Parse(expr string, loc *time.Location, start time.Time) (Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	expr = strings.TrimSpace(expr)
	switch {
	case expr == "":
		return nil, invalid("schedule: empty expression")
	case isRRule(expr):
		return parseRRule(expr, loc, start)
	default:
		return parseCron(expr, loc, start)
	}
}

func isRRule(expr string) bool {
	up := strings.ToUpper(expr)
	if strings.HasPrefix(up, "TZ=") || strings.HasPrefix(up, "CRON_TZ=") {
		return false
	}
	return strings.HasPrefix(up, "RRULE:") || strings.Contains(up, "=")
}

func invalid(format string, args ...any) error {
	return errs.E(errs.Invalid, format, args...)
}

// Between lists the starts in (after, before], at most limit of them.
func Between(s Schedule, after, before time.Time, limit int) []time.Time {
	var out []time.Time
	for t := after; len(out) < limit; {
		next := s.Next(t)
		if next.IsZero() || next.After(before) || !next.After(t) {
			break
		}
		out = append(out, next)
		t = next
	}
	return out
}

// Jitter returns a deterministic offset in [0, max) derived from key (a job name, say) with
// FNV-1a: a job starts at the same offset every time, and jobs sharing a cron expression
// spread out instead of all starting at once. The offset is whole seconds when max is at
// least a second, so start times stay readable. It is zero when max is not positive.
func Jitter(key string, max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	offset := time.Duration(h.Sum64() % uint64(max))
	if max >= time.Second {
		offset = offset.Truncate(time.Second)
	}
	return offset
}

// WithJitter returns s with every start delayed by offset, typically Jitter(name, max).
func WithJitter(s Schedule, offset time.Duration) Schedule {
	if offset == 0 {
		return s
	}
	return jittered{s: s, offset: offset}
}

type jittered struct {
	s      Schedule
	offset time.Duration
}

func (j jittered) Next(after time.Time) time.Time {
	next := j.s.Next(after.Add(-j.offset))
	if next.IsZero() {
		return next
	}
	return next.Add(j.offset)
}
