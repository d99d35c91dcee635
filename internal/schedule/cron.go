package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronStar is the bit robfig/cron/v3 sets in a field written as "*" or "?". It decides how the
// two day fields combine: when both are restricted a day matches either, as in classic cron.
const cronStar = 1 << 63

// cronField names the i-th field and gives its bounds.
func cronField(i int) (name string, min, max int) {
	switch i {
	case 0:
		return "minute", 0, 59
	case 1:
		return "hour", 0, 23
	case 2:
		return "day-of-month", 1, 31
	case 3:
		return "month", 1, 12
	default:
		return "day-of-week", 0, 6
	}
}

const descriptorHelp = "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>"

func parseCron(expr string, loc *time.Location, start time.Time) (Schedule, error) {
	up := strings.ToUpper(expr)
	if strings.HasPrefix(up, "TZ=") || strings.HasPrefix(up, "CRON_TZ=") {
		return nil, invalid("cron: a TZ= prefix is not allowed; the time zone is set separately")
	}
	if strings.HasPrefix(expr, "@") {
		return parseDescriptor(expr, loc, start)
	}
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return nil, invalid("cron: expected 5 fields, got %d", len(fields))
	}
	p := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)
	parsed, err := p.Parse(strings.Join(fields, " "))
	if err != nil {
		return nil, cronFieldError(p, fields, err)
	}
	c := &cronSchedule{
		spec:  parsed.(*cron.SpecSchedule),
		loc:   loc,
		fixed: !isWildcard(fields[0]) && !isWildcard(fields[1]),
	}
	if c.Next(time.Unix(0, 0)).IsZero() {
		return nil, invalid("cron: %q never starts: no month has that day", strings.Join(fields, " "))
	}
	return c, nil
}

// isWildcard tells a field that follows the clock ("*", "*/15") from one naming times; this is
// Vixie cron's test for which jobs daylight saving time changes affect.
func isWildcard(field string) bool {
	return strings.HasPrefix(field, "*") || strings.HasPrefix(field, "?")
}

// cronFieldError finds the field robfig/cron rejected and says what is wrong with it in the
// field's own terms.
func cronFieldError(p cron.Parser, fields []string, whole error) error {
	for i, field := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = field
		_, err := p.Parse(strings.Join(probe, " "))
		if err == nil {
			continue
		}
		name, lo, hi := cronField(i)
		msg := err.Error()
		var value, bound int
		if _, e := fmt.Sscanf(msg, "end of range (%d) above maximum (%d)", &value, &bound); e == nil {
			return invalid("cron: %s %d out of range %d..%d", name, value, lo, hi)
		}
		if _, e := fmt.Sscanf(msg, "beginning of range (%d) below minimum (%d)", &value, &bound); e == nil {
			return invalid("cron: %s %d out of range %d..%d", name, value, lo, hi)
		}
		if rest, ok := strings.CutPrefix(msg, "failed to parse int from "); ok {
			token, _, _ := strings.Cut(rest, ": ")
			return invalid("cron: %s field %q: %q is not a number or a name", name, field, token)
		}
		for part := range strings.SplitSeq(field, ",") {
			if trimmed, ok := strings.CutSuffix(msg, ": "+part); ok {
				msg = trimmed
				break
			}
		}
		return invalid("cron: %s field %q: %s", name, field, msg)
	}
	return invalid("cron: %v", whole)
}

func parseDescriptor(expr string, loc *time.Location, start time.Time) (Schedule, error) {
	words := strings.Fields(strings.ToLower(expr))
	if words[0] == "@every" {
		if len(words) != 2 {
			return nil, invalid("cron: @every needs one duration, like \"@every 90m\"")
		}
		d, err := time.ParseDuration(words[1])
		if err != nil {
			return nil, invalid("cron: @every %q is not a duration like 90m or 1h30m", words[1])
		}
		if d < time.Second {
			return nil, invalid("cron: @every %s is shorter than one second", d)
		}
		anchor := int64(0)
		if !start.IsZero() {
			anchor = start.Unix()
		}
		return &everySchedule{delay: int64(cron.Every(d).Delay / time.Second), anchor: anchor, loc: loc}, nil
	}
	if len(words) != 1 {
		return nil, invalid("cron: unknown descriptor %q (want %s)", expr, descriptorHelp)
	}
	p := cron.NewParser(cron.Descriptor)
	parsed, err := p.Parse(words[0])
	if err != nil {
		return nil, invalid("cron: unknown descriptor %q (want %s)", expr, descriptorHelp)
	}
	spec, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, invalid("cron: unknown descriptor %q (want %s)", expr, descriptorHelp)
	}
	return &cronSchedule{spec: spec, loc: loc, fixed: words[0] != "@hourly"}, nil
}

// cronSchedule evaluates robfig/cron's parsed fields itself, because robfig's own Next skips a
// job whose time falls in a daylight saving gap and runs it twice when the clock falls back.
type cronSchedule struct {
	spec  *cron.SpecSchedule
	loc   *time.Location
	fixed bool
}

func (c *cronSchedule) Next(after time.Time) time.Time {
	// Instants are whole seconds, so u is strictly after after exactly when u > after.Unix().
	floor := after.Unix()
	var next int64
	found := false
	walk(c.loc, c.fixed, civilDay(after, c.loc).AddDate(0, 0, -1), c.walls, func(u int64) bool {
		if u > floor {
			next, found = u, true
			return false
		}
		return true
	})
	if !found {
		return time.Time{}
	}
	return time.Unix(next, 0).In(c.loc)
}

func (c *cronSchedule) walls(day time.Time) []int64 {
	s := c.spec
	_, month, dom := day.Date()
	if s.Month&(1<<uint(month)) == 0 {
		return nil
	}
	domMatch := s.Dom&(1<<uint(dom)) != 0
	dowMatch := s.Dow&(1<<uint(day.Weekday())) != 0
	if s.Dom&cronStar != 0 || s.Dow&cronStar != 0 {
		if !domMatch || !dowMatch {
			return nil
		}
	} else if !domMatch && !dowMatch {
		return nil
	}
	base := day.Unix()
	var out []int64
	for h := range 24 {
		if s.Hour&(1<<uint(h)) == 0 {
			continue
		}
		for m := range 60 {
			if s.Minute&(1<<uint(m)) != 0 {
				out = append(out, base+int64(h*3600+m*60))
			}
		}
	}
	return out
}

// everySchedule starts every delay seconds on a grid through anchor (Unix seconds).
type everySchedule struct {
	delay, anchor int64
	loc           *time.Location
}

func (e *everySchedule) Next(after time.Time) time.Time {
	floor := after.Unix()
	k := floorDiv(floor-e.anchor, e.delay) + 1
	next := e.anchor + k*e.delay
	if next <= floor { // overflow at the far end of time
		return time.Time{}
	}
	return time.Unix(next, 0).In(e.loc)
}
