package retention

import (
	"errors"
	"testing"
	"time"
)

func TestParseSpan(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Span
	}{
		{"7d", Span{Days: 7}},
		{"2w", Span{Days: 14}},
		{"36h", Span{Hours: 36}},
		{"1y2m3d", Span{Years: 1, Months: 2, Days: 3}},
		{"2y5m7d3h", Span{Years: 2, Months: 5, Days: 7, Hours: 3}}, // restic's documented example
		{"1y5m7d2h", Span{Years: 1, Months: 5, Days: 7, Hours: 2}},
		{"75y", Span{Years: 75}},
		{"3d1y", Span{Years: 1, Days: 3}}, // any order, as restic
		{"1w2d", Span{Days: 9}},           // weeks add to days
		{"007d", Span{Days: 7}},
		{"0d", Span{}},
		{"1000y", Span{Years: 1000}},
	} {
		got, err := ParseSpan(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSpan(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSpanErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"7x", `invalid span "7x": unknown unit "x" after 7; want y, m, w, d or h`},
		{"", `invalid span "": empty; want a number and a unit, like 7d, 2w, 36h or 1y2m`},
		{"-1d", `invalid span "-1d": sign not allowed; a span is a length back from the newest snapshot`},
		{"+1d", `invalid span "+1d": sign not allowed; a span is a length back from the newest snapshot`},
		{"7", `invalid span "7": no unit after 7; want y, m, w, d or h`},
		{"d", `invalid span "d": want a number at "d"`},
		{"7d7d", `invalid span "7d7d": unit 'd' given twice`},
		{"1d-2h", `invalid span "1d-2h": sign not allowed; a span is a length back from the newest snapshot`},
		{"7D", `invalid span "7D": unknown unit "D" after 7; want y, m, w, d or h`},
		{"7min", `invalid span "7min": want a number at "in"`},
		{"1.5d", `invalid span "1.5d": unknown unit "." after 1; want y, m, w, d or h`},
		{" 7d", `invalid span " 7d": want a number at " 7d"`},
		{"7d ", `invalid span "7d ": want a number at " "`},
		{"12345678d", `invalid span "12345678d": number 12345678 too large`},
		{"1001y", `invalid span "1001y": longer than 1000 years`},
		{"7d\u00e9", `invalid span "7dé": want a number at "é"`},
	} {
		_, err := ParseSpan(tc.in)
		if err == nil || err.Error() != tc.want || !errors.Is(err, ErrInvalidSpan) {
			t.Errorf("ParseSpan(%q) error = %v; want %s", tc.in, err, tc.want)
		}
	}
}

func TestSpanString(t *testing.T) {
	for _, tc := range []struct {
		in   Span
		want string
	}{
		{Span{}, "0d"},
		{Span{Days: 14}, "14d"},
		{Span{Years: 2, Months: 5, Days: 7, Hours: 3}, "2y5m7d3h"},
		{Span{Months: 1, Hours: 12}, "1m12h"},
	} {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("%+v.String() = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestSpanBefore(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	for _, tc := range []struct {
		name string
		span Span
		t    time.Time
		want time.Time
	}{
		{"days", Span{Days: 7}, date(time.UTC, "2026-11-23 12:00"), date(time.UTC, "2026-11-16 12:00")},
		{"hours cross midnight", Span{Hours: 36}, date(time.UTC, "2026-11-23 12:00"), date(time.UTC, "2026-11-22 00:00")},
		{"everything", Span{Years: 2, Months: 5, Days: 7, Hours: 3}, date(time.UTC, "2026-11-23 12:00"), date(time.UTC, "2024-06-16 09:00")},
		{"months across the year", Span{Months: 13}, date(time.UTC, "2026-01-15 08:00"), date(time.UTC, "2024-12-15 08:00")},
		{"month from the 31st clamps to February's end", Span{Months: 1}, date(time.UTC, "2026-03-31 10:00"), date(time.UTC, "2026-02-28 10:00")},
		{"leap February", Span{Months: 1}, date(time.UTC, "2028-03-31 10:00"), date(time.UTC, "2028-02-29 10:00")},
		{"month then day from the 31st", Span{Months: 1, Days: 1}, date(time.UTC, "2026-03-31 10:00"), date(time.UTC, "2026-02-27 10:00")},
		{"year from 29 February", Span{Years: 1}, date(time.UTC, "2028-02-29 10:00"), date(time.UTC, "2027-02-28 10:00")},
		{"month from 30 May", Span{Months: 3}, date(time.UTC, "2026-05-30 10:00"), date(time.UTC, "2026-02-28 10:00")},
		// 26 October 2026 minus one calendar day crosses the 25-hour day of 25 October.
		{"a day across the clocks going back is 25 hours", Span{Days: 1}, date(paris, "2026-10-26 12:00"), date(paris, "2026-10-25 12:00")},
		{"a day is 25 hours", Span{Days: 1}, date(paris, "2026-10-25 12:00"), date(time.UTC, "2026-10-24 10:00")},
		{"24 hours are 24 hours", Span{Hours: 24}, date(paris, "2026-10-25 12:00"), date(time.UTC, "2026-10-24 11:00")},
		// 02:30 CET is the second 02:30 of 25 October (01:30 UTC): hours must not re-read the wall clock.
		{"hours from the repeated hour", Span{Hours: 36}, date(time.UTC, "2026-10-25 01:30").In(paris), date(time.UTC, "2026-10-23 13:30")},
		{"a day is 23 hours in spring", Span{Days: 1}, date(paris, "2026-03-29 12:00"), date(time.UTC, "2026-03-28 11:00")},
		// 3,000,000 hours overflow a time.Duration.
		{"huge hours", Span{Hours: 3_000_000}, date(time.UTC, "2026-01-01 00:00"),
			date(time.UTC, "2026-01-01 00:00").Add(-1_500_000 * time.Hour).Add(-1_500_000 * time.Hour)},
	} {
		got := tc.span.Before(tc.t)
		if !got.Equal(tc.want) {
			t.Errorf("%s: %s before %s = %s; want %s", tc.name, tc.span, tc.t, got, tc.want)
		}
		if got.Location() != tc.t.Location() {
			t.Errorf("%s: location %s; want %s", tc.name, got.Location(), tc.t.Location())
		}
	}
}

func FuzzParseSpan(f *testing.F) {
	for _, s := range []string{"7d", "2w", "1y2m3d", "36h", "2y5m7d3h", "", "7x", "-1d", "9999999h", "1000y", "0d", "1w1d", "3d1y"} {
		f.Add(s)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	ref := time.Date(2026, 10, 25, 2, 30, 0, 0, paris)
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := ParseSpan(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidSpan) {
				t.Fatalf("ParseSpan(%q) error %v does not wrap ErrInvalidSpan", s, err)
			}
			return
		}
		if sp.Years < 0 || sp.Months < 0 || sp.Days < 0 || sp.Hours < 0 {
			t.Fatalf("ParseSpan(%q) = %+v: negative part", s, sp)
		}
		again, err := ParseSpan(sp.String())
		if err != nil || again != sp {
			t.Fatalf("ParseSpan(%q) = %+v, but its String %q parses to %+v, %v", s, sp, sp.String(), again, err)
		}
		before := sp.Before(ref)
		if sp.IsZero() != before.Equal(ref) || before.After(ref) {
			t.Fatalf("%q before %s = %s", s, ref, before)
		}
	})
}
