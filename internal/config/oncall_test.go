package config

import (
	"slices"
	"testing"
	"time"
)

func TestOnCallActive(t *testing.T) {
	o := OnCall{Name: "primary", Timezone: "Europe/Paris", Default: []string{"night"},
		Shifts: []Shift{
			{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "18:00", Receivers: []string{"day"}},
			{Days: []string{"fri"}, From: "22:00", To: "02:00", Receivers: []string{"friday-late"}},
		}}
	paris, _ := time.LoadLocation("Europe/Paris")
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC() // the schedule converts back to its own zone
	}
	for when, want := range map[string]string{
		"2026-11-23 09:00": "day",         // Monday, first minute of the shift
		"2026-11-23 17:59": "day",         // last minute
		"2026-11-23 18:00": "night",       // the end is exclusive
		"2026-11-22 12:00": "night",       // Sunday
		"2026-11-27 23:30": "friday-late", // Friday night
		"2026-11-28 01:30": "friday-late", // past midnight: still Friday's shift
		"2026-11-29 01:30": "night",       // Sunday early: Saturday had no late shift
		"2026-07-06 08:30": "night",       // 06:30 UTC in summer is 08:30 in Paris: before the shift
	} {
		if got := o.Active(at(when)); !slices.Equal(got, []string{want}) {
			t.Errorf("%s Paris: %v, want %s", when, got, want)
		}
	}
}
