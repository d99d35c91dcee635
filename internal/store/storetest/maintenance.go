package storetest

import (
	"testing"
	"time"

	"vigie/internal/errs"
	"vigie/internal/status"
)

func testMaintenances(t *testing.T, db DB) {
	s := db.Store
	at := time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)
	weekly := &status.Maintenance{Page: "acme", Components: []string{"db"}, Title: "Database patching", StartsAt: at,
		EndsAt: at.Add(time.Hour), Recurrence: "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2", CreatedBy: "alice", CreatedAt: at.Add(-time.Hour)}
	once := &status.Maintenance{Page: "acme", Components: []string{"web", "api"}, Title: "Network", Body: "Switch swap",
		StartsAt: at.Add(-48 * time.Hour), EndsAt: at.Add(-47 * time.Hour), CreatedBy: "bob", CreatedAt: at.Add(-72 * time.Hour)}
	for _, m := range []*status.Maintenance{weekly, once} {
		if err := s.CreateMaintenance(ctx, m); err != nil || m.ID == 0 {
			t.Fatalf("create: %v", err)
		}
	}
	if err := s.AddMaintenanceUpdate(ctx, once.ID, status.MaintenanceUpdate{At: at.Add(-47 * time.Hour), Body: "Done, all good.", Author: "bob"}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Maintenances(ctx)
	if err != nil || len(all) != 2 || all[0].ID != once.ID || len(all[0].Updates) != 1 || all[0].Components[1] != "api" || all[1].Recurrence == "" {
		t.Fatalf("Maintenances = %+v, %v", all, err)
	}
	if err := s.CancelMaintenance(ctx, weekly.ID, at); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelMaintenance(ctx, weekly.ID, at); !errs.Is(err, errs.NotFound) {
		t.Fatalf("cancelling twice: %v", err)
	}
	got, err := s.MaintenanceByID(ctx, weekly.ID)
	if err != nil || !got.CancelledAt.Equal(at) || got.Title != "Database patching" {
		t.Fatalf("MaintenanceByID = %+v, %v", got, err)
	}
	if _, err := s.MaintenanceByID(ctx, 999); !errs.Is(err, errs.NotFound) {
		t.Fatalf("missing maintenance: %v", err)
	}
}
