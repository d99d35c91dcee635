package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Describe returns a short human text for a schedule expression where that is easy ("every day
// at 02:00 Europe/Paris"), and otherwise the expression itself, invalid ones included.
func Describe(expr string, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	expr = strings.TrimSpace(expr)
	var text string
	if isRRule(expr) {
		text = describeRRule(expr, loc)
	} else if _, err := Parse(expr, loc, time.Time{}); err == nil {
		text = describeCron(expr, loc)
	}
	if text == "" {
		return expr
	}
	return text
}

func describeCron(expr string, loc *time.Location) string {
	words := strings.Fields(strings.ToLower(expr))
	midnight := "at 00:00 " + loc.String()
	switch words[0] {
	case "@hourly":
		return "every hour"
	case "@daily", "@midnight":
		return "every day " + midnight
	case "@weekly":
		return "every Sunday " + midnight
	case "@monthly":
		return "every month on day 1 " + midnight
	case "@yearly", "@annually":
		return "every year on 1 January " + midnight
	case "@every":
		return "every " + words[1]
	}
	minute, dom, month, dow := words[0], words[2], words[3], words[4]
	m, ok := plainNumber(minute)
	if !ok || month != "*" {
		return ""
	}
	if words[1] == "*" && dom == "*" && dow == "*" {
		return fmt.Sprintf("every hour at :%02d", m)
	}
	h, ok := plainNumber(words[1])
	if !ok {
		return ""
	}
	at := fmt.Sprintf("at %02d:%02d %s", h, m, loc)
	switch {
	case dom == "*" && dow == "*":
		return "every day " + at
	case dom == "*" && (dow == "1-5" || dow == "mon-fri"):
		return "every weekday " + at
	case dom == "*":
		if wd, ok := cronWeekday(dow); ok {
			return "every " + wd.String() + " " + at
		}
	case dow == "*":
		if d, ok := plainNumber(dom); ok {
			return fmt.Sprintf("every month on day %d %s", d, at)
		}
	}
	return ""
}

// plainNumber reads a field made of digits only, such as "30" but not "*/30" or "1-5".
func plainNumber(s string) (int, bool) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func cronWeekday(s string) (time.Weekday, bool) {
	if n, ok := plainNumber(s); ok && n >= 0 && n <= 6 {
		return time.Weekday(n), true
	}
	const names = "sunmontuewedthufrisat"
	if i := strings.Index(names, s); len(s) == 3 && i >= 0 && i%3 == 0 {
		return time.Weekday(i / 3), true
	}
	return 0, false
}

func describeRRule(expr string, loc *time.Location) string {
	r, err := parseRuleText(expr)
	if err != nil || r.count > 0 || r.until != "" || len(r.byMonth) > 0 {
		return ""
	}
	if r.freq == hourly {
		if len(r.byMinute) != 1 || len(r.byHour) > 0 || len(r.byDay) > 0 || len(r.byMonthDay) > 0 {
			return ""
		}
		return fmt.Sprintf("%s at :%02d", every(r.interval, "hour"), r.byMinute[0])
	}
	if len(r.byHour) != 1 || len(r.byMinute) != 1 {
		return ""
	}
	at := fmt.Sprintf("at %02d:%02d %s", r.byHour[0], r.byMinute[0], loc)
	switch r.freq {
	case daily:
		if len(r.byDay) == 0 && len(r.byMonthDay) == 0 {
			return every(r.interval, "day") + " " + at
		}
	case weekly:
		if len(r.byDay) == 0 {
			return ""
		}
		days := make([]string, len(r.byDay))
		for i, d := range r.byDay {
			days[i] = d.wd.String()
		}
		list := strings.Join(days, ", ")
		if len(days) > 1 {
			list = strings.Join(days[:len(days)-1], ", ") + " and " + days[len(days)-1]
		}
		if r.interval == 1 {
			return "every " + list + " " + at
		}
		return every(r.interval, "week") + " on " + list + " " + at
	case monthly:
		switch {
		case len(r.byDay) == 1 && len(r.byMonthDay) == 0:
			if nth := ordinalWord(r.byDay[0].n); nth != "" {
				return every(r.interval, "month") + " on the " + nth + " " + r.byDay[0].wd.String() + " " + at
			}
		case len(r.byMonthDay) == 1 && len(r.byDay) == 0 && r.byMonthDay[0] == -1:
			return every(r.interval, "month") + " on the last day " + at
		case len(r.byMonthDay) == 1 && len(r.byDay) == 0 && r.byMonthDay[0] > 0:
			return fmt.Sprintf("%s on day %d %s", every(r.interval, "month"), r.byMonthDay[0], at)
		}
	}
	return ""
}

func every(interval int64, unit string) string {
	if interval == 1 {
		return "every " + unit
	}
	return fmt.Sprintf("every %d %ss", interval, unit)
}

func ordinalWord(n int) string {
	switch n {
	case 1:
		return "first"
	case 2:
		return "second"
	case 3:
		return "third"
	case 4:
		return "fourth"
	case 5:
		return "fifth"
	case -1:
		return "last"
	case -2:
		return "second to last"
	}
	return ""
}
