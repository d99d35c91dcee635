// Package human writes quantities the way people say them in messages and pages.
package human

import (
	"fmt"
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
