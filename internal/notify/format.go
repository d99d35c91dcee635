package notify

import "time"

// Helpers the providers share to render messages alike.

// KindLabel names a message's kind for people.
func KindLabel(k Kind) string {
	switch k {
	case KindReminder:
		return "Still firing"
	case KindEscalate:
		return "Escalated"
	case KindResolved:
		return "Resolved"
	case KindTest:
		return "Test"
	case KindUpdateDue:
		return "Update due"
	case KindReport:
		return "Report"
	}
	return "Firing"
}

// Icon marks a message's state; it goes with words, never alone.
func Icon(m Message) string {
	switch {
	case m.Kind == KindResolved:
		return "✅"
	case m.Kind == KindTest:
		return "🧪"
	case m.Severity == SeverityCritical:
		return "🔴"
	case m.Severity == SeverityWarning:
		return "🟠"
	}
	return "🔵"
}

// Truncate cuts s to n runes, ending with an ellipsis when it cut.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Stamp writes a time for messages: UTC, to the minute, with the zone named.
func Stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
