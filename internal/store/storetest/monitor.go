package storetest

import (
	"testing"
	"time"

	"vigie/internal/monitor"
)

func testResults(t *testing.T, db DB) {
	s := db.Store
	var batch []monitor.Result
	for i := range 10 {
		status := monitor.StatusUp
		msg := ""
		if i%5 == 4 {
			status, msg = monitor.StatusDown, "status == 200 (got 503)"
		}
		batch = append(batch, monitor.Result{Monitor: "web", At: t0.Add(time.Duration(i) * time.Minute),
			Duration: time.Duration(i+1) * time.Millisecond, Status: status, Message: msg})
	}
	batch = append(batch, monitor.Result{Monitor: "db", At: t0, Duration: time.Second, Status: monitor.StatusDegraded})
	if err := s.InsertResults(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertResults(ctx, nil); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	got, err := s.Results(ctx, "web", t0.Add(2*time.Minute), t0.Add(5*time.Minute))
	if err != nil || len(got) != 3 {
		t.Fatalf("Results = %d rows, %v; want 3 (from inclusive, to exclusive)", len(got), err)
	}
	if !got[0].At.Equal(t0.Add(2*time.Minute)) || got[2].Status != monitor.StatusDown || got[2].Message != "status == 200 (got 503)" ||
		got[1].Duration != 4*time.Millisecond {
		t.Fatalf("Results = %+v", got)
	}
	n, err := s.DeleteResultsBefore(ctx, t0.Add(3*time.Minute))
	if err != nil || n != 4 { // web 0,1,2 and db
		t.Fatalf("DeleteResultsBefore = %d, %v; want 4", n, err)
	}
}

func testEvents(t *testing.T, db DB) {
	s := db.Store
	events := []monitor.Event{
		{Monitor: "web", At: t0, State: monitor.StateUp, Previous: monitor.StateUnknown},
		{Monitor: "web", At: t0.Add(time.Hour), State: monitor.StateDown, Previous: monitor.StateUp, Reason: "connection refused"},
		{Monitor: "db", At: t0.Add(time.Minute), State: monitor.StateUp, Previous: monitor.StateUnknown},
		// Same instant as the down event: order of insertion decides which is latest.
		{Monitor: "web", At: t0.Add(time.Hour), State: monitor.StateUp, Previous: monitor.StateDown},
	}
	for _, e := range events {
		if err := s.InsertEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Events(ctx, "web", t0, t0.Add(2*time.Hour))
	if err != nil || len(got) != 3 || got[1].Reason != "connection refused" || got[2].State != monitor.StateUp {
		t.Fatalf("Events = %+v, %v", got, err)
	}
	latest, err := s.LatestEvents(ctx)
	if err != nil || len(latest) != 2 || latest[0].Monitor != "db" || latest[1].Monitor != "web" || latest[1].State != monitor.StateUp {
		t.Fatalf("LatestEvents = %+v, %v", latest, err)
	}
	all, err := s.AllEvents(ctx, t0.Add(time.Second), t0.Add(2*time.Hour))
	if err != nil || len(all) != 3 || all[0].Monitor != "db" || all[2].State != monitor.StateUp {
		t.Fatalf("AllEvents = %+v, %v", all, err)
	}
	// At t0+30m: web was up (since t0), db up (since t0+1m); before t0 nothing was known.
	before, err := s.EventsBefore(ctx, t0.Add(30*time.Minute))
	if err != nil || len(before) != 2 || before[1].Monitor != "web" || !before[1].At.Equal(t0) {
		t.Fatalf("EventsBefore = %+v, %v", before, err)
	}
	if before, err := s.EventsBefore(ctx, t0); err != nil || len(before) != 0 {
		t.Fatalf("EventsBefore(t0) = %+v, %v", before, err)
	}
}

func testRollups(t *testing.T, db DB) {
	s := db.Store
	hour := t0.Truncate(time.Hour)
	var batch []monitor.Result
	// 20 results in the first hour: durations 1..20 ms, one down, one degraded.
	for i := range 20 {
		st := monitor.StatusUp
		switch i {
		case 3:
			st = monitor.StatusDown
		case 7:
			st = monitor.StatusDegraded
		}
		batch = append(batch, monitor.Result{Monitor: "web", At: hour.Add(time.Duration(i) * time.Minute),
			Duration: time.Duration(i+1) * time.Millisecond, Status: st})
	}
	batch = append(batch, monitor.Result{Monitor: "web", At: hour.Add(90 * time.Minute), Duration: 5 * time.Millisecond, Status: monitor.StatusUp})
	if err := s.InsertResults(ctx, batch); err != nil {
		t.Fatal(err)
	}
	n, err := s.RollupHours(ctx, hour, hour.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("RollupHours = %d, %v; want 2 hours", n, err)
	}
	// Running it again replaces rather than duplicates.
	if _, err := s.RollupHours(ctx, hour, hour.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Rollups(ctx, "web", hour, hour.Add(3*time.Hour))
	if err != nil || len(rs) != 2 {
		t.Fatalf("Rollups = %+v, %v", rs, err)
	}
	want := monitor.Rollup{Monitor: "web", Hour: hour, Count: 20, Up: 18, Degraded: 1, Down: 1,
		Min: time.Millisecond, Avg: 10500 * time.Microsecond, P50: 10 * time.Millisecond, P95: 19 * time.Millisecond, Max: 20 * time.Millisecond}
	if rs[0] != want {
		t.Fatalf("first hour = %+v\nwant %+v", rs[0], want)
	}
	if rs[1].Count != 1 || rs[1].P50 != 5*time.Millisecond || rs[1].P95 != 5*time.Millisecond {
		t.Fatalf("second hour = %+v", rs[1])
	}
	// The first hour from its rollup, then raw results: 20 runs (19 good) + 1 run.
	counts, err := s.RunCounts(ctx, hour, hour.Add(time.Hour), hour.Add(3*time.Hour))
	if err != nil || len(counts) != 1 || counts["web"] != (monitor.RunCount{Total: 21, Good: 20}) {
		t.Fatalf("RunCounts = %+v, %v; want web 21 runs, 20 good", counts, err)
	}
	// All raw (split before from): the same totals from the other table.
	counts, err = s.RunCounts(ctx, hour, hour, hour.Add(3*time.Hour))
	if err != nil || counts["web"] != (monitor.RunCount{Total: 21, Good: 20}) {
		t.Fatalf("RunCounts from raw results = %+v, %v", counts, err)
	}
	if n, err := s.DeleteRollupsBefore(ctx, hour.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("DeleteRollupsBefore = %d, %v", n, err)
	}
}
