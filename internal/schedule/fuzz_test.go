package schedule

import (
	"testing"
	"time"

	"vigie/internal/errs"
)

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"30 2 * * *", "0 9 * * 1-5", "*/15 * * * *", "0 0 1 * 1", "0,30 2 * * *", "5-1 * * * *",
		"@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@every 90m", "@every 1s", "@every",
		"TZ=UTC", "0 0 30 2 *", "0 0 29 2 *", "0 0 * * MON-FRI", "* * * * *",
		"FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0",
		"RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU",
		"FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=22;BYMINUTE=0",
		"FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;BYMONTHDAY=-1",
		"FREQ=DAILY;COUNT=3", "FREQ=DAILY;UNTIL=20260103T040000Z", "FREQ=DAILY;UNTIL=20260102",
		"FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "FREQ=YEARLY;BYDAY=-53SU",
		"FREQ=HOURLY;INTERVAL=6;BYMINUTE=15", "FREQ=HOURLY;BYHOUR=2,3;BYMINUTE=0,30",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=DAILY;BYHOUR=25", ";;=;",
	} {
		f.Add(seed, int64(1774746000)) // 29 March 2026 01:00 UTC, the Paris spring change
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	start := time.Date(2026, time.March, 1, 2, 30, 0, 0, paris)
	f.Fuzz(func(t *testing.T, expr string, afterUnix int64) {
		_ = Describe(expr, paris)
		s, err := Parse(expr, paris, start)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("Parse(%q) error %v has code %s, want %s", expr, err, errs.CodeOf(err), errs.Invalid)
			}
			return
		}
		// Keep after between 2000 and 2100 so a case stays fast to run.
		const from, span = 946684800, 100 * 365 * 24 * 3600
		after := time.Unix(from+((afterUnix%span)+span)%span, afterUnix&0x3fffffff)
		for i := range 5 {
			next := s.Next(after)
			if next.IsZero() {
				return
			}
			if !next.After(after) {
				t.Fatalf("Parse(%q): Next #%d (%s) = %s, not after it", expr, i+1, after.Format(time.RFC3339Nano), next.Format(time.RFC3339Nano))
			}
			after = next
		}
	})
}
