package sla_test

import (
	"encoding/json"
	"errors"
	"testing"

	"vigie/internal/errs"
	"vigie/internal/status/sla"
)

func TestLevelNamesRoundTrip(t *testing.T) {
	tests := []struct {
		level sla.Level
		name  string
	}{
		{sla.Operational, "operational"},
		{sla.Degraded, "degraded_performance"},
		{sla.PartialOutage, "partial_outage"},
		{sla.MajorOutage, "major_outage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.level.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			got, err := sla.ParseLevel(tt.name)
			if err != nil || got != tt.level {
				t.Errorf("ParseLevel(%q) = %v, %v; want %v", tt.name, got, err, tt.level)
			}
		})
	}
}

func TestLevelsAreOrderedBySeverity(t *testing.T) {
	if !(sla.Operational < sla.Degraded && sla.Degraded < sla.PartialOutage && sla.PartialOutage < sla.MajorOutage) {
		t.Fatal("levels must be ordered from best to worst")
	}
}

func TestParseLevelRejects(t *testing.T) {
	for _, s := range []string{"", "Operational", "degraded", "major outage", " partial_outage", "down", "Level(3)"} {
		t.Run(s, func(t *testing.T) {
			_, err := sla.ParseLevel(s)
			if !errors.Is(err, sla.ErrUnknownLevel) {
				t.Fatalf("ParseLevel(%q) error = %v, want ErrUnknownLevel", s, err)
			}
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("ParseLevel(%q) code = %s, want invalid", s, errs.CodeOf(err))
			}
		})
	}
}

func TestUnknownLevelString(t *testing.T) {
	if got := sla.Level(7).String(); got != "Level(7)" {
		t.Errorf("Level(7).String() = %q", got)
	}
	if _, err := sla.Level(-1).MarshalText(); !errors.Is(err, sla.ErrUnknownLevel) {
		t.Errorf("Level(-1).MarshalText() error = %v, want ErrUnknownLevel", err)
	}
}

func TestLevelJSON(t *testing.T) {
	type component struct {
		Status sla.Level `json:"status"`
	}
	b, err := json.Marshal(component{sla.PartialOutage})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"status":"partial_outage"}`; got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
	var c component
	if err := json.Unmarshal([]byte(`{"status":"degraded_performance"}`), &c); err != nil || c.Status != sla.Degraded {
		t.Errorf("Unmarshal = %v, %v; want degraded_performance", c.Status, err)
	}
	if err := json.Unmarshal([]byte(`{"status":"down"}`), &c); !errors.Is(err, sla.ErrUnknownLevel) {
		t.Errorf("Unmarshal(down) error = %v, want ErrUnknownLevel", err)
	}
}

func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"operational", "degraded_performance", "partial_outage", "major_outage", "", "MAJOR_OUTAGE", "operational\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := sla.ParseLevel(s)
		if err != nil {
			if !errors.Is(err, sla.ErrUnknownLevel) {
				t.Fatalf("ParseLevel(%q) error %v does not wrap ErrUnknownLevel", s, err)
			}
			return
		}
		if l < sla.Operational || l > sla.MajorOutage {
			t.Fatalf("ParseLevel(%q) = %d, out of range", s, l)
		}
		if l.String() != s {
			t.Fatalf("ParseLevel(%q) = %v, which prints differently", s, l)
		}
	})
}

func TestLevelWordsAndMarks(t *testing.T) {
	for l, want := range map[sla.Level]string{sla.Operational: "● operational", sla.Degraded: "◆ degraded", sla.PartialOutage: "▲ partial outage", sla.MajorOutage: "▲ major outage"} {
		if got := l.Mark() + " " + l.Words(); got != want {
			t.Errorf("%d: %q, want %q", l, got, want)
		}
	}
}
