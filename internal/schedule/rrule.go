package schedule

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

type freq int

const (
	hourly freq = iota
	daily
	weekly
	monthly
	yearly
)

// weekdayNum is one BYDAY entry: a weekday and, for MONTHLY and YEARLY rules, its ordinal in
// the month or year (1 the first, -1 the last; 0 every one).
type weekdayNum struct {
	n  int
	wd time.Weekday
}

// rule is an RRULE as written, before DTSTART fills in what it leaves out.
type rule struct {
	freq       freq
	interval   int64
	count      int64
	until      string // as written; its meaning depends on the location
	byMonth    []int
	byMonthDay []int
	byDay      []weekdayNum
	byHour     []int
	byMinute   []int
	wkst       time.Weekday
}

// parseRuleText reads the parts of an RRULE and checks each on its own and against FREQ.
func parseRuleText(expr string) (*rule, error) {
	body := strings.ToUpper(expr)
	body = strings.TrimPrefix(body, "RRULE:")
	r := &rule{interval: 1, wkst: time.Monday}
	seen := map[string]bool{}
	var byDayText []string
	for part := range strings.SplitSeq(body, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok {
			return nil, invalid("rrule: %q is not NAME=VALUE", part)
		}
		if seen[name] {
			return nil, invalid("rrule: %s given twice", name)
		}
		seen[name] = true
		var err error
		switch name {
		case "FREQ":
			r.freq, err = parseFreq(value)
		case "INTERVAL":
			r.interval, err = parsePositive(name, value)
		case "COUNT":
			r.count, err = parsePositive(name, value)
		case "UNTIL":
			r.until = value
			_, err = parseUntil(value, time.UTC)
		case "BYMONTH":
			r.byMonth, err = parseInts(name, value, 1, 12, false)
		case "BYMONTHDAY":
			r.byMonthDay, err = parseInts(name, value, 1, 31, true)
		case "BYHOUR":
			r.byHour, err = parseInts(name, value, 0, 23, false)
		case "BYMINUTE":
			r.byMinute, err = parseInts(name, value, 0, 59, false)
		case "BYDAY":
			byDayText = strings.Split(value, ",")
			r.byDay, err = parseByDay(byDayText)
		case "WKST":
			wd, ok := weekday(value)
			if !ok {
				err = invalid("rrule: WKST %q is not a weekday (MO, TU, WE, TH, FR, SA or SU)", value)
			}
			r.wkst = wd
		case "BYSECOND", "BYYEARDAY", "BYWEEKNO", "BYSETPOS":
			err = invalid("rrule: %s is not supported", name)
		case "DTSTART":
			err = invalid("rrule: DTSTART is not part of the rule; it is the start time given separately")
		default:
			err = invalid("rrule: unknown part %q", name)
		}
		if err != nil {
			return nil, err
		}
	}
	if !seen["FREQ"] {
		return nil, invalid("rrule: FREQ is required")
	}
	if seen["COUNT"] && seen["UNTIL"] {
		return nil, invalid("rrule: COUNT and UNTIL cannot both be given")
	}
	if r.freq == weekly && len(r.byMonthDay) > 0 {
		return nil, invalid("rrule: BYMONTHDAY cannot be used with FREQ=WEEKLY")
	}
	for i, d := range r.byDay {
		if d.n == 0 && !strings.ContainsAny(byDayText[i], "0123456789") {
			continue
		}
		switch r.freq {
		case monthly:
			if d.n < -5 || d.n == 0 || d.n > 5 {
				return nil, invalid("rrule: BYDAY %q: ordinal %d out of range -5..-1, 1..5", byDayText[i], d.n)
			}
		case yearly:
			if d.n < -53 || d.n == 0 || d.n > 53 {
				return nil, invalid("rrule: BYDAY %q: ordinal %d out of range -53..-1, 1..53", byDayText[i], d.n)
			}
		default:
			return nil, invalid("rrule: BYDAY %q: an ordinal needs FREQ=MONTHLY or FREQ=YEARLY", byDayText[i])
		}
	}
	return r, nil
}

func parseFreq(value string) (freq, error) {
	switch value {
	case "HOURLY":
		return hourly, nil
	case "DAILY":
		return daily, nil
	case "WEEKLY":
		return weekly, nil
	case "MONTHLY":
		return monthly, nil
	case "YEARLY":
		return yearly, nil
	case "SECONDLY", "MINUTELY":
		return 0, invalid("rrule: FREQ %q is not supported (want HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY)", value)
	default:
		return 0, invalid("rrule: unknown FREQ %q", value)
	}
}

func parsePositive(name, value string) (int64, error) {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n < 1 {
		return 0, invalid("rrule: %s %q is not a positive integer", name, value)
	}
	return n, nil
}

// parseInts reads a comma-separated list of integers in lo..hi (or, when negative is set, also
// in -hi..-lo, counted from the end), sorted and without repeats.
func parseInts(name, value string, lo, hi int, negative bool) ([]int, error) {
	var out []int
	for item := range strings.SplitSeq(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(item))
		if err != nil {
			return nil, invalid("rrule: %s %q is not a number", name, item)
		}
		if n < lo && !(negative && n <= -lo && n >= -hi) || n > hi {
			if negative {
				return nil, invalid("rrule: %s %d out of range %d..%d, %d..%d", name, n, -hi, -lo, lo, hi)
			}
			return nil, invalid("rrule: %s %d out of range %d..%d", name, n, lo, hi)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func parseByDay(items []string) ([]weekdayNum, error) {
	out := make([]weekdayNum, 0, len(items))
	for _, item := range items {
		item = strings.TrimSpace(item)
		bad := invalid("rrule: BYDAY %q is not a weekday like SU, 1SU or -1FR", item)
		if len(item) < 2 {
			return nil, bad
		}
		wd, ok := weekday(item[len(item)-2:])
		if !ok {
			return nil, bad
		}
		n := 0
		if ordinal := item[:len(item)-2]; ordinal != "" {
			v, err := strconv.Atoi(ordinal)
			if err != nil {
				return nil, bad
			}
			n = v
		}
		out = append(out, weekdayNum{n: n, wd: wd})
	}
	return out, nil
}

// weekday reads a two-letter RFC 5545 weekday.
func weekday(code string) (time.Weekday, bool) {
	const codes = "SUMOTUWETHFRSA"
	i := strings.Index(codes, code)
	if len(code) != 2 || i < 0 || i%2 != 0 {
		return 0, false
	}
	return time.Weekday(i / 2), true
}

// parseUntil reads UNTIL as a UTC date-time (20261231T235959Z), a local date-time
// (20261231T235959) or a date (20261231, the whole day), and returns the last Unix second it
// allows.
func parseUntil(value string, loc *time.Location) (int64, error) {
	if t, err := time.Parse("20060102T150405Z", value); err == nil {
		return t.Unix(), nil
	}
	if t, err := time.ParseInLocation("20060102T150405", value, loc); err == nil {
		return t.Unix(), nil
	}
	if t, err := time.Parse("20060102", value); err == nil {
		y, m, d := t.Date()
		return time.Date(y, m, d+1, 0, 0, 0, 0, loc).Unix() - 1, nil
	}
	return 0, invalid("rrule: UNTIL %q is not a date (20261231) or a date-time (20261231T235959Z)", value)
}

// rrule is a rule bound to its DTSTART and location, with DTSTART's fields filled in where the
// rule leaves them out (RFC 5545 section 3.3.10).
type rrule struct {
	rule
	loc       *time.Location
	start     int64 // DTSTART, Unix seconds
	startDay  time.Time
	startSec  int
	startHour int64 // DTSTART's wall hour, counted in hours from 1 January 1970
	untilU    int64 // last Unix second allowed, when until is set
	hours     []int // the hours of a DAILY or coarser rule
	minutes   []int
	scopeYear bool // a YEARLY ordinal BYDAY counts in the year, not the month
}

func parseRRule(expr string, loc *time.Location, start time.Time) (Schedule, error) {
	r, err := parseRuleText(expr)
	if err != nil {
		return nil, err
	}
	if start.IsZero() {
		return nil, invalid("rrule: a start time (DTSTART) is required")
	}
	rr := &rrule{rule: *r, loc: loc}
	st := start.In(loc)
	rr.start = st.Unix()
	rr.startDay = civilDay(st, loc)
	h, m, s := st.Clock()
	rr.startSec = s
	rr.startHour = rr.startDay.Unix()/secondsPerDay*24 + int64(h)
	_, month, day := st.Date()
	if r.until != "" {
		rr.untilU, _ = parseUntil(r.until, loc)
		if rr.untilU < rr.start {
			return nil, invalid("rrule: UNTIL %s is before the start %s", r.until, st.Format(time.RFC3339))
		}
	}

	rr.hours = r.byHour
	if len(rr.hours) == 0 && r.freq != hourly {
		rr.hours = []int{h}
	}
	rr.minutes = r.byMinute
	if len(rr.minutes) == 0 {
		rr.minutes = []int{m}
	}
	switch r.freq {
	case weekly:
		if len(r.byDay) == 0 {
			rr.byDay = []weekdayNum{{wd: st.Weekday()}}
		}
	case monthly:
		if len(r.byDay) == 0 && len(r.byMonthDay) == 0 {
			rr.byMonthDay = []int{day}
		}
	case yearly:
		rr.scopeYear = len(r.byMonth) == 0
		if len(r.byDay) == 0 && len(r.byMonthDay) == 0 {
			if len(r.byMonth) == 0 {
				rr.byMonth = []int{int(month)}
			}
			rr.byMonthDay = []int{day}
		}
	}
	if rr.Next(time.Unix(rr.start-1, 0)).IsZero() {
		return nil, invalid("rrule: %q never occurs from the start %s", expr, st.Format(time.RFC3339))
	}
	return rr, nil
}

func (r *rrule) Next(after time.Time) time.Time {
	floor := after.Unix()
	if r.until != "" && floor >= r.untilU {
		return time.Time{}
	}
	first := r.startDay
	if r.count == 0 {
		// Without COUNT nothing before after matters, so skip ahead; a day's instants stay
		// within a day of its wall clock.
		if d := civilDay(after, r.loc).AddDate(0, 0, -1); d.After(first) {
			first = d
		}
	}
	var next, n int64
	found := false
	walk(r.loc, r.freq != hourly, first, r.walls, func(u int64) bool {
		if u < r.start {
			return true
		}
		if r.until != "" && u > r.untilU {
			return false
		}
		n++
		if r.count > 0 && n > r.count {
			return false
		}
		if u > floor {
			next, found = u, true
			return false
		}
		return true
	})
	if !found {
		return time.Time{}
	}
	return time.Unix(next, 0).In(r.loc)
}

// walls returns the wall times of day that the rule selects.
func (r *rrule) walls(day time.Time) []int64 {
	dayNum := day.Unix() / secondsPerDay
	startNum := r.startDay.Unix() / secondsPerDay
	if dayNum < startNum {
		return nil
	}
	y, m, _ := day.Date()
	y0, m0, _ := r.startDay.Date()
	var period int64
	switch r.freq {
	case daily:
		period = dayNum - startNum
	case weekly:
		period = r.week(dayNum) - r.week(startNum)
	case monthly:
		period = int64((y-y0)*12 + int(m) - int(m0))
	case yearly:
		period = int64(y - y0)
	}
	if period%r.interval != 0 || !r.dayMatches(day) {
		return nil
	}
	base := day.Unix() + int64(r.startSec)
	var out []int64
	if r.freq == hourly {
		for h := range 24 {
			if floorMod(dayNum*24+int64(h)-r.startHour, r.interval) != 0 {
				continue
			}
			if len(r.byHour) > 0 && !slices.Contains(r.byHour, h) {
				continue
			}
			for _, mi := range r.minutes {
				out = append(out, base+int64(h*3600+mi*60))
			}
		}
		return out
	}
	for _, h := range r.hours {
		for _, mi := range r.minutes {
			out = append(out, base+int64(h*3600+mi*60))
		}
	}
	return out
}

// week numbers weeks starting on WKST, so that INTERVAL counts them as the rule says.
func (r *rrule) week(dayNum int64) int64 {
	// Day 0, 1 January 1970, was a Thursday.
	return floorDiv(dayNum+int64(time.Thursday)-int64(r.wkst), 7)
}

func (r *rrule) dayMatches(day time.Time) bool {
	y, m, d := day.Date()
	if len(r.byMonth) > 0 && !slices.Contains(r.byMonth, int(m)) {
		return false
	}
	inMonth := daysIn(y, m)
	if len(r.byMonthDay) > 0 && !slices.ContainsFunc(r.byMonthDay, func(v int) bool {
		return v == d || v < 0 && inMonth+1+v == d
	}) {
		return false
	}
	if len(r.byDay) == 0 {
		return true
	}
	pos, length := d, inMonth
	if r.scopeYear {
		pos, length = day.YearDay(), 337+daysIn(y, time.February) // 365 or 366
	}
	nth, fromEnd := (pos-1)/7+1, -((length-pos)/7 + 1)
	wd := day.Weekday()
	return slices.ContainsFunc(r.byDay, func(x weekdayNum) bool {
		return x.wd == wd && (x.n == 0 || x.n == nth || x.n == fromEnd)
	})
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
