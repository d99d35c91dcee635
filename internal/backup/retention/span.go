package retention

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrInvalidSpan is wrapped by every ParseSpan error.
var ErrInvalidSpan = errors.New("invalid span")

// maxSpanDays bounds a span to about a thousand years: longer ones are typing mistakes, and the
// bound keeps the arithmetic in Before far from overflow whatever a configuration says.
const maxSpanDays = 1000 * 366

// Span is a calendar length: years, months, days and hours, as in restic's "1y5m7d2h". It is
// not a time.Duration because months and years have no fixed length, and a day is 23 or 25
// hours when the clocks change; Before applies it on the calendar.
type Span struct {
	Years, Months, Days, Hours int
}

// ParseSpan reads a span such as "7d", "2w", "36h" or "1y2m3d": numbers followed by a unit,
// y (years), m (months, not minutes), w (weeks of 7 days), d (days) or h (hours), each unit
// at most once, in any order. Weeks are stored as days. Signs, spaces and other units are
// refused, and so are spans longer than about a thousand years.
func ParseSpan(s string) (Span, error) {
	fail := func(format string, args ...any) (Span, error) {
		return Span{}, fmt.Errorf("%w %q: %s", ErrInvalidSpan, s, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return fail("empty; want a number and a unit, like 7d, 2w, 36h or 1y2m")
	}
	var sp Span
	seen := map[byte]bool{}
	for rest := s; rest != ""; {
		digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
		if digits == 0 {
			if rest[0] == '-' || rest[0] == '+' {
				return fail("sign not allowed; a span is a length back from the newest snapshot")
			}
			return fail("want a number at %q", rest)
		}
		if digits > 7 {
			return fail("number %s too large", rest[:digits])
		}
		n, _ := strconv.Atoi(rest[:digits]) // at most 7 ASCII digits: always fits
		if digits == len(rest) {
			return fail("no unit after %d; want y, m, w, d or h", n)
		}
		unit := rest[digits]
		if seen[unit] {
			return fail("unit %q given twice", unit)
		}
		seen[unit] = true
		switch unit {
		case 'y':
			sp.Years = n
		case 'm':
			sp.Months = n
		case 'w':
			sp.Days += 7 * n
		case 'd':
			sp.Days += n
		case 'h':
			sp.Hours = n
		default:
			r, _ := utf8.DecodeRuneInString(rest[digits:])
			return fail("unknown unit %q after %d; want y, m, w, d or h", string(r), n)
		}
		rest = rest[digits+1:]
	}
	if sp.approxDays() > maxSpanDays {
		return fail("longer than 1000 years")
	}
	return sp, nil
}

func (s Span) approxDays() int {
	return s.Years*366 + s.Months*31 + s.Days + s.Hours/24
}

// IsZero reports whether s is the zero span, which a Policy reads as "not used".
func (s Span) IsZero() bool { return s == Span{} }

// String formats s the way ParseSpan reads it, e.g. "1y2m3d4h" ("0d" for the zero span).
// Weeks come back as days: ParseSpan("2w").String() is "14d".
func (s Span) String() string {
	var b strings.Builder
	for _, part := range []struct {
		n    int
		unit string
	}{{s.Years, "y"}, {s.Months, "m"}, {s.Days, "d"}, {s.Hours, "h"}} {
		if part.n != 0 {
			b.WriteString(strconv.Itoa(part.n) + part.unit)
		}
	}
	if b.Len() == 0 {
		return "0d"
	}
	return b.String()
}

// Before returns t minus s, on the calendar of t's location: years and months first, then
// days with time.AddDate (so "1d" before a 25-hour day is 25 hours), then hours as elapsed
// time.
//
// Unlike time.AddDate and restic, the day of the month is clamped when years and months are
// taken away: 1m before 31 March is the end of February, not 3 March, and 1y before 29
// February 2028 is 28 February 2027. A window of one month thus never ends up shorter than
// the shorter of the two months, which would silently drop snapshots.
func (s Span) Before(t time.Time) time.Time {
	// Each calendar step rebuilds the time from its wall clock, which is ambiguous in the hour
	// repeated when the clocks go back: skip the steps that are not needed, so "36h" is exact.
	d := t
	if s.Years != 0 || s.Months != 0 {
		year, month, day := t.Date()
		hour, minute, sec := t.Clock()
		months := int(month) - 1 - s.Years*12 - s.Months
		year += floorDiv(months, 12)
		month = time.Month(months-floorDiv(months, 12)*12) + 1
		day = min(day, daysIn(year, month))
		d = time.Date(year, month, day, hour, minute, sec, t.Nanosecond(), t.Location())
	}
	if s.Days != 0 {
		d = d.AddDate(0, 0, -s.Days)
	}
	// Through Unix seconds rather than time.Duration, which overflows past 292 years.
	return time.Unix(d.Unix()-int64(s.Hours)*3600, int64(d.Nanosecond())).In(t.Location())
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
