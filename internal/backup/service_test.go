package backup_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"vigie/internal/backup"
	"vigie/internal/schedule"
	"vigie/internal/store/storetest"
)

type healthLog struct {
	mu sync.Mutex
	hs []backup.Health
}

func (l *healthLog) add(h backup.Health) { l.mu.Lock(); l.hs = append(l.hs, h); l.mu.Unlock() }

// last is the newest report of check, and how many reports it had.
func (l *healthLog) last(check string) (backup.Health, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out backup.Health
	n := 0
	for _, h := range l.hs {
		if h.Check == check {
			out, n = h, n+1
		}
	}
	return out, n
}

func TestServiceSchedulesWatchesAndTellsOnce(t *testing.T) {
	f := newFixture(t)
	db := storetest.OpenSQLite(t)
	f.runner.Store = db.Store
	hourly, err := schedule.Parse("@hourly", nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	f.job.Schedule, f.job.Expect = hourly, 90*time.Minute
	f.job.Targets[1].FullAt = 0.000001 // any used byte counts as nearly full
	f.job.Drill = &backup.Drill{Identities: f.ids}
	var health healthLog
	svc := backup.NewService(backup.ServiceOptions{Runner: f.runner, Store: db.Store, Clock: f.clock, Logger: f.runner.Logger,
		Jobs: func() []*backup.Job { return []*backup.Job{f.job} }, OnHealth: health.add})
	ctx := context.Background()

	// 02:00: nothing ran yet, nothing is due before 03:00; every check is reported once as it stands.
	svc.Tick(ctx)
	svc.Wait()
	if h, n := health.last("backup:web"); n != 1 || h.Down || h.Labels["job"] != "web" || h.Labels["instance"] != "prod-1" {
		t.Fatalf("first report = %+v (%d)", h, n)
	}
	if next := svc.Next("web", backup.KindBackup); !next.Equal(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("next backup at %s", next)
	}
	svc.Tick(ctx)
	if _, n := health.last("backup:web"); n != 1 {
		t.Errorf("an unchanged check was reported %d times", n)
	}

	// 03:00: the backup runs; its target "far" reports nearly full.
	f.clock.Advance(time.Hour)
	svc.Tick(ctx)
	svc.Wait()
	runs, err := db.Store.BackupRuns(ctx, "web", backup.KindBackup, 10)
	if err != nil || len(runs) != 1 || runs[0].Status != backup.StatusOK {
		t.Fatalf("runs after 03:00 = %+v, %v", runs, err)
	}
	if h, _ := health.last("backup-space:web/far"); !h.Down || !regexp.MustCompile(`^target far is \d+% full \(.* free\)$`).MatchString(h.Reason) || h.Labels["target"] != "far" {
		t.Errorf("space = %+v", h)
	}
	if _, n := health.last("backup-space:web/near"); n != 0 {
		t.Error("a target without full_at was reported")
	}

	// The schedule stops (the next runs fail to start): 90 minutes after the last success the job is overdue.
	f.job.Schedule = nil
	f.clock.Advance(89 * time.Minute)
	svc.Tick(ctx)
	if h, _ := health.last("backup:web"); h.Down {
		t.Fatalf("overdue too early: %+v", h)
	}
	f.clock.Advance(2 * time.Minute)
	svc.Tick(ctx)
	if h, _ := health.last("backup:web"); !h.Down || !strings.Contains(h.Reason, "no successful snapshot since 2026-11-23 03:00 UTC") {
		t.Errorf("overdue = %+v", h)
	}

	// A failed run is down at once with its error; a good one brings it back up.
	f.job.Pre = []backup.Hook{{Command: []string{"false"}}}
	if _, err := svc.Start(ctx, f.job, backup.KindBackup); err == nil {
		t.Fatal("a failing pre hook did not fail the run")
	}
	svc.Tick(ctx)
	if h, _ := health.last("backup:web"); !h.Down || !strings.Contains(h.Reason, "backup failed: pre hook false") {
		t.Errorf("after a failed run = %+v", h)
	}
	f.job.Pre = nil
	if _, err := svc.Start(ctx, f.job, backup.KindBackup); err != nil {
		t.Fatal(err)
	}
	svc.Tick(ctx)
	if h, _ := health.last("backup:web"); h.Down {
		t.Errorf("after a good run = %+v", h)
	}

	// Drills: a passing one is up, a failing one down.
	if run, err := svc.Start(ctx, f.job, backup.KindDrill); err != nil || run.Status != backup.StatusOK {
		t.Fatal(err)
	}
	svc.Tick(ctx)
	if h, n := health.last("drill:web"); h.Down || n != 1 {
		t.Errorf("a passing drill changed nothing, yet: %+v (%d reports)", h, n)
	}
	f.job.Drill.Identities = newFixture(t).ids
	svc.Start(ctx, f.job, backup.KindDrill)
	svc.Tick(ctx)
	if h, _ := health.last("drill:web"); !h.Down || !strings.Contains(h.Reason, "wrong key") {
		t.Errorf("failed drill = %+v", h)
	}
}

func TestServiceRunsOneRunOfAJobAtATime(t *testing.T) {
	f := newFixture(t)
	db := storetest.OpenSQLite(t)
	f.runner.Store = db.Store
	gate := filepath.Join(t.TempDir(), "go")
	f.job.Pre = []backup.Hook{{Command: []string{"sh", "-c", "while [ ! -e " + gate + " ]; do sleep 0.01; done"}}}
	svc := backup.NewService(backup.ServiceOptions{Runner: f.runner, Store: db.Store, Clock: f.clock, Logger: f.runner.Logger,
		Jobs: func() []*backup.Job { return []*backup.Job{f.job} }})
	done := make(chan error)
	go func() {
		_, err := svc.Start(context.Background(), f.job, backup.KindBackup)
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for svc.Running("web") == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := svc.Start(context.Background(), f.job, backup.KindDrill); !errors.Is(err, backup.ErrBusy) {
		t.Errorf("a second run of the same job: %v", err)
	}
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if svc.Running("web") != "" {
		t.Error("the job still counts as running")
	}
}
