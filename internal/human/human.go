// Package human writes quantities the way people say them in messages and pages.
package human

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Duration says d the way people do: "340 ms", "42 s", "17 min", "3 h 5 min", "4 days".
// Negative durations read as zero.
func Duration(d time.Duration) string {
	d = max(d, 0)
	switch {
	case d == 0:
		return "0 s"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m > 0 {
			return fmt.Sprintf("%d h %d min", h, m)
		}
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// Bytes says a size in binary units: "512 B", "3.2 GiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Time writes t in the zone loc with the zone named: "Sun 29 Nov 2026 02:00 CET (Europe/Paris)".
func Time(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST") + zoneSuffix(t, loc)
}

// Window writes a span in the zone loc with the zone named and its length:
// "Sun 29 Nov 2026 02:00 – 03:00 CET (Europe/Paris), 1 h".
func Window(from, to time.Time, loc *time.Location) string {
	f, t := from.In(loc), to.In(loc)
	var s string
	switch {
	case f.Format("2006-01-02 MST") == t.Format("2006-01-02 MST"):
		s = f.Format("Mon 2 Jan 2006 15:04") + " – " + t.Format("15:04 MST")
	case f.Format("2006-01-02") == t.Format("2006-01-02"):
		s = f.Format("Mon 2 Jan 2006 15:04 MST") + " – " + t.Format("15:04 MST")
	default:
		s = f.Format("Mon 2 Jan 2006 15:04 MST") + " – " + t.Format("Mon 2 Jan 2006 15:04 MST")
	}
	return s + zoneSuffix(from, loc) + ", " + Duration(to.Sub(from))
}

// zoneSuffix names the zone when its abbreviation does not ("CET" could be several places).
func zoneSuffix(t time.Time, loc *time.Location) string {
	if abbr, _ := t.In(loc).Zone(); abbr == loc.String() {
		return ""
	}
	return " (" + loc.String() + ")"
}

// Exact says d to the second, for figures people check against each other (an SLA budget of
// "43 min 12 s", "1 h 3 min 5 s"). A negative d reads with a minus sign: a budget overspent.
func Exact(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "−", -d
	}
	s := int64(d / time.Second)
	h, m, sec := s/3600, s/60%60, s%60
	switch {
	case h > 0 && sec > 0:
		return fmt.Sprintf("%s%d h %d min %d s", sign, h, m, sec)
	case h > 0 && m > 0:
		return fmt.Sprintf("%s%d h %d min", sign, h, m)
	case h > 0:
		return fmt.Sprintf("%s%d h", sign, h)
	case m > 0 && sec > 0:
		return fmt.Sprintf("%s%d min %d s", sign, m, sec)
	case m > 0:
		return fmt.Sprintf("%s%d min", sign, m)
	}
	return fmt.Sprintf("%s%d s", sign, sec)
}

// Latency says a response time the way people read one: "850 µs", "2.5 ms", "42 ms", "1.2 s".
func Latency(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// NiceCeil rounds v up to 1, 2 or 5 times a power of ten: the top of a chart's scale, so its
// gridlines fall on numbers people read at a glance. Zero and below give 0.
func NiceCeil(v float64) float64 {
	if !(v > 0) {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// Percent writes a ratio as people write a target, to at most four decimals without trailing
// zeros: 0.999 is "99.9 %", 0.99995 is "99.995 %", 1 is "100 %".
func Percent(ratio float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", ratio*100), "0"), ".") + " %"
}
