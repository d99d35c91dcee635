package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"vigie/internal/auth"
	"vigie/internal/errs"
	"vigie/internal/store"
)

// apiHandler is an API endpoint; a returned error becomes the JSON error answer.
type apiHandler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) serveAPI(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// maxBody bounds API request bodies.
const maxBody = 1 << 20

// decodeJSON reads a JSON body strictly: unknown fields and trailing data are errors.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return errs.E(errs.Invalid, "request body is empty; send a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return errs.E(errs.Invalid, "request body is not valid JSON: it ends too early")
		case errors.As(err, &syn):
			return errs.E(errs.Invalid, "request body is not valid JSON at byte %d", syn.Offset)
		case errors.As(err, &typ):
			return errs.E(errs.Invalid, "field %q must be a %s, got %s", typ.Field, typ.Type, typ.Value)
		}
		return errs.E(errs.Invalid, "request body: %s", err.Error())
	}
	if dec.More() {
		return errs.E(errs.Invalid, "request body has data after the JSON object")
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is ready when the store answers and has every migration this binary knows.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Health.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "store unreachable"})
		return
	}
	ms, err := s.Health.MigrationStatus(ctx)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "cannot read migrations"})
		return
	}
	if n := store.Pending(ms); n > 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": fmt.Sprintf("%d migrations pending", n)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.Gatherer, promhttp.HandlerOpts{ErrorLog: nil})
}

type migrationJSON struct {
	Version   int        `json:"version"`
	Name      string     `json:"name"`
	AppliedAt *time.Time `json:"applied_at"`
}

type healthJSON struct {
	Version    string          `json:"version"`
	Commit     string          `json:"commit"`
	StartedAt  time.Time       `json:"started_at"`
	Store      storeHealthJSON `json:"store"`
	Migrations []migrationJSON `json:"migrations"`
	LastReload *reloadJSON     `json:"last_reload,omitempty"`
}

type storeHealthJSON struct {
	Driver    string  `json:"driver"`
	Reachable bool    `json:"reachable"`
	PingMS    float64 `json:"ping_ms"`
	Error     string  `json:"error,omitempty"`
}

type reloadJSON struct {
	At    time.Time `json:"at"`
	Error string    `json:"error,omitempty"`
}

// health gathers what the overview page and /api/v1/health show.
func (s *Server) health(ctx context.Context) healthJSON {
	h := healthJSON{Version: s.Build.Version, Commit: s.Build.Commit, StartedAt: s.StartedAt.UTC(),
		Store: storeHealthJSON{Driver: s.Health.Driver()}}
	start := time.Now()
	if err := s.Health.Ping(ctx); err != nil {
		h.Store.Error = errs.MessageOf(err)
	} else {
		h.Store.Reachable = true
		h.Store.PingMS = float64(time.Since(start).Microseconds()) / 1000
	}
	ms, err := s.Health.MigrationStatus(ctx)
	if err != nil && h.Store.Error == "" {
		h.Store.Error = err.Error()
	}
	for _, m := range ms {
		mj := migrationJSON{Version: m.Version, Name: m.Name}
		if !m.AppliedAt.IsZero() {
			at := m.AppliedAt
			mj.AppliedAt = &at
		}
		h.Migrations = append(h.Migrations, mj)
	}
	if s.LastReload != nil {
		if st := s.LastReload(); !st.At.IsZero() {
			h.LastReload = &reloadJSON{At: st.At.UTC(), Error: st.Err}
		}
	}
	return h
}

func (s *Server) apiHealth(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.health(r.Context()))
	return nil
}

func (s *Server) apiWhoami(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	out := map[string]string{"scope": string(p.scope())}
	if p.user != nil {
		out["user"] = p.user.Name
	} else {
		out["token"] = p.token.Name
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiReload(w http.ResponseWriter, r *http.Request) error {
	if s.Reload == nil {
		return errs.E(errs.Unavailable, "this server cannot reload its configuration")
	}
	if err := s.Reload(r.Context()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reloaded"})
	return nil
}

type userJSON struct {
	Name        string     `json:"name"`
	TOTP        bool       `json:"totp"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

func toUserJSON(u auth.User) userJSON {
	out := userJSON{Name: u.Name, TOTP: u.TOTPEnabled(), CreatedAt: u.CreatedAt}
	if !u.LastLoginAt.IsZero() {
		out.LastLoginAt = &u.LastLoginAt
	}
	return out
}

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.Auth.ListUsers(r.Context())
	if err != nil {
		return err
	}
	out := make([]userJSON, 0, len(users))
	for _, u := range users {
		out = append(out, toUserJSON(u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
	return nil
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	u, err := s.Auth.AddUser(r.Context(), req.Name, req.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toUserJSON(*u))
	return nil
}

func (s *Server) apiDeleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.DeleteUser(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type tokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Scope      auth.Scope `json:"scope"`
	Prefix     string     `json:"prefix"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	// Token is the secret, present only in the answer that creates it.
	Token string `json:"token,omitempty"`
}

func toTokenJSON(t auth.Token) tokenJSON {
	out := tokenJSON{ID: t.ID, Name: t.Name, Scope: t.Scope, Prefix: t.Prefix, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt}
	if !t.LastUsedAt.IsZero() {
		out.LastUsedAt = &t.LastUsedAt
	}
	if !t.RevokedAt.IsZero() {
		out.RevokedAt = &t.RevokedAt
	}
	return out
}

func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request) error {
	tokens, err := s.Auth.ListTokens(r.Context())
	if err != nil {
		return err
	}
	out := make([]tokenJSON, 0, len(tokens))
	for _, t := range tokens {
		out = append(out, toTokenJSON(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name  string `json:"name"`
		Scope string `json:"scope"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	scope, err := auth.ParseScope(req.Scope)
	if err != nil {
		return err
	}
	raw, t, err := s.Auth.CreateToken(r.Context(), req.Name, scope, principalFrom(r.Context()).name())
	if err != nil {
		return err
	}
	out := toTokenJSON(*t)
	out.Token = raw
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := tokenID(r)
	if err != nil {
		return err
	}
	t, err := s.Auth.RevokeToken(r.Context(), id, principalFrom(r.Context()).name())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTokenJSON(*t))
	return nil
}

// tokenID reads the {id} of a token route.
func tokenID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errs.E(errs.Invalid, "token id %q is not a number", r.PathValue("id"))
	}
	return id, nil
}
