package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written as in Go ("30s", "1h30m") or with a "d" unit of 24 hours
// ("7d"), because retention periods in hours are hard to read. Negative values are rejected.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String returns "7d" for whole days and the shortest Go form otherwise ("1h30m", not
// "1h30m0s"); the result always parses back to d.
func (d Duration) String() string {
	if d > 0 && d%Duration(day) == 0 {
		return strconv.FormatInt(int64(d/Duration(day)), 10) + "d"
	}
	s := time.Duration(d).String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

const durationUnits = "use ms, s, m, h, d"

// parseDuration splits s into number+unit segments itself so that it can accept "d" and give
// a precise reason; each segment is then converted by time.ParseDuration.
func parseDuration(s string) (Duration, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("invalid duration %s: %s", quote(s), fmt.Sprintf(format, args...))
	}
	rest := s
	negative := false
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		negative = rest[0] == '-'
		rest = rest[1:]
	}
	if rest == "0" {
		return 0, nil
	}
	if rest == "" {
		return 0, fail("expected a number with a unit, like 30s, 5m or 7d")
	}
	var total time.Duration
	for rest != "" {
		i := strings.IndexFunc(rest, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
		if i < 0 {
			return 0, fail("missing unit after %s (%s)", rest, durationUnits)
		}
		if i == 0 {
			return 0, fail("expected a number with a unit, like 30s, 5m or 7d")
		}
		number := rest[:i]
		rest = rest[i:]
		j := strings.IndexAny(rest, "0123456789.")
		if j < 0 {
			j = len(rest)
		}
		unit := rest[:j]
		rest = rest[j:]
		goUnit := unit
		switch unit {
		case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
		case "d":
			goUnit = "h"
		default:
			return 0, fail("unknown unit %s (%s)", quote(unit), durationUnits)
		}
		part, err := time.ParseDuration(number + goUnit)
		if err != nil {
			if _, ferr := strconv.ParseFloat(number, 64); ferr != nil {
				return 0, fail("invalid number %s", quote(number))
			}
			return 0, fail("too large")
		}
		if unit == "d" {
			if part > math.MaxInt64/24 {
				return 0, fail("too large")
			}
			part *= 24
		}
		if total > math.MaxInt64-part {
			return 0, fail("too large")
		}
		total += part
	}
	if negative && total != 0 {
		return 0, fail("must not be negative")
	}
	return Duration(total), nil
}

// ByteSize is a number of bytes written with an optional unit: "512", "64KB", "10MiB",
// "1.5GB". KB, MB, GB and TB are powers of 1000; KiB, MiB, GiB and TiB powers of 1024.
type ByteSize int64

var byteUnits = []struct {
	suffix string
	factor float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// UnmarshalText reads a size.
func (b *ByteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	number, factor := s, 1.0
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			number, factor = strings.TrimSpace(n), u.factor
			break
		}
	}
	f, err := strconv.ParseFloat(number, 64)
	if err != nil || number == "" || strings.ContainsAny(number, "eExXpP_") {
		return fmt.Errorf("invalid size %s: write a number with an optional unit, like 512KiB, 10MB or 1.5GiB", quote(s))
	}
	v := f * factor
	switch {
	case v < 0:
		return fmt.Errorf("invalid size %s: must not be negative", quote(s))
	case v >= math.MaxInt64:
		return fmt.Errorf("invalid size %s: too large", quote(s))
	}
	*b = ByteSize(math.Round(v))
	return nil
}

// MarshalText writes the size in bytes, which reads back the same.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(strconv.FormatInt(int64(b), 10)), nil }

// URL is an absolute http or https URL without user name or password (those belong in a
// Secret). The zero value prints as "".
type URL struct{ *url.URL }

// String returns the URL, or "" for the zero value.
func (u URL) String() string {
	if u.URL == nil {
		return ""
	}
	return u.URL.String()
}

// MarshalText implements encoding.TextMarshaler.
func (u URL) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (u *URL) UnmarshalText(b []byte) error {
	s := string(b)
	parsed, err := url.Parse(s)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		// The URL is not echoed: it may hold a password.
		return fmt.Errorf("invalid URL: %v", err)
	}
	if parsed.User != nil {
		return errors.New("must not contain a user name or password")
	}
	if (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Opaque != "" {
		return fmt.Errorf("must be an absolute http or https URL, got %s", quote(s))
	}
	if parsed.Host == "" {
		return fmt.Errorf("must have a host, got %s", quote(s))
	}
	u.URL = parsed
	return nil
}

// parsePrefix accepts a bare address as a single-host prefix because that is how people list
// one proxy.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid CIDR prefix %s: %s", quote(s), netipReason(err))
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid IP address %s: %s", quote(s), netipReason(err))
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("invalid IP address %s: zones are not allowed", quote(s))
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// netipReason drops the `ParseAddr("...")` prefix that would repeat the value.
func netipReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		return msg[i+3:]
	}
	return msg
}

const redacted = "<secret>"

// Secret holds a password, token or DSN. Every way of printing it (fmt with any verb, JSON,
// YAML, text, slog, Print) gives "<secret>", or "" when the secret is empty so that an unset
// credential can be told from a set one. The value sits behind a pointer so that even fmt on a
// struct holding a Secret in an unexported field, where String cannot be called, shows only an
// address. Reveal returns the value for the code that needs it.
type Secret struct{ value *string }

// NewSecret wraps v; an empty v gives the zero Secret.
func NewSecret(v string) Secret {
	if v == "" {
		return Secret{}
	}
	return Secret{value: &v}
}

// Reveal returns the secret value.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == nil }

// String returns "<secret>", or "" for an empty secret.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return redacted
}

// GoString returns the quoted String, for %#v.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
