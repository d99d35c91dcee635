package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"vigie/internal/auth"
	"vigie/internal/errs"
)

const (
	sessionCookie = "vigie_session"
	// preCookie carries the CSRF secret for forms shown before login (login, first-run setup).
	preCookie = "vigie_pre"
	// csrfField is the hidden form field; csrfHeader is its equivalent for API calls made
	// with a session cookie.
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

// principal is who is making a request: a logged-in user or an API token.
type principal struct {
	user          *auth.User
	token         *auth.Token
	sessionSecret string
}

func (p *principal) name() string {
	if p.user != nil {
		return p.user.Name
	}
	return "token:" + p.token.Name
}

// scope is what the principal may do. Users are administrators.
func (p *principal) scope() auth.Scope {
	if p.token != nil {
		return p.token.Scope
	}
	return auth.ScopeAdmin
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p *principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// authenticate finds the principal of a request: a bearer token wins over a session cookie.
func (s *Server) authenticate(r *http.Request) (*principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		kind, raw, _ := strings.Cut(h, " ")
		if !strings.EqualFold(kind, "Bearer") {
			return nil, errs.E(errs.Unauthenticated, "use an Authorization: Bearer <token> header")
		}
		t, err := s.Auth.AuthenticateToken(r.Context(), strings.TrimSpace(raw))
		if err != nil {
			return nil, err
		}
		return &principal{token: t}, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, errs.E(errs.Unauthenticated, "log in or send an API token")
	}
	u, _, err := s.Auth.SessionUser(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	return &principal{user: u, sessionSecret: c.Value}, nil
}

// requireScope guards API routes. Session-authenticated writes must carry the CSRF header,
// since a browser sends the cookie along with any request.
func (s *Server) requireScope(need auth.Scope, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if p.user != nil && !isSafeMethod(r.Method) && !auth.CheckCSRF(p.sessionSecret, r.Header.Get(csrfHeader)) {
			s.writeError(w, r, errBadCSRF)
			return
		}
		if !p.scope().Allows(need) {
			s.writeError(w, r, errs.E(errs.Forbidden, "this needs a token with scope %q; this one has %q", need, p.scope()))
			return
		}
		next.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), p)))
	})
}

// requireSession guards UI pages: a logged-in user, and a valid CSRF token on every POST.
func (s *Server) requireSession(h uiHandler) http.Handler {
	return uiHandlerFunc(s, func(w http.ResponseWriter, r *http.Request) error {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return nil
		}
		u, _, err := s.Auth.SessionUser(r.Context(), c.Value)
		if errs.Is(err, errs.Unauthenticated) {
			s.clearCookie(w, r, sessionCookie)
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return nil
		}
		if err != nil {
			return err
		}
		if !isSafeMethod(r.Method) && !auth.CheckCSRF(c.Value, r.PostFormValue(csrfField)) {
			return errBadCSRF
		}
		return h(w, r.WithContext(withPrincipal(r.Context(), &principal{user: u, sessionSecret: c.Value})))
	})
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: s.isSecure(r), SameSite: http.SameSiteStrictMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.isSecure(r), SameSite: http.SameSiteStrictMode})
}

// preSecret returns the pre-login CSRF secret, setting the cookie when there is none yet.
func (s *Server) preSecret(w http.ResponseWriter, r *http.Request) (string, error) {
	if c, err := r.Cookie(preCookie); err == nil && len(c.Value) >= 32 {
		return c.Value, nil
	}
	v, err := auth.NewCookieSecret()
	if err != nil {
		return "", err
	}
	s.setCookie(w, r, preCookie, v, 24*time.Hour)
	return v, nil
}

// checkPreCSRF validates a pre-login form.
func checkPreCSRF(r *http.Request) error {
	c, err := r.Cookie(preCookie)
	if err != nil || !auth.CheckCSRF(c.Value, r.PostFormValue(csrfField)) {
		return errBadCSRF
	}
	return nil
}
