package sla

import (
	"errors"
	"fmt"
	"strings"

	"vigie/internal/errs"
)

// Level is a component's condition, ordered by severity (higher is worse).
type Level int

const (
	Operational Level = iota
	Degraded
	PartialOutage
	MajorOutage
)

// numLevels sizes per-level arrays; levels outside [Operational, MajorOutage] are clamped to it.
const numLevels = int(MajorOutage) + 1

// Statuspage's names, so exported data and webhooks read the same as the tool users compare with.
var levelNames = [numLevels]string{"operational", "degraded_performance", "partial_outage", "major_outage"}

// ErrUnknownLevel is returned (wrapped in an errs.Invalid error) for a name that is not a level.
var ErrUnknownLevel = errors.New("unknown level")

func (l Level) String() string {
	if l < Operational || l > MajorOutage {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l]
}

// ParseLevel parses a level's String form. It is strict (exact, lower-case names) because levels
// come from configuration and API input, where a typo must be reported rather than guessed.
func ParseLevel(s string) (Level, error) {
	for l, name := range levelNames {
		if s == name {
			return Level(l), nil
		}
	}
	return Operational, errs.Wrap(errs.Invalid, ErrUnknownLevel,
		"level %q: want one of operational, degraded_performance, partial_outage, major_outage", s)
}

// MarshalText makes levels read as their names in JSON and YAML.
func (l Level) MarshalText() ([]byte, error) {
	if l < Operational || l > MajorOutage {
		return nil, errs.Wrap(errs.Internal, ErrUnknownLevel, "level %d has no name", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText accepts what ParseLevel accepts.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// clamp keeps per-level arrays in bounds: an out-of-range level is a caller bug, but a status page
// should still render, so it counts as the nearest real level.
func clamp(l Level) Level {
	return min(max(l, Operational), MajorOutage)
}

// Words names the level for people: "operational", "degraded", "partial outage", "major outage".
func (l Level) Words() string {
	return strings.ReplaceAll(strings.TrimSuffix(l.String(), "_performance"), "_", " ")
}

// Mark is the symbol shown beside a level's words, never instead of them.
func (l Level) Mark() string {
	switch clamp(l) {
	case MajorOutage, PartialOutage:
		return "▲"
	case Degraded:
		return "◆"
	}
	return "●"
}
