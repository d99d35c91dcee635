package cond

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// literal renders v in the condition syntax, so that String() output parses back to the same
// value.
func literal(v Value) string {
	switch v.kind {
	case KindNumber:
		return strconv.FormatFloat(v.num, 'f', -1, 64)
	case KindDuration:
		return formatDuration(v.Dur())
	case KindPercent:
		return strconv.FormatFloat(v.num, 'f', -1, 64) + "%"
	case KindString:
		return quote(v.str)
	case KindBool:
		return strconv.FormatBool(v.b)
	}
	return v.String()
}

// quote writes s as a string literal: only " and \ are escaped, like the lexer expects.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := range len(s) {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// formatNumber is for people: without a long run of zeros for a large number.
func formatNumber(f float64) string {
	if math.IsInf(f, 0) || math.Abs(f) >= 1e21 {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// formatDuration is time.Duration.String with days and without the zero tails ("1h30m", not
// "1h30m0s"; "14d", not "336h0m0s").
func formatDuration(d time.Duration) string {
	if d == 0 || d == math.MinInt64 {
		return d.String()
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	const day = 24 * time.Hour
	if days := d / day; days > 0 {
		b.WriteString(strconv.FormatInt(int64(days), 10))
		b.WriteByte('d')
		if d -= days * day; d == 0 {
			return b.String()
		}
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	b.WriteString(s)
	return b.String()
}

const (
	maxShownRunes = 60
	maxShownItems = 5
)

// display renders a measured value for people: durations rounded, long strings and lists cut.
func display(v Value) string {
	switch v.kind {
	case KindDuration:
		d := v.Dur()
		switch a := max(d, -d); {
		case a >= 10*time.Millisecond:
			d = d.Round(time.Millisecond)
		case a >= 10*time.Microsecond:
			d = d.Round(time.Microsecond)
		}
		return formatDuration(d)
	case KindString:
		return strconv.Quote(cut(v.str))
	case KindList:
		var b strings.Builder
		b.WriteByte('[')
		for i, item := range v.list {
			if i == maxShownItems {
				b.WriteString(", …")
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(cut(item)))
		}
		b.WriteByte(']')
		return b.String()
	case KindNumber:
		return formatNumber(v.num)
	case KindPercent:
		return formatNumber(v.num) + "%"
	}
	return literal(v)
}

func cut(s string) string {
	if len(s) <= maxShownRunes {
		return s
	}
	n := 0
	for i := range s {
		if n == maxShownRunes {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
