package schedule

import (
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the DST tests must not depend on the host's zoneinfo

	"vigie/internal/errs"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// nextCase asks Next len(want) times, each time after the previous start. Expected times are
// written by hand, with the UTC offset the zone has on that day.
type nextCase struct {
	name  string
	expr  string
	zone  string
	start string // DTSTART for RRULEs, the phase for @every; "" for none
	after string
	want  []string // "" means the zero time: no further start
}

func runNextCases(t *testing.T, cases []nextCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoad(t, tc.zone)
			var start time.Time
			if tc.start != "" {
				start = mustTime(t, tc.start)
			}
			s, err := Parse(tc.expr, loc, start)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.expr, err)
			}
			after := mustTime(t, tc.after)
			for i, want := range tc.want {
				got := s.Next(after)
				if want == "" {
					if !got.IsZero() {
						t.Fatalf("Next #%d after %s = %s, want the zero time", i+1, after.Format(time.RFC3339), got.Format(time.RFC3339))
					}
					return
				}
				if got.Format(time.RFC3339) != want {
					t.Fatalf("Next #%d after %s = %s, want %s", i+1, after.Format(time.RFC3339), got.Format(time.RFC3339), want)
				}
				if got.Location() != loc {
					t.Errorf("Next #%d is in %s, want %s", i+1, got.Location(), loc)
				}
				after = got
			}
		})
	}
}

func TestCron(t *testing.T) {
	runNextCases(t, []nextCase{
		{name: "every day", expr: "30 2 * * *", zone: "UTC", after: "2026-01-10T12:00:00Z",
			want: []string{"2026-01-11T02:30:00Z", "2026-01-12T02:30:00Z", "2026-01-13T02:30:00Z"}},
		{name: "strictly after a start", expr: "30 2 * * *", zone: "UTC", after: "2026-01-11T02:30:00Z",
			want: []string{"2026-01-12T02:30:00Z"}},
		{name: "a fraction of a second before a start", expr: "30 2 * * *", zone: "UTC", after: "2026-01-11T02:29:59.5Z",
			want: []string{"2026-01-11T02:30:00Z"}},
		{name: "every weekday from a Friday", expr: "0 9 * * 1-5", zone: "UTC", after: "2026-01-09T10:00:00Z",
			want: []string{"2026-01-12T09:00:00Z", "2026-01-13T09:00:00Z", "2026-01-14T09:00:00Z", "2026-01-15T09:00:00Z", "2026-01-16T09:00:00Z", "2026-01-19T09:00:00Z"}},
		{name: "weekday names", expr: "0 9 * * MON-FRI", zone: "UTC", after: "2026-01-09T10:00:00Z",
			want: []string{"2026-01-12T09:00:00Z"}},
		{name: "day of month or day of week, as classic cron", expr: "0 0 1 * 1", zone: "UTC", after: "2026-02-27T00:00:00Z",
			want: []string{"2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z"}},
		{name: "@hourly", expr: "@hourly", zone: "UTC", after: "2026-01-10T12:34:56Z",
			want: []string{"2026-01-10T13:00:00Z", "2026-01-10T14:00:00Z", "2026-01-10T15:00:00Z"}},
		{name: "@daily", expr: "@daily", zone: "UTC", after: "2026-01-10T00:00:00Z",
			want: []string{"2026-01-11T00:00:00Z", "2026-01-12T00:00:00Z"}},
		{name: "@weekly is Sunday midnight", expr: "@weekly", zone: "UTC", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"}},
		{name: "@monthly", expr: "@monthly", zone: "UTC", after: "2026-01-15T00:00:00Z",
			want: []string{"2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"}},
		{name: "@yearly", expr: "@yearly", zone: "UTC", after: "2026-01-15T00:00:00Z",
			want: []string{"2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"}},
		{name: "descriptors ignore case", expr: "@Daily", zone: "UTC", after: "2026-01-10T00:00:00Z",
			want: []string{"2026-01-11T00:00:00Z"}},
		{name: "@every 90m from a start", expr: "@every 90m", zone: "UTC", start: "2026-01-10T00:00:00Z", after: "2026-01-10T02:00:00Z",
			want: []string{"2026-01-10T03:00:00Z", "2026-01-10T04:30:00Z", "2026-01-10T06:00:00Z"}},
		// 90 minutes divide a day, so from the epoch every UTC day starts on the grid.
		{name: "@every 90m without a start", expr: "@every 90m", zone: "UTC", after: "2026-01-10T02:00:00Z",
			want: []string{"2026-01-10T03:00:00Z", "2026-01-10T04:30:00Z"}},
		{name: "@every keeps its phase", expr: "@every 90m", zone: "UTC", start: "2026-01-10T00:00:00Z", after: "2026-01-10T03:17:42.5Z",
			want: []string{"2026-01-10T04:30:00Z"}},

		// Europe/Paris: 29 March 2026 02:00 CET becomes 03:00 CEST; 25 October 2026 03:00 CEST
		// becomes 02:00 CET, so 02:00-02:59 happens twice.
		{name: "Paris every day over the spring gap", expr: "30 2 * * *", zone: "Europe/Paris", after: "2026-03-27T12:00:00+01:00",
			want: []string{"2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"}},
		{name: "Paris every day over the autumn repeat", expr: "30 2 * * *", zone: "Europe/Paris", after: "2026-10-24T12:00:00+02:00",
			want: []string{"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00", "2026-10-27T02:30:00+01:00"}},
		{name: "Paris after the first of a repeated time", expr: "30 2 * * *", zone: "Europe/Paris", after: "2026-10-25T02:45:00+02:00",
			want: []string{"2026-10-26T02:30:00+01:00"}},
		{name: "Paris skipped times start once after the gap", expr: "0,30 2 * * *", zone: "Europe/Paris", after: "2026-03-29T00:00:00+01:00",
			want: []string{"2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00", "2026-03-30T02:30:00+02:00"}},
		{name: "Paris 03:00 exists on the gap day", expr: "0 3 * * *", zone: "Europe/Paris", after: "2026-03-28T12:00:00+01:00",
			want: []string{"2026-03-29T03:00:00+02:00", "2026-03-30T03:00:00+02:00"}},
		{name: "Paris weekdays over the spring change", expr: "0 9 * * 1-5", zone: "Europe/Paris", after: "2026-03-27T10:00:00+01:00",
			want: []string{"2026-03-30T09:00:00+02:00", "2026-03-31T09:00:00+02:00"}},
		{name: "Paris weekdays over the autumn change", expr: "0 9 * * 1-5", zone: "Europe/Paris", after: "2026-10-23T10:00:00+02:00",
			want: []string{"2026-10-26T09:00:00+01:00"}},
		{name: "Paris @daily over the spring change", expr: "@daily", zone: "Europe/Paris", after: "2026-03-28T12:00:00+01:00",
			want: []string{"2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"}},
		{name: "Paris @hourly follows the clock in spring", expr: "@hourly", zone: "Europe/Paris", after: "2026-03-29T00:30:00+01:00",
			want: []string{"2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"}},
		{name: "Paris @hourly follows the clock in autumn", expr: "@hourly", zone: "Europe/Paris", after: "2026-10-25T00:30:00+02:00",
			want: []string{"2026-10-25T01:00:00+02:00", "2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"}},
		{name: "Paris every 30 minutes in autumn", expr: "*/30 * * * *", zone: "Europe/Paris", after: "2026-10-25T01:45:00+02:00",
			want: []string{"2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00"}},
		{name: "Paris @every counts real time", expr: "@every 90m", zone: "Europe/Paris", start: "2026-03-29T00:00:00+01:00", after: "2026-03-29T00:00:00+01:00",
			want: []string{"2026-03-29T01:30:00+01:00", "2026-03-29T04:00:00+02:00", "2026-03-29T05:30:00+02:00"}},

		// America/New_York: 8 March 2026 02:00 EST becomes 03:00 EDT; 1 November 2026 02:00
		// EDT becomes 01:00 EST.
		{name: "New York every day over the spring gap", expr: "30 2 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00-05:00",
			want: []string{"2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"}},
		{name: "New York every day over the autumn repeat", expr: "30 1 * * *", zone: "America/New_York", after: "2026-10-31T12:00:00-04:00",
			want: []string{"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}},
		{name: "New York weekdays", expr: "0 9 * * 1-5", zone: "America/New_York", after: "2026-03-06T10:00:00-05:00",
			want: []string{"2026-03-09T09:00:00-04:00"}},
		{name: "New York @hourly in autumn", expr: "@hourly", zone: "America/New_York", after: "2026-11-01T00:30:00-04:00",
			want: []string{"2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"}},
	})
}

func TestRRule(t *testing.T) {
	runNextCases(t, []nextCase{
		{name: "weekly on Sunday 02:00", expr: "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-04T02:00:00Z", "2026-01-11T02:00:00Z", "2026-01-18T02:00:00Z"}},
		{name: "with the RRULE: prefix", expr: "RRULE:FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-04T02:00:00Z"}},
		{name: "lower case", expr: "rrule:freq=weekly;byday=su;byhour=2;byminute=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-04T02:00:00Z"}},
		{name: "weekly on Sunday 02:00 in Paris over the spring gap", expr: "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0", zone: "Europe/Paris",
			start: "2026-03-01T00:00:00+01:00", after: "2026-03-23T00:00:00+01:00",
			want: []string{"2026-03-29T03:00:00+02:00", "2026-04-05T02:00:00+02:00"}},
		{name: "daily 02:30 in Paris over the autumn repeat", expr: "FREQ=DAILY;BYHOUR=2;BYMINUTE=30", zone: "Europe/Paris",
			start: "2026-10-01T00:00:00+02:00", after: "2026-10-24T12:00:00+02:00",
			want: []string{"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"}},
		{name: "hour and minute default to DTSTART's", expr: "FREQ=DAILY", zone: "Europe/Paris",
			start: "2026-03-27T02:30:00+01:00", after: "2026-03-27T02:00:00+01:00",
			want: []string{"2026-03-27T02:30:00+01:00", "2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"}},
		{name: "every 2 weeks from DTSTART", expr: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0", zone: "UTC",
			start: "2026-01-05T09:00:00Z", after: "2026-01-05T08:59:59Z",
			want: []string{"2026-01-05T09:00:00Z", "2026-01-19T09:00:00Z", "2026-02-02T09:00:00Z"}},
		{name: "every 2 weeks asked mid-cycle", expr: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0", zone: "UTC",
			start: "2026-01-05T09:00:00Z", after: "2026-01-06T00:00:00Z",
			want: []string{"2026-01-19T09:00:00Z"}},
		// RFC 5545 section 3.8.5.3: the two examples that show what WKST changes.
		{name: "RFC example WKST=MO", expr: "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO", zone: "America/New_York",
			start: "1997-08-05T09:00:00-04:00", after: "1997-08-01T00:00:00-04:00",
			want: []string{"1997-08-05T09:00:00-04:00", "1997-08-10T09:00:00-04:00", "1997-08-19T09:00:00-04:00", "1997-08-24T09:00:00-04:00", ""}},
		{name: "RFC example WKST=SU", expr: "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU", zone: "America/New_York",
			start: "1997-08-05T09:00:00-04:00", after: "1997-08-01T00:00:00-04:00",
			want: []string{"1997-08-05T09:00:00-04:00", "1997-08-17T09:00:00-04:00", "1997-08-19T09:00:00-04:00", "1997-08-31T09:00:00-04:00", ""}},
		{name: "monthly on the last Friday", expr: "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=22;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-30T22:00:00Z", "2026-02-27T22:00:00Z", "2026-03-27T22:00:00Z", "2026-04-24T22:00:00Z"}},
		{name: "monthly on the first Sunday", expr: "FREQ=MONTHLY;BYDAY=1SU;BYHOUR=2;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-04T02:00:00Z", "2026-02-01T02:00:00Z", "2026-03-01T02:00:00Z", "2026-04-05T02:00:00Z"}},
		{name: "monthly on the 31st skips short months", expr: "FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=3;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-31T03:00:00Z", "2026-03-31T03:00:00Z", "2026-05-31T03:00:00Z", "2026-07-31T03:00:00Z", "2026-08-31T03:00:00Z", "2026-10-31T03:00:00Z"}},
		{name: "monthly from a DTSTART on the 31st", expr: "FREQ=MONTHLY", zone: "UTC",
			start: "2026-01-31T03:00:00Z", after: "2026-01-31T03:00:00Z",
			want: []string{"2026-03-31T03:00:00Z", "2026-05-31T03:00:00Z"}},
		{name: "monthly on the last day", expr: "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=23;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-31T23:00:00Z", "2026-02-28T23:00:00Z", "2026-03-31T23:00:00Z", "2026-04-30T23:00:00Z"}},
		{name: "last day of a leap February", expr: "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=23;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2028-02-01T00:00:00Z",
			want: []string{"2028-02-29T23:00:00Z", "2028-03-31T23:00:00Z"}},
		{name: "Friday the 13th", expr: "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;BYHOUR=0;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-02-13T00:00:00Z", "2026-03-13T00:00:00Z", "2026-11-13T00:00:00Z"}},
		{name: "COUNT=3 then nothing", expr: "FREQ=DAILY;COUNT=3;BYHOUR=4;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2025-12-01T00:00:00Z",
			want: []string{"2026-01-01T04:00:00Z", "2026-01-02T04:00:00Z", "2026-01-03T04:00:00Z", ""}},
		{name: "COUNT=3 asked long after", expr: "FREQ=DAILY;COUNT=3;BYHOUR=4;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-06-01T00:00:00Z",
			want: []string{""}},
		{name: "COUNT counts from DTSTART", expr: "FREQ=DAILY;COUNT=3;BYHOUR=4;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T05:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-02T04:00:00Z", "2026-01-03T04:00:00Z", "2026-01-04T04:00:00Z", ""}},
		{name: "UNTIL is inclusive", expr: "FREQ=DAILY;BYHOUR=4;BYMINUTE=0;UNTIL=20260103T040000Z", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-01T04:00:00Z", "2026-01-02T04:00:00Z", "2026-01-03T04:00:00Z", ""}},
		{name: "UNTIL a date covers that day", expr: "FREQ=DAILY;BYHOUR=4;BYMINUTE=0;UNTIL=20260102", zone: "Europe/Paris",
			start: "2026-01-01T00:00:00+01:00", after: "2026-01-01T00:00:00+01:00",
			want: []string{"2026-01-01T04:00:00+01:00", "2026-01-02T04:00:00+01:00", ""}},
		{name: "UNTIL in local time", expr: "FREQ=DAILY;BYHOUR=4;BYMINUTE=0;UNTIL=20260102T035959", zone: "Europe/Paris",
			start: "2026-01-01T00:00:00+01:00", after: "2026-01-01T00:00:00+01:00",
			want: []string{"2026-01-01T04:00:00+01:00", ""}},
		{name: "yearly", expr: "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15;BYHOUR=12;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-06-15T12:00:00Z", "2027-06-15T12:00:00Z", "2028-06-15T12:00:00Z"}},
		{name: "yearly from 29 February", expr: "FREQ=YEARLY", zone: "UTC",
			start: "2028-02-29T10:00:00Z", after: "2028-02-29T10:00:00Z",
			want: []string{"2032-02-29T10:00:00Z", "2036-02-29T10:00:00Z"}},
		{name: "yearly on the fourth Thursday of November", expr: "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-11-26T00:00:00Z", "2027-11-25T00:00:00Z"}},
		{name: "yearly on the first Monday of the year", expr: "FREQ=YEARLY;BYDAY=1MO;BYHOUR=8;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-05T08:00:00Z", "2027-01-04T08:00:00Z"}},
		{name: "yearly every 2 years", expr: "FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYMONTHDAY=1;BYHOUR=0;BYMINUTE=0", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-03-01T00:00:00Z", "2028-03-01T00:00:00Z", "2030-03-01T00:00:00Z"}},
		{name: "hourly with INTERVAL", expr: "FREQ=HOURLY;INTERVAL=6;BYMINUTE=15", zone: "UTC",
			start: "2026-01-01T01:00:00Z", after: "2026-01-01T00:00:00Z",
			want: []string{"2026-01-01T01:15:00Z", "2026-01-01T07:15:00Z", "2026-01-01T13:15:00Z", "2026-01-01T19:15:00Z", "2026-01-02T01:15:00Z"}},
		{name: "hourly with INTERVAL asked later", expr: "FREQ=HOURLY;INTERVAL=6;BYMINUTE=15", zone: "UTC",
			start: "2026-01-01T01:00:00Z", after: "2026-03-01T12:00:00Z",
			want: []string{"2026-03-01T13:15:00Z"}},
		{name: "hourly within office hours", expr: "FREQ=HOURLY;BYHOUR=9,10,11;BYMINUTE=0;BYDAY=MO,TU,WE,TH,FR", zone: "UTC",
			start: "2026-01-01T00:00:00Z", after: "2026-01-02T10:30:00Z",
			want: []string{"2026-01-02T11:00:00Z", "2026-01-05T09:00:00Z"}},
		{name: "hourly in Paris follows the clock in spring", expr: "FREQ=HOURLY", zone: "Europe/Paris",
			start: "2026-03-29T00:00:00+01:00", after: "2026-03-29T00:00:00+01:00",
			want: []string{"2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"}},
	})
}

func TestBetween(t *testing.T) {
	hourly, err := Parse("0 * * * *", nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	from, to := mustTime(t, "2026-01-01T00:00:00Z"), mustTime(t, "2026-01-01T05:00:00Z")
	weekly, err := Parse("FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0;COUNT=3", nil, from)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		s        Schedule
		from, to time.Time
		limit    int
		want     []string
	}{
		{"the limit stops the list", hourly, from, to, 3, []string{"2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z"}},
		{"before is included, after is not", hourly, from, to, 10, []string{"2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z", "2026-01-01T04:00:00Z", "2026-01-01T05:00:00Z"}},
		{"no limit, no list", hourly, from, to, 0, nil},
		{"an empty range", hourly, to, from, 10, nil},
		{"maintenance occurrences end with COUNT", weekly, from, from.AddDate(1, 0, 0), 10, []string{"2026-01-04T02:00:00Z", "2026-01-11T02:00:00Z", "2026-01-18T02:00:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, v := range Between(tc.s, tc.from, tc.to, tc.limit) {
				got = append(got, v.Format(time.RFC3339))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("Between = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestJitter(t *testing.T) {
	const max = time.Hour
	if a, b := Jitter("backup-db", max), Jitter("backup-db", max); a != b {
		t.Errorf("Jitter is not deterministic: %v then %v", a, b)
	}
	for _, max := range []time.Duration{0, -time.Minute} {
		if got := Jitter("backup-db", max); got != 0 {
			t.Errorf("Jitter(_, %v) = %v, want 0", max, got)
		}
	}
	if got := Jitter("backup-db", 500*time.Millisecond); got < 0 || got >= 500*time.Millisecond {
		t.Errorf("Jitter(_, 500ms) = %v, out of [0, 500ms)", got)
	}

	// Twenty jobs sharing one cron expression: all offsets differ, lie in [0, max), are whole
	// seconds, and land in every quarter of the hour.
	seen := map[time.Duration]string{}
	quarters := map[time.Duration]bool{}
	for i := range 20 {
		key := fmt.Sprintf("backup-%d", i)
		j := Jitter(key, max)
		if j < 0 || j >= max {
			t.Errorf("Jitter(%q) = %v, out of [0, %v)", key, j, max)
		}
		if j%time.Second != 0 {
			t.Errorf("Jitter(%q) = %v, not whole seconds", key, j)
		}
		if other, ok := seen[j]; ok {
			t.Errorf("Jitter(%q) = Jitter(%q) = %v", key, other, j)
		}
		seen[j] = key
		quarters[j/(max/4)] = true
	}
	if len(quarters) != 4 {
		t.Errorf("twenty keys cover %d quarters of the hour, want 4", len(quarters))
	}
}

func TestWithJitter(t *testing.T) {
	s, err := Parse("30 2 * * *", nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	j := WithJitter(s, 7*time.Minute)
	for _, tc := range []struct{ after, want string }{
		{"2026-01-10T02:35:00Z", "2026-01-10T02:37:00Z"},
		{"2026-01-10T02:37:00Z", "2026-01-11T02:37:00Z"},
	} {
		if got := j.Next(mustTime(t, tc.after)).Format(time.RFC3339); got != tc.want {
			t.Errorf("Next(%s) = %s, want %s", tc.after, got, tc.want)
		}
	}
	if WithJitter(s, 0) != s {
		t.Error("WithJitter(s, 0) should be s")
	}
}

func TestParseErrors(t *testing.T) {
	start := mustTime(t, "2026-01-01T00:00:00Z")
	for _, tc := range []struct {
		expr  string
		start time.Time
		want  string
	}{
		{"", start, "schedule: empty expression"},
		{"   ", start, "schedule: empty expression"},
		{"30 2 *", start, "cron: expected 5 fields, got 3"},
		{"0 30 2 * * *", start, "cron: expected 5 fields, got 6"},
		{"60 2 * * *", start, "cron: minute 60 out of range 0..59"},
		{"0,60 2 * * *", start, "cron: minute 60 out of range 0..59"},
		{"0 24 * * *", start, "cron: hour 24 out of range 0..23"},
		{"0 0 0 * *", start, "cron: day-of-month 0 out of range 1..31"},
		{"0 0 * 13 *", start, "cron: month 13 out of range 1..12"},
		{"0 0 * * 7", start, "cron: day-of-week 7 out of range 0..6"},
		{"x 2 * * *", start, `cron: minute field "x": "x" is not a number or a name`},
		{"0 0 * * MON-FOO", start, `cron: day-of-week field "MON-FOO": "FOO" is not a number or a name`},
		{"*/0 * * * *", start, `cron: minute field "*/0": step of range should be a positive number`},
		{"5-1 * * * *", start, `cron: minute field "5-1": beginning of range (5) beyond end of range (1)`},
		{"0 0 30 2 *", start, `cron: "0 0 30 2 *" never starts: no month has that day`},
		{"TZ=Europe/Paris 0 2 * * *", start, "cron: a TZ= prefix is not allowed; the time zone is set separately"},
		{"CRON_TZ=UTC", start, "cron: a TZ= prefix is not allowed; the time zone is set separately"},
		{"@fortnightly", start, `cron: unknown descriptor "@fortnightly" (want @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>)`},
		{"@daily 2", start, `cron: unknown descriptor "@daily 2" (want @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>)`},
		{"@every", start, `cron: @every needs one duration, like "@every 90m"`},
		{"@every abc", start, `cron: @every "abc" is not a duration like 90m or 1h30m`},
		{"@every 500ms", start, "cron: @every 500ms is shorter than one second"},
		{"@every -5m", start, "cron: @every -5m0s is shorter than one second"},

		{"FREQ=FORTNIGHTLY", start, `rrule: unknown FREQ "FORTNIGHTLY"`},
		{"FREQ=MINUTELY", start, `rrule: FREQ "MINUTELY" is not supported (want HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY)`},
		{"BYHOUR=2", start, "rrule: FREQ is required"},
		{"RRULE:", start, "rrule: FREQ is required"},
		{"FREQ=DAILY;BYHOUR=25", start, "rrule: BYHOUR 25 out of range 0..23"},
		{"FREQ=DAILY;BYHOUR=-1", start, "rrule: BYHOUR -1 out of range 0..23"},
		{"FREQ=DAILY;BYHOUR=two", start, `rrule: BYHOUR "TWO" is not a number`},
		{"FREQ=DAILY;BYMINUTE=60", start, "rrule: BYMINUTE 60 out of range 0..59"},
		{"FREQ=YEARLY;BYMONTH=13", start, "rrule: BYMONTH 13 out of range 1..12"},
		{"FREQ=MONTHLY;BYMONTHDAY=0", start, "rrule: BYMONTHDAY 0 out of range -31..-1, 1..31"},
		{"FREQ=MONTHLY;BYMONTHDAY=-32", start, "rrule: BYMONTHDAY -32 out of range -31..-1, 1..31"},
		{"FREQ=WEEKLY;BYDAY=XX", start, `rrule: BYDAY "XX" is not a weekday like SU, 1SU or -1FR`},
		{"FREQ=WEEKLY;BYDAY=US", start, `rrule: BYDAY "US" is not a weekday like SU, 1SU or -1FR`},
		{"FREQ=WEEKLY;BYDAY=1SU", start, `rrule: BYDAY "1SU": an ordinal needs FREQ=MONTHLY or FREQ=YEARLY`},
		{"FREQ=MONTHLY;BYDAY=6SU", start, `rrule: BYDAY "6SU": ordinal 6 out of range -5..-1, 1..5`},
		{"FREQ=MONTHLY;BYDAY=0SU", start, `rrule: BYDAY "0SU": ordinal 0 out of range -5..-1, 1..5`},
		{"FREQ=YEARLY;BYDAY=54MO", start, `rrule: BYDAY "54MO": ordinal 54 out of range -53..-1, 1..53`},
		{"FREQ=DAILY;INTERVAL=0", start, `rrule: INTERVAL "0" is not a positive integer`},
		{"FREQ=DAILY;COUNT=x", start, `rrule: COUNT "X" is not a positive integer`},
		{"FREQ=DAILY;COUNT=3;UNTIL=20261231T000000Z", start, "rrule: COUNT and UNTIL cannot both be given"},
		{"FREQ=DAILY;UNTIL=tomorrow", start, `rrule: UNTIL "TOMORROW" is not a date (20261231) or a date-time (20261231T235959Z)`},
		{"FREQ=DAILY;UNTIL=20251231", start, "rrule: UNTIL 20251231 is before the start 2026-01-01T00:00:00Z"},
		{"FREQ=DAILY;FREQ=WEEKLY", start, "rrule: FREQ given twice"},
		{"FREQ=DAILY;BYSETPOS=1", start, "rrule: BYSETPOS is not supported"},
		{"FREQ=DAILY;FOO=1", start, `rrule: unknown part "FOO"`},
		{"FREQ=DAILY;BYHOUR", start, `rrule: "BYHOUR" is not NAME=VALUE`},
		{"FREQ=DAILY;WKST=XX", start, `rrule: WKST "XX" is not a weekday (MO, TU, WE, TH, FR, SA or SU)`},
		{"FREQ=WEEKLY;BYMONTHDAY=1", start, "rrule: BYMONTHDAY cannot be used with FREQ=WEEKLY"},
		{"FREQ=DAILY;DTSTART=20260101T000000Z", start, "rrule: DTSTART is not part of the rule; it is the start time given separately"},
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", start, `rrule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" never occurs from the start 2026-01-01T00:00:00Z`},
		{"FREQ=DAILY", time.Time{}, "rrule: a start time (DTSTART) is required"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			s, err := Parse(tc.expr, nil, tc.start)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error %q", tc.expr, s, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("Parse(%q) error\n got %q\nwant %q", tc.expr, err, tc.want)
			}
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("Parse(%q) error has code %s, want %s", tc.expr, errs.CodeOf(err), errs.Invalid)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	for _, tc := range []struct {
		expr string
		loc  *time.Location
		want string
	}{
		{"0 2 * * *", paris, "every day at 02:00 Europe/Paris"},
		{"30 2 * * *", nil, "every day at 02:30 UTC"},
		{"0 9 * * 1-5", paris, "every weekday at 09:00 Europe/Paris"},
		{"0 9 * * MON-FRI", paris, "every weekday at 09:00 Europe/Paris"},
		{"0 8 * * 1", paris, "every Monday at 08:00 Europe/Paris"},
		{"0 8 * * sun", paris, "every Sunday at 08:00 Europe/Paris"},
		{"0 3 1 * *", paris, "every month on day 1 at 03:00 Europe/Paris"},
		{"15 * * * *", paris, "every hour at :15"},
		{"@hourly", paris, "every hour"},
		{"@daily", paris, "every day at 00:00 Europe/Paris"},
		{"@weekly", paris, "every Sunday at 00:00 Europe/Paris"},
		{"@monthly", paris, "every month on day 1 at 00:00 Europe/Paris"},
		{"@yearly", paris, "every year on 1 January at 00:00 Europe/Paris"},
		{"@every 90m", paris, "every 90m"},
		{"FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0", paris, "every Sunday at 02:00 Europe/Paris"},
		{"RRULE:FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=2;BYMINUTE=0", paris, "every Saturday and Sunday at 02:00 Europe/Paris"},
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=30", paris, "every 2 weeks on Monday, Wednesday and Friday at 09:30 Europe/Paris"},
		{"FREQ=DAILY;BYHOUR=4;BYMINUTE=0", paris, "every day at 04:00 Europe/Paris"},
		{"FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=22;BYMINUTE=0", paris, "every month on the last Friday at 22:00 Europe/Paris"},
		{"FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=23;BYMINUTE=0", paris, "every month on the last day at 23:00 Europe/Paris"},
		{"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15;BYHOUR=6;BYMINUTE=0", paris, "every 3 months on day 15 at 06:00 Europe/Paris"},
		{"FREQ=HOURLY;INTERVAL=6;BYMINUTE=15", paris, "every 6 hours at :15"},
		// Not easy to say briefly, or not valid: the expression itself.
		{"*/15 9-17 * * 1-5", paris, "*/15 9-17 * * 1-5"},
		{"FREQ=WEEKLY;BYDAY=SU", paris, "FREQ=WEEKLY;BYDAY=SU"},
		{"FREQ=DAILY;COUNT=3;BYHOUR=4;BYMINUTE=0", paris, "FREQ=DAILY;COUNT=3;BYHOUR=4;BYMINUTE=0"},
		{"61 2 * * *", paris, "61 2 * * *"},
		{"FREQ=FORTNIGHTLY", paris, "FREQ=FORTNIGHTLY"},
	} {
		if got := Describe(tc.expr, tc.loc); got != tc.want {
			t.Errorf("Describe(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}

// TestStartIsTruncatedToSeconds checks that DTSTART counts in whole seconds, as RFC 5545 writes
// it, so a start taken from a clock reading does not push its own first occurrence away.
func TestStartIsTruncatedToSeconds(t *testing.T) {
	s, err := Parse("FREQ=DAILY", nil, mustTime(t, "2026-01-01T04:00:00.75Z"))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Next(mustTime(t, "2026-01-01T00:00:00Z")).Format(time.RFC3339Nano); got != "2026-01-01T04:00:00Z" {
		t.Errorf("Next = %s, want 2026-01-01T04:00:00Z", got)
	}
}
