package web

import (
	"strings"
	"testing"
	"time"

	"vigie/internal/monitor"
)

func TestBucketize(t *testing.T) {
	from := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	rs := []monitor.Result{
		{At: from.Add(10 * time.Minute), Duration: 10 * time.Millisecond, Status: monitor.StatusUp},
		{At: from.Add(20 * time.Minute), Duration: 30 * time.Millisecond, Status: monitor.StatusDown},
		{At: from.Add(90 * time.Minute), Duration: 5 * time.Millisecond, Status: monitor.StatusDegraded},
		{At: from.Add(-time.Minute), Status: monitor.StatusDown}, // outside: ignored
		{At: from.Add(4 * time.Hour), Status: monitor.StatusDown},
	}
	bs := bucketize(rs, from, from.Add(4*time.Hour), 4)
	if bs[0].count != 2 || bs[0].worst != monitor.StatusDown || bs[0].sum != 40*time.Millisecond || bs[0].max != 30*time.Millisecond {
		t.Errorf("first hour = %+v", bs[0])
	}
	if bs[1].count != 1 || bs[1].worst != monitor.StatusDegraded || bs[2].count != 0 || bs[3].count != 0 {
		t.Errorf("buckets = %+v", bs)
	}
}

func TestNiceCeil(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		0: 0, 830 * time.Microsecond: time.Millisecond, 1300 * time.Microsecond: 2 * time.Millisecond,
		42 * time.Millisecond: 50 * time.Millisecond, 180 * time.Millisecond: 200 * time.Millisecond,
		time.Second: time.Second, 1100 * time.Millisecond: 2 * time.Second,
	} {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestChartsSayWhatTheyShow(t *testing.T) {
	from := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	rs := []monitor.Result{
		{At: from.Add(time.Hour), Duration: 120 * time.Millisecond, Status: monitor.StatusUp},
		{At: from.Add(2 * time.Hour), Duration: 80 * time.Millisecond, Status: monitor.StatusDown},
	}
	chart := string(responseChart(rs, from, to))
	for _, want := range []string{`aria-label="response time from Nov 23 00:00 to Nov 24 00:00 UTC, peak 120 ms"`, `class="down"`, `>200 ms<`, `class="line"`} {
		if !strings.Contains(chart, want) {
			t.Errorf("chart lacks %s", want)
		}
	}
	bar := string(statusBar(rs, from, to, 24, "last day"))
	if strings.Count(bar, "<rect") != 24 || !strings.Contains(bar, "down (1 checks)") || !strings.Contains(bar, "no data (0 checks)") {
		t.Errorf("status bar: %s", bar)
	}
	// One point alone is drawn as a dot; a polyline of one point would show nothing.
	if spark := string(sparkline(rs[:1], from, to)); !strings.Contains(spark, "<circle") {
		t.Errorf("a lone point has no dot: %s", spark)
	}
	if spark := string(sparkline(nil, from, to)); !strings.Contains(spark, `aria-label="no data"`) {
		t.Errorf("empty sparkline: %s", spark)
	}
}
