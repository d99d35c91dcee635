package storetest

import (
	"reflect"
	"testing"
	"time"

	"vigie/internal/backup"
	"vigie/internal/backup/snapshot"
	"vigie/internal/errs"
)

func testBackupRuns(t *testing.T, db DB) {
	s := db.Store
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	ok := &backup.Run{Job: "web", Instance: "prod-1", Kind: backup.KindBackup, Snapshot: "20261123T020000Z-3f9a1c", StartedAt: at, Status: backup.StatusRunning}
	if err := s.StartRun(ctx, ok); err != nil || ok.ID == 0 {
		t.Fatalf("StartRun: %v", err)
	}
	ok.FinishedAt, ok.Status, ok.Bytes, ok.Size, ok.Entries = at.Add(90*time.Second), backup.StatusOK, 1<<30, 300<<20, 1234
	ok.Sources = []snapshot.SourceInfo{{Name: "files", Type: "paths", Entries: 1233, Bytes: 1 << 30, Duration: time.Minute}}
	ok.Targets = []backup.TargetResult{{Name: "near", OK: true, Kept: 7, Removed: 1, Free: 10 << 30, Total: 100 << 30}, {Name: "far", Error: "connection refused"}}
	ok.Warnings = []string{"files: socket skipped"}
	if err := s.FinishRun(ctx, ok); err != nil {
		t.Fatal(err)
	}
	drill := &backup.Run{Job: "web", Instance: "prod-1", Kind: backup.KindDrill, StartedAt: at.Add(time.Hour), Status: backup.StatusRunning}
	if err := s.StartRun(ctx, drill); err != nil {
		t.Fatal(err)
	}
	drill.Snapshot, drill.Restore, drill.Status, drill.FinishedAt = ok.Snapshot, 42*time.Second, backup.StatusOK, at.Add(time.Hour+time.Minute)
	if err := s.FinishRun(ctx, drill); err != nil {
		t.Fatal(err)
	}
	dead := &backup.Run{Job: "web", Instance: "prod-1", Kind: backup.KindBackup, StartedAt: at.Add(2 * time.Hour), Status: backup.StatusRunning}
	other := &backup.Run{Job: "db", Instance: "prod-1", Kind: backup.KindBackup, StartedAt: at, Status: backup.StatusRunning}
	for _, r := range []*backup.Run{dead, other} {
		if err := s.StartRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	if n, err := s.InterruptRuns(ctx, at.Add(3*time.Hour)); err != nil || n != 2 {
		t.Fatalf("InterruptRuns = %d, %v; want the 2 running ones", n, err)
	}
	runs, err := s.BackupRuns(ctx, "web", "", 10)
	if err != nil || len(runs) != 3 {
		t.Fatalf("BackupRuns(web) = %d runs, %v", len(runs), err)
	}
	if runs[0].ID != dead.ID || runs[0].Status != backup.StatusFailed || runs[0].Error == "" || !runs[0].FinishedAt.Equal(at.Add(3*time.Hour)) {
		t.Errorf("interrupted run = %+v", runs[0])
	}
	if runs[1].Kind != backup.KindDrill || runs[1].Restore != 42*time.Second {
		t.Errorf("drill = %+v", runs[1])
	}
	got := runs[2]
	got.Sources[0].Duration = ok.Sources[0].Duration
	if !reflect.DeepEqual(got.Targets, ok.Targets) || !reflect.DeepEqual(got.Sources, ok.Sources) || !reflect.DeepEqual(got.Warnings, ok.Warnings) ||
		got.Bytes != ok.Bytes || got.Size != ok.Size || got.Entries != ok.Entries || !got.StartedAt.Equal(at) || !got.FinishedAt.Equal(ok.FinishedAt) {
		t.Errorf("stored run = %+v\nwant %+v", got, ok)
	}
	if drills, err := s.BackupRuns(ctx, "web", backup.KindDrill, 10); err != nil || len(drills) != 1 {
		t.Errorf("drills = %+v, %v", drills, err)
	}
	if runs, err := s.BackupRuns(ctx, "web", "", 1); err != nil || len(runs) != 1 {
		t.Errorf("limit 1 gave %d runs, %v", len(runs), err)
	}
	if err := s.FinishRun(ctx, &backup.Run{ID: 999, Status: backup.StatusOK}); !errs.Is(err, errs.NotFound) {
		t.Errorf("finishing an unknown run: %v", err)
	}
}
