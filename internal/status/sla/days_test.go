package sla_test

import (
	"maps"
	"math"
	"testing"
	"time"

	"vigie/internal/status/sla"
)

func TestDaysAcrossSpringDST(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	local := func(mo time.Month, d, h int) time.Time { return time.Date(2026, mo, d, h, 0, 0, 0, paris) }
	now := time.Date(2026, 4, 10, 15, 0, 0, 0, paris)
	since := local(time.January, 20, 12)

	spans := sla.Timeline(sla.Window{From: local(time.January, 1, 0), To: local(time.April, 10, 18)}, sla.Operational, []sla.Event{
		{At: local(time.January, 15, 8), Level: sla.MajorOutage}, // before since: not counted
		{At: local(time.January, 15, 9), Level: sla.Operational},
		{At: local(time.January, 20, 6), Level: sla.MajorOutage}, // half before since
		{At: local(time.January, 20, 13), Level: sla.Operational},
		{At: local(time.March, 29, 0), Level: sla.Degraded}, // 00:00-12:00 on the 23-hour day is 11 h
		{At: local(time.March, 29, 12), Level: sla.Operational},
		{At: local(time.March, 30, 10), Level: sla.PartialOutage}, // half in maintenance
		{At: local(time.March, 30, 12), Level: sla.Operational},
		{At: local(time.April, 10, 14), Level: sla.MajorOutage}, // still going at now
	})
	maintenance := []sla.Window{{From: local(time.March, 30, 11), To: local(time.March, 30, 13)}}

	days := sla.Days(now, 90, paris, since, spans, maintenance, sla.DefaultWeights())
	if len(days) != 90 {
		t.Fatalf("got %d days, want 90", len(days))
	}
	if first := days[0].Date.From; !first.Equal(local(time.January, 11, 0)) {
		t.Errorf("first day starts %v, want 2026-01-11 00:00 Paris", first)
	}
	if last := days[89].Date; !last.From.Equal(local(time.April, 10, 0)) || !last.To.Equal(local(time.April, 11, 0)) {
		t.Errorf("last day is [%v, %v), want 10 April", last.From, last.To)
	}
	for i, d := range days {
		want := 24 * time.Hour
		if d.Date.From.Equal(local(time.March, 29, 0)) {
			want = 23 * time.Hour
		}
		if d.Date.Duration() != want {
			t.Errorf("%s lasts %v, want %v", d.Date.From.Format(time.DateOnly), d.Date.Duration(), want)
		}
		if i > 0 && !days[i-1].Date.To.Equal(d.Date.From) {
			t.Errorf("%s does not start where the day before ends", d.Date.From.Format(time.DateOnly))
		}
		if noData := i < 9; d.NoData != noData { // 11 to 19 January are wholly before since
			t.Errorf("%s: NoData = %v, want %v", d.Date.From.Format(time.DateOnly), d.NoData, noData)
		}
	}

	type want struct {
		worst    sla.Level
		downtime time.Duration
		uptime   float64
		byLevel  map[sla.Level]time.Duration
	}
	checks := map[string]want{
		"2026-01-15": {uptime: 1, byLevel: map[sla.Level]time.Duration{}}, // NoData: the outage is ignored
		"2026-01-20": {worst: sla.MajorOutage, downtime: time.Hour, uptime: 11.0 / 12, byLevel: map[sla.Level]time.Duration{sla.MajorOutage: time.Hour}},
		"2026-02-10": {uptime: 1, byLevel: map[sla.Level]time.Duration{}},
		"2026-03-29": {worst: sla.Degraded, uptime: 1, byLevel: map[sla.Level]time.Duration{sla.Degraded: 11 * time.Hour}},
		"2026-03-30": {worst: sla.PartialOutage, downtime: time.Hour, uptime: 21.0 / 22, byLevel: map[sla.Level]time.Duration{sla.PartialOutage: time.Hour}},
		"2026-04-10": {worst: sla.MajorOutage, downtime: time.Hour, uptime: 14.0 / 15, byLevel: map[sla.Level]time.Duration{sla.MajorOutage: time.Hour}},
	}
	seen := 0
	for _, d := range days {
		w, ok := checks[d.Date.From.In(paris).Format(time.DateOnly)]
		if !ok {
			continue
		}
		seen++
		name := d.Date.From.Format(time.DateOnly)
		if d.Worst != w.worst || d.Downtime != w.downtime || math.Abs(d.Uptime-w.uptime) > 1e-12 || !maps.Equal(d.ByLevel, w.byLevel) {
			t.Errorf("%s: Worst %v, Downtime %v, Uptime %.6f, ByLevel %v\nwant        Worst %v, Downtime %v, Uptime %.6f, ByLevel %v",
				name, d.Worst, d.Downtime, d.Uptime, d.ByLevel, w.worst, w.downtime, w.uptime, w.byLevel)
		}
	}
	if seen != len(checks) {
		t.Errorf("checked %d days, want %d", seen, len(checks))
	}
}

func TestDaysAutumnDayHas25Hours(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	now := time.Date(2026, 11, 5, 8, 0, 0, 0, paris)
	days := sla.Days(now, 30, paris, time.Time{}, nil, nil, sla.DefaultWeights())
	long := 0
	for _, d := range days {
		if d.Date.Duration() == 25*time.Hour {
			long++
			if got := d.Date.From.Format(time.DateOnly); got != "2026-10-25" {
				t.Errorf("25-hour day is %s, want 2026-10-25", got)
			}
		}
		if d.NoData || d.Uptime != 1 || d.Worst != sla.Operational {
			t.Errorf("%s: NoData %v, Uptime %v, Worst %v; want data, 1, operational", d.Date.From.Format(time.DateOnly), d.NoData, d.Uptime, d.Worst)
		}
	}
	if long != 1 {
		t.Errorf("found %d days of 25 hours, want 1", long)
	}
}

func TestDaysEdges(t *testing.T) {
	midnight := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	down := []sla.Span{span(midnight.Add(-time.Hour), midnight.Add(time.Hour), sla.MajorOutage)}

	t.Run("no days", func(t *testing.T) {
		if got := sla.Days(midnight, 0, time.UTC, time.Time{}, down, nil, sla.DefaultWeights()); got != nil {
			t.Errorf("Days(n=0) = %v, want nil", got)
		}
	})
	t.Run("now at midnight counts nothing of today", func(t *testing.T) {
		days := sla.Days(midnight, 2, time.UTC, time.Time{}, down, nil, sla.DefaultWeights())
		today, yesterday := days[1], days[0]
		if today.NoData || today.Downtime != 0 || today.Uptime != 1 {
			t.Errorf("today: NoData %v, Downtime %v, Uptime %v; want data, 0, 1", today.NoData, today.Downtime, today.Uptime)
		}
		if yesterday.Downtime != time.Hour {
			t.Errorf("yesterday: Downtime %v, want 1h", yesterday.Downtime)
		}
	})
	t.Run("since in the future leaves every day without data", func(t *testing.T) {
		for _, d := range sla.Days(midnight.Add(3*time.Hour), 3, time.UTC, midnight.Add(4*time.Hour), down, nil, sla.DefaultWeights()) {
			if !d.NoData || d.Downtime != 0 {
				t.Errorf("%s: NoData %v, Downtime %v; want no data", d.Date.From.Format(time.DateOnly), d.NoData, d.Downtime)
			}
		}
	})
	t.Run("nil location is UTC", func(t *testing.T) {
		days := sla.Days(midnight.Add(time.Hour), 1, nil, time.Time{}, down, nil, sla.DefaultWeights())
		if !days[0].Date.From.Equal(midnight) || days[0].Downtime != time.Hour {
			t.Errorf("got day %v with downtime %v", days[0].Date.From, days[0].Downtime)
		}
	})
}
