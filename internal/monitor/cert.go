package monitor

import (
	"fmt"
	"time"

	"vigie/internal/check/cond"
)

// CertEvent says whether a monitor's certificate is within its warning window.
type CertEvent struct {
	Monitor   string
	At        time.Time
	Expiring  bool
	ExpiresIn time.Duration
	Reason    string // "certificate expires in 9 days (warning at 14 days)"
}

// certState is what a monitor last reported about its certificate. It starts unknown, so
// the first measurement after a start is always reported.
type certState int

const (
	certUnknown certState = iota
	certFine
	certExpiring
)

// observeCert compares a result's certificate expiry with the monitor's warning window.
// A result that measured no certificate (the check failed before the handshake, or the URL
// is plain HTTP) changes nothing. Called with e.mu held.
func (en *entry) observeCert(at time.Time, fields map[string]cond.Value) (CertEvent, bool) {
	warn := en.def.CertWarning
	v, ok := fields["cert.expires_in"]
	if warn <= 0 || !ok || v.Kind() != cond.KindDuration {
		return CertEvent{}, false
	}
	left := v.Dur()
	now := certFine
	if left < warn {
		now = certExpiring
	}
	if now == en.cert {
		return CertEvent{}, false
	}
	en.cert = now
	ev := CertEvent{Monitor: en.def.Name, At: at, Expiring: now == certExpiring, ExpiresIn: left}
	switch {
	case left <= 0:
		ev.Reason = fmt.Sprintf("certificate expired %s ago", days(-left))
	case ev.Expiring:
		ev.Reason = fmt.Sprintf("certificate expires in %s (warning at %s)", days(left), days(warn))
	default:
		ev.Reason = fmt.Sprintf("certificate valid for %s", days(left))
	}
	return ev, true
}

// days renders a certificate lifetime the way people speak of it.
func days(d time.Duration) string {
	switch n := int(d / (24 * time.Hour)); {
	case n == 1:
		return "1 day"
	case n > 1:
		return fmt.Sprintf("%d days", n)
	}
	h := int(d / time.Hour)
	if h == 1 {
		return "1 hour"
	}
	return fmt.Sprintf("%d hours", h)
}
