package retention

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, even where the system has no zoneinfo
)

func loadLocation(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// date reads "2006-01-02 15:04" or "2006-01-02 15:04:05" as a wall time in loc.
func date(loc *time.Location, s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t
		}
	}
	panic("bad test date " + s)
}

// want maps the IDs of the snapshots to keep to their reasons; every other one is removed.
type want map[string][]string

func checkApply(t *testing.T, snaps []Snapshot, p Policy, w want) {
	t.Helper()
	got, err := Apply(snaps, p)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(got) != len(snaps) {
		t.Fatalf("%d decisions for %d snapshots", len(got), len(snaps))
	}
	kept := 0
	for i, d := range got {
		if i > 0 && d.Snapshot.Time.After(got[i-1].Snapshot.Time) {
			t.Errorf("decision %d (%s) is newer than decision %d", i, d.Snapshot.ID, i-1)
		}
		reasons, keep := w[d.Snapshot.ID]
		if d.Keep != keep || !slices.Equal(d.Reasons, reasons) {
			t.Errorf("%s (%s): keep %v %q; want keep %v %q", d.Snapshot.ID,
				d.Snapshot.Time.UTC().Format(time.DateTime), d.Keep, d.Reasons, keep, reasons)
		}
		if d.Keep {
			kept++
		}
	}
	if kept != len(w) {
		t.Errorf("kept %d snapshots; want %d", kept, len(w))
	}
}

// The worked example of restic's "Removing backup snapshots": one backup every Sunday for 12
// weeks, then forget --keep-daily 4.
func TestResticDocKeepDaily(t *testing.T) {
	var snaps []Snapshot
	for _, s := range []struct{ id, at string }{
		{"0a1f9759", "2019-09-01 11:00:00"}, {"46cfe4d5", "2019-09-08 11:00:00"},
		{"f6b1f037", "2019-09-15 11:00:00"}, {"eb430a5d", "2019-09-22 11:00:00"},
		{"8cf1cb9a", "2019-09-29 11:00:00"}, {"5d33b116", "2019-10-06 11:00:00"},
		{"b9553125", "2019-10-13 11:00:00"}, {"e1a7b58b", "2019-10-20 11:00:00"},
		{"8f8018c0", "2019-10-27 11:00:00"}, {"59403279", "2019-11-03 11:00:00"},
		{"dfee9fb4", "2019-11-10 11:00:00"}, {"e1ae2f40", "2019-11-17 11:00:00"},
	} {
		snaps = append(snaps, Snapshot{ID: s.id, Time: date(time.UTC, s.at)})
	}
	checkApply(t, snaps, Policy{Daily: 4}, want{
		"e1ae2f40": {"newest snapshot", "daily snapshot (2019-11-17)"},
		"dfee9fb4": {"daily snapshot (2019-11-10)"},
		"59403279": {"daily snapshot (2019-11-03)"},
		"8f8018c0": {"daily snapshot (2019-10-27)"},
	})
}

// restic's "forget --keep-last 1 --prune" example.
func TestResticDocKeepLast(t *testing.T) {
	snaps := []Snapshot{
		{"4bba301e", date(time.UTC, "2017-02-21 10:49:18")},
		{"8c02b94b", date(time.UTC, "2017-02-21 10:48:33")},
	}
	checkApply(t, snaps, Policy{Last: 1}, want{"4bba301e": {"newest snapshot", "last snapshot"}})
}

// restic's "one backup every day for 100 years" with --keep-daily 7 --keep-weekly 5
// --keep-monthly 12 --keep-yearly 75: 7 dailies, 4 more weeklies (the dailies hold one), 11
// more monthlies (the newest month is a daily) and 73 more yearlies (2026 is a daily and
// 2025's is December's monthly): 95 in all. The newest, 2026-11-22, is a Sunday.
func TestResticDocHundredYearsDaily(t *testing.T) {
	var snaps []Snapshot
	for d := date(time.UTC, "1926-11-23 11:00"); !d.After(date(time.UTC, "2026-11-22 11:00")); d = d.AddDate(0, 0, 1) {
		snaps = append(snaps, Snapshot{ID: d.Format(time.DateOnly), Time: d})
	}
	w := want{"2026-11-22": {"newest snapshot", "daily snapshot (2026-11-22)", "weekly snapshot (2026-W47)",
		"monthly snapshot (2026-11)", "yearly snapshot (2026)"}}
	for _, day := range []string{"2026-11-21", "2026-11-20", "2026-11-19", "2026-11-18", "2026-11-17", "2026-11-16"} {
		w[day] = []string{"daily snapshot (" + day + ")"}
	}
	w["2026-11-15"] = []string{"weekly snapshot (2026-W46)"}
	w["2026-11-08"] = []string{"weekly snapshot (2026-W45)"}
	w["2026-11-01"] = []string{"weekly snapshot (2026-W44)"}
	w["2026-10-25"] = []string{"weekly snapshot (2026-W43)"}
	for _, day := range []string{"2026-10-31", "2026-09-30", "2026-08-31", "2026-07-31", "2026-06-30",
		"2026-05-31", "2026-04-30", "2026-03-31", "2026-02-28", "2026-01-31"} {
		w[day] = []string{"monthly snapshot (" + day[:7] + ")"}
	}
	w["2025-12-31"] = []string{"monthly snapshot (2025-12)", "yearly snapshot (2025)"}
	for y := 2024; y >= 1952; y-- {
		w[fmt.Sprintf("%d-12-31", y)] = []string{fmt.Sprintf("yearly snapshot (%d)", y)}
	}
	if len(w) != 95 {
		t.Fatalf("expectation holds %d snapshots; the doc's arithmetic gives 95", len(w))
	}
	checkApply(t, snaps, Policy{Daily: 7, Weekly: 5, Monthly: 12, Yearly: 75}, w)
}

// The doc's alternative for irregular backups: --keep-within-daily 7d --keep-within-weekly 1m
// --keep-within-monthly 1y --keep-within-yearly 75y. A span is exclusive at its far end: a
// snapshot exactly 7 days (or one year) before the newest is outside it, as in restic.
func TestResticDocKeepWithinBuckets(t *testing.T) {
	snaps := []Snapshot{
		{"a", date(time.UTC, "2026-11-20 10:00")}, // Friday, week 47
		{"b", date(time.UTC, "2026-11-20 08:00")},
		{"c", date(time.UTC, "2026-11-18 10:00")},
		{"d", date(time.UTC, "2026-11-13 10:00")}, // exactly 7d before a
		{"e", date(time.UTC, "2026-11-02 10:00")}, // Monday, week 45
		{"f", date(time.UTC, "2026-10-25 10:00")}, // Sunday, week 43
		{"g", date(time.UTC, "2026-10-19 10:00")}, // Monday, week 43, before the 1m cutoff (10-20)
		{"h", date(time.UTC, "2026-09-30 10:00")},
		{"i", date(time.UTC, "2025-11-21 10:00")},
		{"j", date(time.UTC, "2025-11-20 10:00")}, // exactly 1y before a
		{"k", date(time.UTC, "2020-06-01 10:00")},
	}
	p := Policy{WithinDaily: Span{Days: 7}, WithinWeekly: Span{Months: 1}, WithinMonthly: Span{Years: 1}, WithinYearly: Span{Years: 75}}
	checkApply(t, snaps, p, want{
		"a": {"newest snapshot", "daily within 7d (2026-11-20)", "weekly within 1m (2026-W47)",
			"monthly within 1y (2026-11)", "yearly within 75y (2026)"},
		"c": {"daily within 7d (2026-11-18)"},
		"d": {"weekly within 1m (2026-W46)"},
		"e": {"weekly within 1m (2026-W45)"},
		"f": {"weekly within 1m (2026-W43)", "monthly within 1y (2026-10)"},
		"h": {"monthly within 1y (2026-09)"},
		"i": {"monthly within 1y (2025-11)", "yearly within 75y (2025)"},
		"k": {"yearly within 75y (2020)"},
	})
}

// The doc's append-only warning: with --keep-weekly 3, three snapshots slipped in a little
// after the real ones push them all out; --keep-within keeps both.
func TestResticDocAppendOnlyAttack(t *testing.T) {
	var snaps []Snapshot
	for _, day := range []string{"2026-11-08", "2026-11-15", "2026-11-22"} {
		snaps = append(snaps,
			Snapshot{"good-" + day, date(time.UTC, day+" 10:00")},
			Snapshot{"evil-" + day, date(time.UTC, day+" 10:05")})
	}
	checkApply(t, snaps, Policy{Weekly: 3}, want{
		"evil-2026-11-22": {"newest snapshot", "weekly snapshot (2026-W47)"},
		"evil-2026-11-15": {"weekly snapshot (2026-W46)"},
		"evil-2026-11-08": {"weekly snapshot (2026-W45)"},
	})
	checkApply(t, snaps, Policy{Weekly: 3, Within: Span{Days: 21}}, want{
		"evil-2026-11-22": {"newest snapshot", "within 21d of newest", "weekly snapshot (2026-W47)"},
		"good-2026-11-22": {"within 21d of newest"},
		"evil-2026-11-15": {"within 21d of newest", "weekly snapshot (2026-W46)"},
		"good-2026-11-15": {"within 21d of newest"},
		"evil-2026-11-08": {"within 21d of newest", "weekly snapshot (2026-W45)"},
		"good-2026-11-08": {"within 21d of newest"},
	})
}

// keep-daily 7 keeps the newest snapshot of the 7 newest days that have one, reaching back
// past the missing days.
func TestDailyWithGaps(t *testing.T) {
	var snaps []Snapshot
	missing := map[int]bool{29: true, 27: true, 26: true, 24: true, 20: true}
	for day := 1; day <= 30; day++ {
		if !missing[day] {
			snaps = append(snaps, Snapshot{fmt.Sprintf("11-%02d", day), time.Date(2026, 11, day, 3, 0, 0, 0, time.UTC)})
		}
	}
	snaps = append(snaps, Snapshot{"11-28-late", date(time.UTC, "2026-11-28 15:00")})
	checkApply(t, snaps, Policy{Daily: 7}, want{
		"11-30":      {"newest snapshot", "daily snapshot (2026-11-30)"},
		"11-28-late": {"daily snapshot (2026-11-28)"},
		"11-25":      {"daily snapshot (2026-11-25)"},
		"11-23":      {"daily snapshot (2026-11-23)"},
		"11-22":      {"daily snapshot (2026-11-22)"},
		"11-21":      {"daily snapshot (2026-11-21)"},
		"11-19":      {"daily snapshot (2026-11-19)"},
	})
}

// With count left at the end of the list, the oldest snapshot is kept too (restic 0.17, and
// the case of restic issue 4806: three snapshots, two in the 09:00 hour, --keep-hourly 24).
func TestOldestKeptWhileCountIsLeft(t *testing.T) {
	snaps := []Snapshot{
		{"0936", date(time.UTC, "2024-05-17 09:36:51")},
		{"0941", date(time.UTC, "2024-05-17 09:41:06")},
		{"1005", date(time.UTC, "2024-05-17 10:05:00")},
	}
	checkApply(t, snaps, Policy{Hourly: 24}, want{
		"1005": {"newest snapshot", "hourly snapshot (2024-05-17 10:00 +00:00)"},
		"0941": {"hourly snapshot (2024-05-17 09:00 +00:00)"},
		"0936": {"oldest hourly snapshot (2024-05-17 09:00 +00:00)"},
	})
	// Count used up exactly at the oldest one's bucket: no extra.
	checkApply(t, snaps, Policy{Hourly: 2}, want{
		"1005": {"newest snapshot", "hourly snapshot (2024-05-17 10:00 +00:00)"},
		"0941": {"hourly snapshot (2024-05-17 09:00 +00:00)"},
	})
	// Unlimited always has count left.
	checkApply(t, snaps, Policy{Daily: Unlimited}, want{
		"1005": {"newest snapshot", "daily snapshot (2024-05-17)"},
		"0936": {"oldest daily snapshot (2024-05-17)"},
	})
}

// Hourly backups for 400 days under the seeds' GFS policy (hourly 24, daily 7, weekly 4,
// monthly 12). The newest is Monday 2026-11-23 23:17 UTC; the oldest 2025-10-20 00:17 UTC.
func TestGFSHourlyFor400Days(t *testing.T) {
	var snaps []Snapshot
	newest := date(time.UTC, "2026-11-23 23:17")
	for i := range 400 * 24 {
		at := newest.Add(-time.Duration(i) * time.Hour)
		snaps = append(snaps, Snapshot{ID: at.UTC().Format("2006-01-02T15:04Z"), Time: at})
	}
	if first := snaps[len(snaps)-1].ID; first != "2025-10-20T00:17Z" {
		t.Fatalf("oldest snapshot %s", first)
	}
	gfs := Policy{Hourly: 24, Daily: 7, Weekly: 4, Monthly: 12}

	t.Run("UTC", func(t *testing.T) {
		// 24 hourlies (all of 23 November), 6 more dailies, 2 more weeklies, 11 more monthlies.
		w := want{}
		for h := range 23 {
			w[fmt.Sprintf("2026-11-23T%02d:17Z", h)] = []string{fmt.Sprintf("hourly snapshot (2026-11-23 %02d:00 +00:00)", h)}
		}
		w["2026-11-23T23:17Z"] = []string{"newest snapshot", "hourly snapshot (2026-11-23 23:00 +00:00)",
			"daily snapshot (2026-11-23)", "weekly snapshot (2026-W48)", "monthly snapshot (2026-11)"}
		w["2026-11-22T23:17Z"] = []string{"daily snapshot (2026-11-22)", "weekly snapshot (2026-W47)"}
		for _, day := range []string{"2026-11-21", "2026-11-20", "2026-11-19", "2026-11-18", "2026-11-17"} {
			w[day+"T23:17Z"] = []string{"daily snapshot (" + day + ")"}
		}
		w["2026-11-15T23:17Z"] = []string{"weekly snapshot (2026-W46)"}
		w["2026-11-08T23:17Z"] = []string{"weekly snapshot (2026-W45)"}
		// The monthlies are the last snapshot of each month.
		for _, day := range []string{"2026-10-31", "2026-09-30", "2026-08-31", "2026-07-31", "2026-06-30",
			"2026-05-31", "2026-04-30", "2026-03-31", "2026-02-28", "2026-01-31", "2025-12-31"} {
			w[day+"T23:17Z"] = []string{"monthly snapshot (" + day[:7] + ")"}
		}
		if len(w) != 43 {
			t.Fatalf("expectation holds %d; want 24+6+2+11 = 43", len(w))
		}
		checkApply(t, snaps, gfs, w)
	})

	t.Run("Europe/Paris", func(t *testing.T) {
		// The newest is 24 November 00:17 CET: a new local day, so the 24 hourlies hold the
		// newest and 23 November's last (23:17 CET, 22:17 UTC): 5 more dailies, not 6. Local
		// days end at 22:17 UTC in winter time and at 21:17 UTC in summer time.
		p := gfs
		p.Location = loadLocation(t, "Europe/Paris")
		w := want{}
		for h := range 22 {
			w[fmt.Sprintf("2026-11-23T%02d:17Z", h)] = []string{fmt.Sprintf("hourly snapshot (2026-11-23 %02d:00 +01:00)", h+1)}
		}
		w["2026-11-23T22:17Z"] = []string{"hourly snapshot (2026-11-23 23:00 +01:00)", "daily snapshot (2026-11-23)"}
		w["2026-11-23T23:17Z"] = []string{"newest snapshot", "hourly snapshot (2026-11-24 00:00 +01:00)",
			"daily snapshot (2026-11-24)", "weekly snapshot (2026-W48)", "monthly snapshot (2026-11)"}
		w["2026-11-22T22:17Z"] = []string{"daily snapshot (2026-11-22)", "weekly snapshot (2026-W47)"}
		for _, day := range []string{"2026-11-21", "2026-11-20", "2026-11-19", "2026-11-18"} {
			w[day+"T22:17Z"] = []string{"daily snapshot (" + day + ")"}
		}
		w["2026-11-15T22:17Z"] = []string{"weekly snapshot (2026-W46)"}
		w["2026-11-08T22:17Z"] = []string{"weekly snapshot (2026-W45)"}
		for _, m := range []struct{ day, utc string }{
			{"2026-10-31", "22:17"}, {"2026-09-30", "21:17"}, {"2026-08-31", "21:17"}, {"2026-07-31", "21:17"},
			{"2026-06-30", "21:17"}, {"2026-05-31", "21:17"}, {"2026-04-30", "21:17"}, {"2026-03-31", "21:17"},
			{"2026-02-28", "22:17"}, {"2026-01-31", "22:17"}, {"2025-12-31", "22:17"},
		} {
			w[m.day+"T"+m.utc+"Z"] = []string{"monthly snapshot (" + m.day[:7] + ")"}
		}
		if len(w) != 42 {
			t.Fatalf("expectation holds %d; want 24+5+2+11 = 42", len(w))
		}
		checkApply(t, snaps, p, w)
	})
}

func TestYearBoundariesAndISOWeeks(t *testing.T) {
	noon := func(day string) Snapshot { return Snapshot{day, date(time.UTC, day+" 12:00")} }
	auckland := loadLocation(t, "Pacific/Auckland")
	for _, tc := range []struct {
		name  string
		snaps []Snapshot
		p     Policy
		want  want
	}{{
		// 2026 has 53 ISO weeks: 28 December 2026 to 3 January 2027 is 2026-W53.
		name:  "2026-W53",
		snaps: []Snapshot{noon("2026-12-28"), noon("2026-12-31"), noon("2027-01-01"), noon("2027-01-03"), noon("2027-01-04")},
		p:     Policy{Weekly: 2, Monthly: 2, Yearly: 2},
		want: want{
			"2027-01-04": {"newest snapshot", "weekly snapshot (2027-W01)", "monthly snapshot (2027-01)", "yearly snapshot (2027)"},
			"2027-01-03": {"weekly snapshot (2026-W53)"},
			"2026-12-31": {"monthly snapshot (2026-12)", "yearly snapshot (2026)"},
		},
	}, {
		name:  "2020-W53",
		snaps: []Snapshot{noon("2020-12-31"), noon("2021-01-03"), noon("2021-01-04")},
		p:     Policy{Weekly: 2},
		want: want{
			"2021-01-04": {"newest snapshot", "weekly snapshot (2021-W01)"},
			"2021-01-03": {"weekly snapshot (2020-W53)"},
		},
	}, {
		// Monday 30 December 2019 opens 2020-W01: same week as 5 January, not the same year.
		name:  "2020-W01 starts in 2019",
		snaps: []Snapshot{noon("2019-12-29"), noon("2019-12-30"), noon("2020-01-05")},
		p:     Policy{Weekly: 2, Yearly: 2},
		want: want{
			"2020-01-05": {"newest snapshot", "weekly snapshot (2020-W01)", "yearly snapshot (2020)"},
			"2019-12-30": {"yearly snapshot (2019)"},
			"2019-12-29": {"weekly snapshot (2019-W52)"},
		},
	}, {
		// 31 December 11:30 UTC is already New Year's Day 00:30 in Auckland.
		name: "new year in Auckland",
		snaps: []Snapshot{
			{"nz-2027-01-01T00:30", date(time.UTC, "2026-12-31 11:30")},
			{"nz-2026-12-31T23:30", date(time.UTC, "2026-12-31 10:30")},
			{"nz-2026-12-31T01:00", date(time.UTC, "2026-12-30 12:00")},
		},
		p: Policy{Yearly: 2, Location: auckland},
		want: want{
			"nz-2027-01-01T00:30": {"newest snapshot", "yearly snapshot (2027)"},
			"nz-2026-12-31T23:30": {"yearly snapshot (2026)"},
		},
	}, {
		name: "same snapshots in UTC",
		snaps: []Snapshot{
			{"nz-2027-01-01T00:30", date(time.UTC, "2026-12-31 11:30")},
			{"nz-2026-12-31T23:30", date(time.UTC, "2026-12-31 10:30")},
			{"nz-2026-12-31T01:00", date(time.UTC, "2026-12-30 12:00")},
		},
		p: Policy{Yearly: 2},
		want: want{
			"nz-2027-01-01T00:30": {"newest snapshot", "yearly snapshot (2026)"},
			"nz-2026-12-31T01:00": {"oldest yearly snapshot (2026)"},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) { checkApply(t, tc.snaps, tc.p, tc.want) })
	}
}

// Days are the days of the policy's zone, whatever zone the snapshot times carry.
func TestLocalDaysDifferFromUTC(t *testing.T) {
	auckland := loadLocation(t, "Pacific/Auckland")
	la := loadLocation(t, "America/Los_Angeles")
	nz := []Snapshot{
		{"a", date(time.UTC, "2026-11-22 10:00")}, // 22 Nov 23:00 NZDT
		{"b", date(time.UTC, "2026-11-22 11:30")}, // 23 Nov 00:30 NZDT (a Monday: week 48)
		{"c", date(time.UTC, "2026-11-23 10:30").In(la)},
	}
	us := []Snapshot{
		{"d", date(time.UTC, "2026-11-23 12:00")}, // 23 Nov 04:00 PST
		{"e", date(time.UTC, "2026-11-24 05:30")}, // 23 Nov 21:30 PST
		{"f", date(time.UTC, "2026-11-24 08:30").In(auckland)},
	}
	for _, tc := range []struct {
		name  string
		snaps []Snapshot
		p     Policy
		want  want
	}{
		{"Auckland", nz, Policy{Daily: 2, Location: auckland}, want{
			"c": {"newest snapshot", "daily snapshot (2026-11-23)"},
			"a": {"daily snapshot (2026-11-22)"},
		}},
		{"Auckland in UTC", nz, Policy{Daily: 2}, want{
			"c": {"newest snapshot", "daily snapshot (2026-11-23)"},
			"b": {"daily snapshot (2026-11-22)"},
		}},
		{"Auckland weeks", nz, Policy{Weekly: 2, Location: auckland}, want{
			"c": {"newest snapshot", "weekly snapshot (2026-W48)"},
			"a": {"weekly snapshot (2026-W47)"},
		}},
		{"Los Angeles", us, Policy{Daily: 2, Location: la}, want{
			"f": {"newest snapshot", "daily snapshot (2026-11-24)"},
			"e": {"daily snapshot (2026-11-23)"},
		}},
		{"Los Angeles in UTC", us, Policy{Daily: 2}, want{
			"f": {"newest snapshot", "daily snapshot (2026-11-24)"},
			"d": {"daily snapshot (2026-11-23)"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkApply(t, tc.snaps, tc.p, tc.want) })
	}
}

func TestDaylightSaving(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	id := func(at time.Time) string { return at.UTC().Format("01-02T15:04Z") }
	every := func(from, to time.Time, step time.Duration) []Snapshot {
		var out []Snapshot
		for at := from; !at.After(to); at = at.Add(step) {
			out = append(out, Snapshot{id(at), at})
		}
		return out
	}

	t.Run("25-hour day", func(t *testing.T) {
		// Clocks go back at 03:00 CEST (01:00 UTC) on 25 October 2026; 02:00-03:00 happens
		// twice. Snapshots every 30 minutes from 24 Oct 23:30 CEST to 25 Oct 23:30 CET.
		snaps := every(date(time.UTC, "2026-10-24 21:30"), date(time.UTC, "2026-10-25 22:30"), 30*time.Minute)
		if len(snaps) != 51 {
			t.Fatalf("%d snapshots", len(snaps))
		}
		// 24 hourly buckets are 24 real hours: 03:00-23:00 CET (02-22 UTC), 02:00 CET,
		// 02:00 CEST and 01:00 CEST; 00:00 CEST is the 25th.
		w := want{}
		for h := 2; h <= 21; h++ {
			w[fmt.Sprintf("10-25T%02d:30Z", h)] = []string{fmt.Sprintf("hourly snapshot (2026-10-25 %02d:00 +01:00)", h+1)}
		}
		w["10-25T22:30Z"] = []string{"newest snapshot", "hourly snapshot (2026-10-25 23:00 +01:00)", "daily snapshot (2026-10-25)"}
		w["10-25T01:30Z"] = []string{"hourly snapshot (2026-10-25 02:00 +01:00)"}
		w["10-25T00:30Z"] = []string{"hourly snapshot (2026-10-25 02:00 +02:00)"}
		w["10-24T23:30Z"] = []string{"hourly snapshot (2026-10-25 01:00 +02:00)"}
		// 24 October's last snapshot is 23:30 CEST.
		w["10-24T21:30Z"] = []string{"daily snapshot (2026-10-24)"}
		checkApply(t, snaps, Policy{Hourly: 24, Daily: 2, Location: paris}, w)
	})

	t.Run("23-hour day", func(t *testing.T) {
		// Clocks go forward at 02:00 CET (01:00 UTC) on 29 March 2026: there is no 02:00.
		// Hourly 23 keeps the whole local day, and 28 March 23:30 CET goes.
		snaps := every(date(time.UTC, "2026-03-28 22:30"), date(time.UTC, "2026-03-29 21:30"), time.Hour)
		w := want{
			"03-28T23:30Z": {"hourly snapshot (2026-03-29 00:00 +01:00)"},
			"03-29T00:30Z": {"hourly snapshot (2026-03-29 01:00 +01:00)"},
		}
		for h := 1; h <= 20; h++ {
			w[fmt.Sprintf("03-29T%02d:30Z", h)] = []string{fmt.Sprintf("hourly snapshot (2026-03-29 %02d:00 +02:00)", h+2)}
		}
		w["03-29T21:30Z"] = []string{"newest snapshot", "hourly snapshot (2026-03-29 23:00 +02:00)"}
		checkApply(t, snaps, Policy{Hourly: 23, Location: paris}, w)
	})

	t.Run("within a day of the 25-hour day", func(t *testing.T) {
		snaps := []Snapshot{
			{"newest", date(paris, "2026-10-25 12:00")},   // 11:00 UTC
			{"24.5h", date(time.UTC, "2026-10-24 10:30")}, // 12:30 CEST the day before
			{"25h", date(time.UTC, "2026-10-24 10:00")},   // 12:00 CEST: the cutoff itself
		}
		checkApply(t, snaps, Policy{Within: Span{Days: 1}, Location: paris}, want{
			"newest": {"newest snapshot", "within 1d of newest"},
			"24.5h":  {"within 1d of newest"},
		})
		checkApply(t, snaps, Policy{Within: Span{Hours: 24}, Location: paris}, want{
			"newest": {"newest snapshot", "within 24h of newest"},
		})
		// In UTC the same day is 24 hours long.
		checkApply(t, snaps, Policy{Within: Span{Days: 1}}, want{
			"newest": {"newest snapshot", "within 1d of newest"},
		})
	})
}

func TestAllRulesTogether(t *testing.T) {
	snaps := []Snapshot{
		{"n", date(time.UTC, "2026-11-23 12:00")},
		{"m", date(time.UTC, "2026-11-23 11:00")},
		{"l", date(time.UTC, "2026-11-23 10:30")},
		{"k", date(time.UTC, "2026-11-22 09:00")},
		{"j", date(time.UTC, "2026-10-01 09:00")},
	}
	p := Policy{Last: 2, Hourly: 1, Within: Span{Hours: 2}, WithinHourly: Span{Days: 2}, Monthly: Unlimited}
	checkApply(t, snaps, p, want{
		"n": {"newest snapshot", "last snapshot", "within 2h of newest", "hourly snapshot (2026-11-23 12:00 +00:00)",
			"monthly snapshot (2026-11)", "hourly within 2d (2026-11-23 12:00 +00:00)"},
		"m": {"last snapshot", "within 2h of newest", "hourly within 2d (2026-11-23 11:00 +00:00)"},
		"l": {"within 2h of newest", "hourly within 2d (2026-11-23 10:00 +00:00)"},
		"k": {"hourly within 2d (2026-11-22 09:00 +00:00)"},
		"j": {"monthly snapshot (2026-10)"},
	})
}

func TestApplyOrderAndInput(t *testing.T) {
	snaps := []Snapshot{
		{"b", date(time.UTC, "2026-11-23 12:00")},
		{"old", date(time.UTC, "2026-11-01 12:00")},
		{"a", date(time.UTC, "2026-11-23 12:00")}, // same time as b: ID order decides
	}
	orig := slices.Clone(snaps)
	got, err := Apply(snaps, Policy{Last: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(snaps, orig) {
		t.Errorf("Apply reordered its input: %v", snaps)
	}
	var ids []string
	for _, d := range got {
		ids = append(ids, d.Snapshot.ID)
	}
	if !slices.Equal(ids, []string{"a", "b", "old"}) || !got[0].Keep || got[1].Keep || got[2].Keep {
		t.Errorf("decisions %+v; want a kept, then b and old removed", got)
	}

	keep, remove, err := Split(snaps, Policy{Last: 2})
	if err != nil || !slices.Equal(keep, []Snapshot{snaps[2], snaps[0]}) || !slices.Equal(remove, []Snapshot{snaps[1]}) {
		t.Errorf("Split = %v, %v, %v", keep, remove, err)
	}

	got, err = Apply(nil, Policy{Daily: 7})
	if err != nil || len(got) != 0 {
		t.Errorf("Apply(nil) = %v, %v", got, err)
	}
}

func TestApplyErrors(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	snaps := []Snapshot{{"a", date(time.UTC, "2026-11-23 12:00")}, {"b", date(time.UTC, "2026-11-22 12:00")}}
	for _, tc := range []struct {
		name  string
		snaps []Snapshot
		p     Policy
		is    error
		msg   string
	}{
		{"empty policy", snaps, Policy{}, ErrEmptyPolicy, ErrEmptyPolicy.Error()},
		{"a zone is no policy", snaps, Policy{Location: paris}, ErrEmptyPolicy, ErrEmptyPolicy.Error()},
		{"empty policy, no snapshots", nil, Policy{}, ErrEmptyPolicy, ErrEmptyPolicy.Error()},
		{"zero spans", snaps, Policy{Within: Span{}, WithinDaily: Span{}}, ErrEmptyPolicy, ErrEmptyPolicy.Error()},
		{"invalid counts and spans", snaps, Policy{Daily: -2, Yearly: -7, WithinWeekly: Span{Days: -1}}, ErrInvalidPolicy,
			"invalid retention policy: daily is -2; want a count ≥ 0, or -1 for unlimited; " +
				"yearly is -7; want a count ≥ 0, or -1 for unlimited; weekly within is -1d; a span cannot be negative"},
		{"duplicate ID", append(slices.Clone(snaps), Snapshot{"a", date(time.UTC, "2026-11-01 12:00")}), Policy{Last: 1},
			ErrDuplicateID, `duplicate snapshot ID: "a"`},
		{"empty ID", []Snapshot{{"", date(time.UTC, "2026-11-01 12:00")}}, Policy{Last: 1},
			ErrEmptyID, "snapshot without ID: snapshot 0 (taken 2026-11-01T12:00:00Z)"},
	} {
		got, err := Apply(tc.snaps, tc.p)
		if !errors.Is(err, tc.is) || err.Error() != tc.msg || got != nil {
			t.Errorf("%s: Apply = %v, %v; want %q", tc.name, got, err, tc.msg)
		}
		keep, remove, err := Split(tc.snaps, tc.p)
		if !errors.Is(err, tc.is) || keep != nil || remove != nil {
			t.Errorf("%s: Split = %v, %v, %v", tc.name, keep, remove, err)
		}
	}
}

func TestPolicyString(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	for _, tc := range []struct {
		p    Policy
		want string
	}{
		{Policy{Last: 3, Hourly: 24, Daily: 7, Weekly: 4, Monthly: 12, Location: paris},
			"last 3, hourly 24, daily 7, weekly 4, monthly 12 (Europe/Paris)"},
		{Policy{Yearly: Unlimited, Within: Span{Days: 7}, WithinDaily: Span{Months: 1}, WithinYearly: Span{Years: 75}},
			"yearly unlimited, within 7d, daily within 1m, yearly within 75y (UTC)"},
		{Policy{}, "empty policy (UTC)"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("String() = %q; want %q", got, tc.want)
		}
	}
}

func TestPolicyEmpty(t *testing.T) {
	for _, tc := range []struct {
		p    Policy
		want bool
	}{
		{Policy{}, true},
		{Policy{Location: time.UTC}, true},
		{Policy{Last: 1}, false},
		{Policy{Yearly: Unlimited}, false},
		{Policy{Daily: -2}, false}, // invalid, not empty
		{Policy{WithinMonthly: Span{Hours: 1}}, false},
	} {
		if got := tc.p.Empty(); got != tc.want {
			t.Errorf("%+v.Empty() = %v; want %v", tc.p, got, tc.want)
		}
	}
}
