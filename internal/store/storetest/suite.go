package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"vigie/internal/auth"
	"vigie/internal/errs"
	"vigie/internal/store"
)

// Run runs the conformance suite against the backend that open provides.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db DB)
	}{
		{"Migrations", testMigrations},
		{"NewerDatabaseRefused", testNewerDatabaseRefused},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"Tokens", testTokens},
		{"LoginFailures", testLoginFailures},
		{"ConcurrentWriters", testConcurrentWriters},
		{"TimesRoundTripExactly", testTimes},
		{"Results", testResults},
		{"Events", testEvents},
		{"Rollups", testRollups},
		{"Outbox", testOutbox},
		{"ConcurrentClaims", testConcurrentClaims},
		{"Alerts", testAlerts},
		{"Maintenances", testMaintenances},
		{"BackupRuns", testBackupRuns},
		{"Subscribers", testSubscribers},
		{"Incidents", testIncidents},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

var ctx = context.Background()

// t0 has microseconds, the precision the store keeps.
var t0 = time.Date(2026, 3, 29, 1, 30, 15, 123456000, time.UTC)

func mustUser(t *testing.T, s *store.Store, name string) *auth.User {
	t.Helper()
	u := &auth.User{Name: name, PasswordHash: "$argon2id$x", CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("got error %v (code %s), want code %s", err, errs.CodeOf(err), code)
	}
}

func testMigrations(t *testing.T, db DB) {
	n, err := db.Store.Migrate(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second Migrate applied %d (err %v), want 0", n, err)
	}
	ms, err := db.Store.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || store.Pending(ms) != 0 {
		t.Fatalf("status %+v: want all applied", ms)
	}
	for i, m := range ms {
		if i > 0 && m.Version <= ms[i-1].Version || m.Name == "" || m.AppliedAt.IsZero() {
			t.Errorf("migration %d = %+v", i, m)
		}
	}
}

func testNewerDatabaseRefused(t *testing.T, db DB) {
	ms, _ := db.Store.MigrationStatus(ctx)
	future := ms[len(ms)-1].Version + 1
	if _, err := db.Raw.Exec(fmt.Sprintf(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, 'from_the_future', 0)`, future)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.Migrate(ctx); !errors.Is(err, store.ErrDatabaseNewer) {
		t.Fatalf("Migrate on a newer database: %v, want ErrDatabaseNewer", err)
	}
	if _, err := db.Store.MigrationStatus(ctx); !errors.Is(err, store.ErrDatabaseNewer) {
		t.Fatalf("MigrationStatus on a newer database: %v, want ErrDatabaseNewer", err)
	}
}

func testUsers(t *testing.T, db DB) {
	s := db.Store
	if n, _ := s.CountUsers(ctx); n != 0 {
		t.Fatalf("new store has %d users", n)
	}
	bob := mustUser(t, s, "bob")
	alice := mustUser(t, s, "alice")
	if bob.ID == 0 || alice.ID == bob.ID {
		t.Fatalf("ids not assigned: %d %d", bob.ID, alice.ID)
	}
	wantCode(t, s.CreateUser(ctx, &auth.User{Name: "bob", PasswordHash: "x", CreatedAt: t0, UpdatedAt: t0}), errs.Conflict)

	got, err := s.UserByName(ctx, "alice")
	if err != nil || got.ID != alice.ID || !got.CreatedAt.Equal(t0) || !got.LastLoginAt.IsZero() || got.TOTPEnabled() {
		t.Fatalf("UserByName = %+v, %v", got, err)
	}
	_, err = s.UserByName(ctx, "carol")
	wantCode(t, err, errs.NotFound)
	_, err = s.UserByID(ctx, 999999)
	wantCode(t, err, errs.NotFound)

	list, err := s.ListUsers(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "alice" || list[1].Name != "bob" {
		t.Fatalf("ListUsers = %+v, %v", list, err)
	}

	later := t0.Add(time.Hour)
	if err := s.UpdateUserPassword(ctx, bob.ID, "$argon2id$new", later); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordLogin(ctx, bob.ID, later, 7); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateUserTOTP(ctx, alice.ID, "SECRET", later); err != nil {
		t.Fatal(err)
	}
	b, _ := s.UserByID(ctx, bob.ID)
	if b.PasswordHash != "$argon2id$new" || !b.UpdatedAt.Equal(later) || !b.LastLoginAt.Equal(later) || b.TOTPLastStep != 7 {
		t.Fatalf("after updates bob = %+v", b)
	}
	a, _ := s.UserByID(ctx, alice.ID)
	if a.TOTPSecret != "SECRET" || a.TOTPLastStep != 0 {
		t.Fatalf("after totp alice = %+v", a)
	}
	wantCode(t, s.UpdateUserPassword(ctx, 999999, "x", later), errs.NotFound)

	// Deleting a user takes their sessions along.
	if err := s.CreateSession(ctx, &auth.Session{IDHash: "h-bob", UserID: bob.ID, CreatedAt: t0, ExpiresAt: later, LastSeenAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.SessionByHash(ctx, "h-bob")
	wantCode(t, err, errs.NotFound)
	wantCode(t, s.DeleteUser(ctx, bob.ID), errs.NotFound)
	if n, _ := s.CountUsers(ctx); n != 1 {
		t.Fatalf("CountUsers after delete = %d", n)
	}
}

func testSessions(t *testing.T, db DB) {
	s := db.Store
	u := mustUser(t, s, "alice")
	mk := func(hash string, expires time.Time) {
		t.Helper()
		se := &auth.Session{IDHash: hash, UserID: u.ID, CreatedAt: t0, ExpiresAt: expires, LastSeenAt: t0, IP: "192.0.2.1", UserAgent: "test"}
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	mk("a", t0.Add(time.Hour))
	mk("b", t0.Add(2*time.Hour))
	mk("c", t0.Add(3*time.Hour))
	wantCode(t, s.CreateSession(ctx, &auth.Session{IDHash: "a", UserID: u.ID, CreatedAt: t0, ExpiresAt: t0, LastSeenAt: t0}), errs.Conflict)
	wantCode(t, s.CreateSession(ctx, &auth.Session{IDHash: "orphan", UserID: 999999, CreatedAt: t0, ExpiresAt: t0, LastSeenAt: t0}), errs.Internal)

	got, err := s.SessionByHash(ctx, "a")
	if err != nil || got.UserID != u.ID || got.IP != "192.0.2.1" || !got.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("SessionByHash = %+v, %v", got, err)
	}
	seen := t0.Add(30 * time.Minute)
	if err := s.TouchSession(ctx, "a", seen); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SessionByHash(ctx, "a"); !got.LastSeenAt.Equal(seen) {
		t.Fatalf("LastSeenAt = %v, want %v", got.LastSeenAt, seen)
	}
	wantCode(t, s.TouchSession(ctx, "nope", seen), errs.NotFound)

	// Expiry is inclusive: a session expiring exactly now is gone.
	n, err := s.DeleteExpiredSessions(ctx, t0.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpiredSessions = %d, %v; want 2", n, err)
	}
	if _, err := s.SessionByHash(ctx, "c"); err != nil {
		t.Fatalf("session c should survive: %v", err)
	}
	if err := s.DeleteSession(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "c"); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	mk("d", t0.Add(time.Hour))
	mk("e", t0.Add(time.Hour))
	if err := s.DeleteUserSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.SessionByHash(ctx, "d")
	wantCode(t, err, errs.NotFound)
}

func testTokens(t *testing.T, db DB) {
	s := db.Store
	mk := func(name string, at time.Time) *auth.Token {
		t.Helper()
		tok := &auth.Token{Name: name, Scope: auth.ScopeRead, Hash: "hash-" + name + at.String(), Prefix: "vigie_abc", CreatedBy: "alice", CreatedAt: at}
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatalf("create token %s: %v", name, err)
		}
		return tok
	}
	ci := mk("ci", t0)
	grafana := mk("grafana", t0.Add(time.Minute))
	err := s.CreateToken(ctx, &auth.Token{Name: "ci", Scope: auth.ScopeAdmin, Hash: "other", CreatedAt: t0})
	wantCode(t, err, errs.Conflict)
	err = s.CreateToken(ctx, &auth.Token{Name: "x", Scope: "root", Hash: "other2", CreatedAt: t0})
	if err == nil {
		t.Fatal("the database accepted an unknown scope")
	}

	got, err := s.TokenByHash(ctx, ci.Hash)
	if err != nil || got.ID != ci.ID || got.Scope != auth.ScopeRead || got.CreatedBy != "alice" || !got.Active() {
		t.Fatalf("TokenByHash = %+v, %v", got, err)
	}
	_, err = s.TokenByHash(ctx, "nope")
	wantCode(t, err, errs.NotFound)

	used := t0.Add(time.Hour)
	if err := s.TouchToken(ctx, ci.ID, used); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, ci.ID, used); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.RevokeToken(ctx, ci.ID, used), errs.NotFound)
	got, _ = s.TokenByID(ctx, ci.ID)
	if !got.LastUsedAt.Equal(used) || !got.RevokedAt.Equal(used) || got.Active() {
		t.Fatalf("after touch and revoke: %+v", got)
	}
	// The name of a revoked token may be used again.
	again := mk("ci", t0.Add(2*time.Minute))

	list, err := s.ListTokens(ctx)
	if err != nil || len(list) != 3 || list[0].ID != again.ID || list[1].ID != grafana.ID || list[2].ID != ci.ID {
		t.Fatalf("ListTokens order = %+v, %v", list, err)
	}
}

func testLoginFailures(t *testing.T, db DB) {
	s := db.Store
	for i := range 4 {
		if err := s.RecordLoginFailure(ctx, "alice", "192.0.2.1", t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordLoginFailure(ctx, "bob", "192.0.2.1", t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	st, err := s.LoginFailures(ctx, "alice", "192.0.2.1", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := auth.FailureStats{UserCount: 3, UserLast: t0.Add(3 * time.Minute), IPCount: 4, IPLast: t0.Add(10 * time.Minute)}
	if st != want {
		t.Fatalf("LoginFailures = %+v, want %+v", st, want)
	}
	st, _ = s.LoginFailures(ctx, "nobody", "198.51.100.7", t0)
	if st != (auth.FailureStats{}) {
		t.Fatalf("no failures: %+v", st)
	}
	if err := s.ClearLoginFailures(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	st, _ = s.LoginFailures(ctx, "alice", "192.0.2.1", t0)
	if st.UserCount != 0 || st.IPCount != 1 {
		t.Fatalf("after clear: %+v", st)
	}
	n, err := s.DeleteLoginFailuresBefore(ctx, t0.Add(11*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("DeleteLoginFailuresBefore = %d, %v", n, err)
	}
}

// testConcurrentWriters checks writers queue rather than fail (SQLite's single writer).
func testConcurrentWriters(t *testing.T, db DB) {
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errc := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				errc <- db.Store.RecordLoginFailure(ctx, fmt.Sprintf("u%d", w), fmt.Sprintf("ip%d", i), t0)
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for w := range writers {
		st, err := db.Store.LoginFailures(ctx, fmt.Sprintf("u%d", w), "-", t0)
		if err != nil {
			t.Fatal(err)
		}
		total += st.UserCount
	}
	if total != writers*each {
		t.Fatalf("stored %d failures, want %d", total, writers*each)
	}
}

func testTimes(t *testing.T, db DB) {
	// A time in another zone comes back as the same instant, in UTC, to the microsecond.
	zone := time.FixedZone("UTC+5:45", 5*3600+45*60)
	at := time.Date(2031, 12, 31, 23, 59, 59, 999999000, zone)
	u := &auth.User{Name: "tz", PasswordHash: "x", CreatedAt: at, UpdatedAt: at}
	if err := db.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Store.UserByID(ctx, u.ID)
	if !got.CreatedAt.Equal(at) || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt = %v, want %v in UTC", got.CreatedAt, at)
	}
}
