package store

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// Features developed side by side each take their own migration number: gaps are fine,
// a number used twice is not.
func TestLoadMigrationsAllowsGapsNotRepeats(t *testing.T) {
	ms, err := LoadMigrations(fstest.MapFS{
		"0010_subscribers.sql": {Data: []byte("SELECT 10")},
		"0001_auth.sql":        {Data: []byte("SELECT 1")},
		"0006_maintenance.sql": {Data: []byte("SELECT 6")},
		"README":               {Data: []byte("not a migration")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Name)
	}
	if strings.Join(got, " ") != "auth maintenance subscribers" {
		t.Fatalf("migrations in order %v", got)
	}
	_, err = LoadMigrations(fstest.MapFS{
		"0007_incidents.sql": {Data: []byte("SELECT 7")},
		"0007_reports.sql":   {Data: []byte("SELECT 7")},
	})
	if err == nil || !strings.Contains(err.Error(), "version 7 is also 0007_incidents") {
		t.Fatalf("a repeated version: %v", err)
	}
	if err := checkNotNewer(ms, map[int]time.Time{1: {}, 6: {}, 8: {}}); !errors.Is(err, ErrDatabaseNewer) {
		t.Fatalf("a database with migration 8, unknown here: %v", err)
	}
	if err := checkNotNewer(ms, map[int]time.Time{1: {}, 6: {}}); err != nil {
		t.Fatalf("a database behind the binary: %v", err)
	}
}
