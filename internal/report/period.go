package report

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"vigie/internal/errs"
	"vigie/internal/status/sla"
)

// Month is a calendar month, read in a page's time zone when it becomes a window.
type Month struct {
	Year  int
	Month time.Month
}

var monthText = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})$`)

// ParseMonth reads "2026-05". It is strict: the text comes from URLs and the command line,
// where "2026-5" or "May 2026" is a mistake to point out rather than guess at.
func ParseMonth(s string) (Month, error) {
	m := monthText.FindStringSubmatch(s)
	if m == nil {
		return Month{}, errs.E(errs.Invalid, "month %q: want YYYY-MM, like 2026-05", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if mo < 1 || mo > 12 {
		return Month{}, errs.E(errs.Invalid, "month %q: %02d is not a month (01 to 12)", s, mo)
	}
	if y < 1970 {
		return Month{}, errs.E(errs.Invalid, "month %q: vigie keeps nothing from before 1970", s)
	}
	return Month{y, time.Month(mo)}, nil
}

// MonthOf is the month containing t in loc.
func MonthOf(t time.Time, loc *time.Location) Month {
	y, m, _ := t.In(loc).Date()
	return Month{y, m}
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Window is the month in loc: local midnight on the 1st to local midnight on the next 1st.
func (m Month) Window(loc *time.Location) sla.Window {
	return sla.Month(time.Date(m.Year, m.Month, 1, 12, 0, 0, 0, loc), loc)
}

// Title names the month for people: "May 2026".
func (m Month) Title() string { return fmt.Sprintf("%s %d", m.Month, m.Year) }

// Week is an ISO 8601 week: Monday to Monday, numbered within its ISO year.
type Week struct {
	Year, Number int
}

var weekText = regexp.MustCompile(`^([0-9]{4})-W([0-9]{2})$`)

// ParseWeek reads "2026-W23", strictly, and checks that the year has that week (52 or 53).
func ParseWeek(s string) (Week, error) {
	m := weekText.FindStringSubmatch(s)
	if m == nil {
		return Week{}, errs.E(errs.Invalid, "week %q: want an ISO week YYYY-Www, like 2026-W23", s)
	}
	y, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	if y < 1970 {
		return Week{}, errs.E(errs.Invalid, "week %q: vigie keeps nothing from before 1970", s)
	}
	// 28 December is always in the last ISO week of its year.
	if _, last := time.Date(y, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek(); n < 1 || n > last {
		return Week{}, errs.E(errs.Invalid, "week %q: %d has weeks 01 to %02d", s, y, last)
	}
	return Week{y, n}, nil
}

// WeekOf is the ISO week containing t in loc.
func WeekOf(t time.Time, loc *time.Location) Week {
	y, n := t.In(loc).ISOWeek()
	return Week{y, n}
}

func (w Week) String() string { return fmt.Sprintf("%04d-W%02d", w.Year, w.Number) }

// Window is the week in loc: Monday 00:00 to the next Monday 00:00, local time (167, 168 or
// 169 real hours around a clock change).
func (w Week) Window(loc *time.Location) sla.Window {
	// Week 1 holds 4 January; its Monday is found from that day's weekday.
	jan4 := time.Date(w.Year, 1, 4, 0, 0, 0, 0, loc)
	offset := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	y, m, d := jan4.Date()
	first := d - offset + 7*(w.Number-1)
	return sla.Window{From: time.Date(y, m, first, 0, 0, 0, 0, loc), To: time.Date(y, m, first+7, 0, 0, 0, 0, loc)}
}

// Previous is the week before.
func (w Week) Previous(loc *time.Location) Week {
	return WeekOf(w.Window(loc).From.AddDate(0, 0, -3), loc)
}

// Title names the week for people: "week 23, 2026 (1–7 June)".
func (w Week) Title(loc *time.Location) string {
	win := w.Window(loc)
	from, last := win.From.In(loc), win.To.In(loc).AddDate(0, 0, -1)
	if from.Month() == last.Month() {
		return fmt.Sprintf("week %d, %d (%d–%d %s)", w.Number, w.Year, from.Day(), last.Day(), last.Month())
	}
	return fmt.Sprintf("week %d, %d (%d %s – %d %s)", w.Number, w.Year, from.Day(), from.Month(), last.Day(), last.Month())
}
