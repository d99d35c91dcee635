package auth_test

import (
	"context"
	"testing"
	"time"

	"vigie/internal/auth"
	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/store/storetest"
)

var ctx = context.Background()

func newService(t *testing.T) (*auth.Service, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	svc, err := auth.NewService(auth.Options{Store: storetest.OpenSQLite(t).Store, Clock: clk,
		Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return svc, clk
}

const pw = "correct horse battery"

func login(svc *auth.Service, name, password string) (string, error) {
	raw, _, err := svc.Login(ctx, auth.LoginRequest{UserName: name, Password: password, IP: "192.0.2.1"})
	return raw, err
}

func TestSetPasswordEndsSessions(t *testing.T) {
	svc, _ := newService(t)
	svc.AddUser(ctx, "alice", pw)
	raw, err := login(svc, "alice", pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPassword(ctx, "alice", "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SessionUser(ctx, raw); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("session survived a password change: %v", err)
	}
	if _, err := login(svc, "alice", pw); err != auth.ErrBadCredentials {
		t.Fatalf("old password: %v", err)
	}
	if _, err := login(svc, "alice", "a brand new passphrase"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if err := svc.SetPassword(ctx, "alice", "short"); !errs.Is(err, errs.Invalid) {
		t.Fatalf("short password: %v", err)
	}
	if err := svc.SetPassword(ctx, "nobody", pw); !errs.Is(err, errs.NotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestUsers(t *testing.T) {
	svc, _ := newService(t)
	if has, _ := svc.HasUsers(ctx); has {
		t.Fatal("fresh store has users")
	}
	if _, err := svc.AddUser(ctx, "  Alice ", pw); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddUser(ctx, "alice", pw); !errs.Is(err, errs.Conflict) {
		t.Fatalf("duplicate (after normalising): %v", err)
	}
	if err := svc.DeleteUser(ctx, "alice"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("removing the last user: %v", err)
	}
	svc.AddUser(ctx, "bob", pw)
	if err := svc.DeleteUser(ctx, "ALICE"); err != nil {
		t.Fatal(err)
	}
	users, _ := svc.ListUsers(ctx)
	if len(users) != 1 || users[0].Name != "bob" {
		t.Fatalf("users = %+v", users)
	}
}

func TestTokens(t *testing.T) {
	svc, clk := newService(t)
	raw, tok, err := svc.CreateToken(ctx, "ci", auth.ScopeWrite, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 40 || raw[:len(auth.TokenPrefix)] != auth.TokenPrefix || tok.Hash == raw || tok.Prefix != raw[:len(tok.Prefix)] {
		t.Fatalf("token %q / %+v", raw, tok)
	}
	got, err := svc.AuthenticateToken(ctx, raw)
	if err != nil || got.ID != tok.ID || got.Scope != auth.ScopeWrite || !got.LastUsedAt.Equal(clk.Now()) {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	// Use within a minute does not write again; after a minute it does.
	clk.Advance(30 * time.Second)
	got, _ = svc.AuthenticateToken(ctx, raw)
	if got.LastUsedAt.Equal(clk.Now()) {
		t.Fatal("last use rewritten within a minute")
	}
	clk.Advance(time.Minute)
	got, _ = svc.AuthenticateToken(ctx, raw)
	if !got.LastUsedAt.Equal(clk.Now()) {
		t.Fatal("last use not recorded after a minute")
	}
	for _, bad := range []string{"", "vigie_", "nope", raw + "x"} {
		if _, err := svc.AuthenticateToken(ctx, bad); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	if _, err := svc.RevokeToken(ctx, tok.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RevokeToken(ctx, tok.ID, "alice"); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if _, err := svc.AuthenticateToken(ctx, raw); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("revoked token: %v", err)
	}
	if _, _, err := svc.CreateToken(ctx, "ci", auth.ScopeRead, "alice"); err != nil {
		t.Fatalf("reusing a revoked token's name: %v", err)
	}
	if _, _, err := svc.CreateToken(ctx, "ci", auth.ScopeRead, "alice"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("two active tokens with one name: %v", err)
	}
}

func TestPruneForgetsOldFailures(t *testing.T) {
	svc, clk := newService(t)
	svc.AddUser(ctx, "alice", pw)
	for range auth.ThrottleAfter {
		login(svc, "alice", "wrong wrong wrong")
	}
	if _, err := login(svc, "alice", pw); !errs.Is(err, errs.TooManyRequests) {
		t.Fatalf("after %d failures: %v", auth.ThrottleAfter, err)
	}
	clk.Advance(auth.ThrottleWindow + time.Second)
	if err := svc.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := login(svc, "alice", pw); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
