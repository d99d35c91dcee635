package report_test

import (
	"testing"
	"time"
	_ "time/tzdata"

	"vigie/internal/errs"
	"vigie/internal/report"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseMonth(t *testing.T) {
	good := map[string]report.Month{"2026-05": {2026, time.May}, "1970-01": {1970, time.January}, "2028-12": {2028, time.December}}
	for in, want := range good {
		if got, err := report.ParseMonth(in); err != nil || got != want || got.String() != in {
			t.Errorf("ParseMonth(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":           `month "": want YYYY-MM, like 2026-05`,
		"2026-5":     `month "2026-5": want YYYY-MM, like 2026-05`,
		"2026-13":    `month "2026-13": 13 is not a month (01 to 12)`,
		"2026-00":    `month "2026-00": 00 is not a month (01 to 12)`,
		"May 2026":   `month "May 2026": want YYYY-MM, like 2026-05`,
		"2026-05-01": `month "2026-05-01": want YYYY-MM, like 2026-05`,
		"1969-12":    `month "1969-12": vigie keeps nothing from before 1970`,
		" 2026-05":   `month " 2026-05": want YYYY-MM, like 2026-05`,
	}
	for in, want := range bad {
		_, err := report.ParseMonth(in)
		if !errs.Is(err, errs.Invalid) || errs.MessageOf(err) != want {
			t.Errorf("ParseMonth(%q) error = %v, want %q", in, err, want)
		}
	}
}

func TestMonthWindow(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	w := report.Month{2026, time.March}.Window(paris)
	if !w.From.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, paris)) || !w.To.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, paris)) || w.Duration() != 743*time.Hour {
		t.Errorf("March 2026 in Paris = [%v, %v) %v", w.From, w.To, w.Duration())
	}
	if got := report.MonthOf(time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC), paris); got != (report.Month{2026, time.February}) {
		t.Errorf("MonthOf 31 Jan 23:30 UTC in Paris = %v, want 2026-02", got)
	}
}

func TestParseWeek(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	tests := []struct {
		in       string
		from, to time.Time
		hours    float64
	}{
		{"2026-W01", time.Date(2025, 12, 29, 0, 0, 0, 0, paris), time.Date(2026, 1, 5, 0, 0, 0, 0, paris), 168},
		{"2026-W13", time.Date(2026, 3, 23, 0, 0, 0, 0, paris), time.Date(2026, 3, 30, 0, 0, 0, 0, paris), 167}, // clocks spring forward on the 29th
		{"2026-W43", time.Date(2026, 10, 19, 0, 0, 0, 0, paris), time.Date(2026, 10, 26, 0, 0, 0, 0, paris), 169},
		{"2026-W53", time.Date(2026, 12, 28, 0, 0, 0, 0, paris), time.Date(2027, 1, 4, 0, 0, 0, 0, paris), 168},
		{"2021-W01", time.Date(2021, 1, 4, 0, 0, 0, 0, paris), time.Date(2021, 1, 11, 0, 0, 0, 0, paris), 168},
	}
	for _, tt := range tests {
		w, err := report.ParseWeek(tt.in)
		if err != nil {
			t.Fatalf("ParseWeek(%q): %v", tt.in, err)
		}
		win := w.Window(paris)
		if !win.From.Equal(tt.from) || !win.To.Equal(tt.to) || win.Duration().Hours() != tt.hours || w.String() != tt.in {
			t.Errorf("%s = [%v, %v) %v h", tt.in, win.From, win.To, win.Duration().Hours())
		}
		if got := report.WeekOf(win.From.Add(time.Hour), paris); got != w {
			t.Errorf("WeekOf(start of %s) = %v", tt.in, got)
		}
		if prev := w.Previous(paris).Window(paris); !prev.To.Equal(win.From) {
			t.Errorf("the week before %s ends at %v, not at its start", tt.in, prev.To)
		}
	}
	bad := map[string]string{
		"2026-W54": `week "2026-W54": 2026 has weeks 01 to 53`,
		"2025-W53": `week "2025-W53": 2025 has weeks 01 to 52`,
		"2026-W00": `week "2026-W00": 2026 has weeks 01 to 53`,
		"2026-23":  `week "2026-23": want an ISO week YYYY-Www, like 2026-W23`,
		"2026-w23": `week "2026-w23": want an ISO week YYYY-Www, like 2026-W23`,
		"1969-W10": `week "1969-W10": vigie keeps nothing from before 1970`,
	}
	for in, want := range bad {
		_, err := report.ParseWeek(in)
		if !errs.Is(err, errs.Invalid) || errs.MessageOf(err) != want {
			t.Errorf("ParseWeek(%q) error = %v, want %q", in, err, want)
		}
	}
}

func TestWeekTitle(t *testing.T) {
	for in, want := range map[string]string{"2026-W23": "week 23, 2026 (1–7 June)", "2026-W01": "week 1, 2026 (29 December – 4 January)"} {
		w, _ := report.ParseWeek(in)
		if got := w.Title(time.UTC); got != want {
			t.Errorf("%s: Title = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"2026-05", "2026-13", "x", "9999-12", "0000-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := report.ParseMonth(s)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("ParseMonth(%q): error without the invalid code: %v", s, err)
			}
			return
		}
		if m.String() != s {
			t.Fatalf("ParseMonth(%q) = %v, which prints differently", s, m)
		}
		if w := m.Window(time.UTC); w.Duration() < 28*24*time.Hour || w.Duration() > 31*24*time.Hour {
			t.Fatalf("%s lasts %v", s, w.Duration())
		}
	})
}

func FuzzParseWeek(f *testing.F) {
	for _, s := range []string{"2026-W23", "2026-W53", "2025-W53", "x", "9999-W52"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := report.ParseWeek(s)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("ParseWeek(%q): error without the invalid code: %v", s, err)
			}
			return
		}
		win := w.Window(time.UTC)
		if w.String() != s || win.Duration() != 7*24*time.Hour || win.From.Weekday() != time.Monday || report.WeekOf(win.From, time.UTC) != w {
			t.Fatalf("ParseWeek(%q) = %v: window [%v, %v)", s, w, win.From, win.To)
		}
	})
}
