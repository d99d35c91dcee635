package bench

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vigie/internal/auth"
	"vigie/internal/store/storetest"
	"vigie/internal/web"
)

// BenchmarkHTTP serves requests in-process through vigie's whole stack (security headers,
// cross-origin check, request log, metrics, routing, auth) and through a bare handler that
// writes the same body: the difference is what vigie's middleware costs per request.
func BenchmarkHTTP(b *testing.B) {
	db := storetest.OpenSQLite(b)
	svc, err := auth.NewService(auth.Options{Store: db.Store, Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		b.Fatal(err)
	}
	raw, _, err := svc.CreateToken(context.Background(), "bench", auth.ScopeRead, "bench")
	if err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv, err := web.New(web.Options{Auth: svc, Health: db.Store, Registry: reg, Gatherer: reg,
		// Logging is part of the cost: a JSON line per request, written to a discarding writer.
		Logger: slog.New(slog.NewJSONHandler(discard{}, nil))})
	if err != nil {
		b.Fatal(err)
	}
	bare := http.NewServeMux()
	bare.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{\n  \"status\": \"ok\"\n}\n"))
	})

	run := func(b *testing.B, h http.Handler, path string, header map[string]string) {
		req := httptest.NewRequest("GET", path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	}
	b.Run("healthz/limit=bare-mux", func(b *testing.B) { run(b, bare, "/healthz", nil) })
	b.Run("healthz/vigie", func(b *testing.B) { run(b, srv.Handler(), "/healthz", nil) })
	// An authenticated API call adds a token lookup in SQLite.
	b.Run("api-whoami/vigie", func(b *testing.B) {
		run(b, srv.Handler(), "/api/v1/whoami", map[string]string{"Authorization": "Bearer " + raw})
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkDurableWrite compares a store write (one durable INSERT through vigie's store:
// dialect rewriting, error mapping, metrics) with the same INSERT through database/sql
// directly on the same database: the limit.
func BenchmarkDurableWrite(b *testing.B) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	backends := []struct {
		name string
		open storetest.Opener
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}}
	for _, be := range backends {
		b.Run(be.name+"/limit=database-sql", func(b *testing.B) {
			db := be.open(b)
			raw := db.Raw
			if be.name == "sqlite" {
				raw = sqliteWithStorePragmas(b, db)
			}
			query := `INSERT INTO login_failures (username, ip, at) VALUES (?, ?, ?)`
			if be.name == "postgres" {
				query = `INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3)`
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, err := raw.Exec(query, "bench", fmt.Sprint(i), at.UnixMicro()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(be.name+"/vigie-store", func(b *testing.B) {
			s := be.open(b).Store
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := s.RecordLoginFailure(ctx, "bench", fmt.Sprint(i), at); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// sqliteWithStorePragmas opens the test's SQLite file with the store's durability settings,
// so the limit pays the same fsyncs.
func sqliteWithStorePragmas(b *testing.B, db storetest.DB) *sql.DB {
	var path string
	if err := db.Raw.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		b.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	if err != nil {
		b.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	b.Cleanup(func() { raw.Close() })
	return raw
}
