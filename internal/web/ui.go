package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie/internal/auth"
	"vigie/internal/errs"
	"vigie/internal/human"
	"vigie/internal/slo"
	"vigie/internal/status/sla"
)

// uiHandler is an admin page; a returned error is rendered as an error page.
type uiHandler func(w http.ResponseWriter, r *http.Request) error

func uiHandlerFunc(s *Server, h uiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// parseTemplates builds one template set per page, each with the shared layout.
func parseTemplates(now func() time.Time) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"ms":      human.Latency,
		"percent": human.Percent,
		"window":  slo.WindowText,
		"budget":  slo.BudgetText,
		"has":     slices.Contains[[]string],
		"human":   human.Duration,
		"bytes":   human.Bytes,
		"sub":     func(a, b int) int { return a - b },
		// noticeName names what subscribers were told: "maintenance_started" is "started".
		"noticeName": func(event string) string {
			return strings.ReplaceAll(strings.TrimPrefix(event, "maintenance_"), "_", " ")
		},
		"list": func(v ...string) []string { return v },
		// Status pages: a level's class, words and mark (never colour alone).
		"levelClass": levelClass,
		"join":       strings.Join,
		"localTime":  func(t time.Time, loc *time.Location) string { return t.In(loc).Format("Mon 2 Jan 15:04 MST") },
		"localWindow": func(w sla.Window, loc *time.Location) string {
			from, to := w.From.In(loc), w.To.In(loc)
			if from.YearDay() == to.YearDay() && from.Year() == to.Year() {
				return from.Format("Mon 2 Jan 15:04") + " – " + to.Format("15:04 MST")
			}
			return from.Format("Mon 2 Jan 15:04") + " – " + to.Format("Mon 2 Jan 15:04 MST")
		},
		"levelText": sla.Level.Words,
		"levelMark": sla.Level.Mark,
		// dict passes several values to a sub-template: dict "Rows" .X "CSRF" $.CSRF.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"ago": func(t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return human.Duration(now().Sub(t)) + " ago"
		},
	}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := path.Base(p)
		if name == "layout.html" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[strings.TrimSuffix(name, ".html")] = t
	}
	return out, nil
}

// page is what every template gets.
type page struct {
	Title  string
	Styles []string // style sheets beside vigie.css
	Nav    string   // which menu entry is current
	User   *auth.User
	CSRF   string
	Error  string
	Notice string
	Data   any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) error {
	t, ok := s.tmpl[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	if pr := principalFrom(r.Context()); pr != nil {
		p.User = pr.user
		if p.CSRF == "" {
			p.CSRF = auth.CSRFToken(pr.sessionSecret)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := page{Title: http.StatusText(status), Error: msg, Data: status}
	if err := s.render(w, r, status, "error", p); err != nil {
		s.Logger.Error("render error page", "err", err)
	}
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if _, _, err := s.Auth.SessionUser(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return nil
		}
	}
	return s.renderLogin(w, r, http.StatusOK, "", "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, name, msg string) error {
	secret, err := s.preSecret(w, r)
	if err != nil {
		return err
	}
	hasUsers, err := s.Auth.HasUsers(r.Context())
	if err != nil {
		return err
	}
	data := struct {
		Name     string
		NoUsers  bool
		CanSetup bool
	}{name, !hasUsers, !hasUsers && s.isLocal(r)}
	return s.render(w, r, status, "login", page{Title: "Log in", CSRF: auth.CSRFToken(secret), Error: msg, Data: data})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := checkPreCSRF(r); err != nil {
		return s.renderLogin(w, r, http.StatusForbidden, "", errs.MessageOf(err))
	}
	name := r.PostFormValue("name")
	raw, sess, err := s.Auth.Login(r.Context(), auth.LoginRequest{
		UserName: name, Password: r.PostFormValue("password"), Code: r.PostFormValue("code"),
		IP: s.clientIP(r), UserAgent: r.UserAgent(),
	})
	if err != nil {
		code := errs.CodeOf(err)
		if code != errs.Unauthenticated && code != errs.TooManyRequests {
			return err
		}
		if e, ok := err.(*errs.Error); ok && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds()+0.999)))
		}
		return s.renderLogin(w, r, statusOf(code), name, errs.MessageOf(err))
	}
	s.setCookie(w, r, sessionCookie, raw, sess.ExpiresAt.Sub(s.Clock.Now()))
	s.clearCookie(w, r, preCookie)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.Logout(r.Context(), principalFrom(r.Context()).sessionSecret); err != nil {
		return err
	}
	s.clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// isLocal reports whether the request comes straight from this machine, not through a proxy.
// First-run setup is offered only there, so a fresh server on a public address cannot be
// claimed by a stranger.
func (s *Server) isLocal(r *http.Request) bool {
	a := peerAddr(r)
	return a.IsValid() && a.IsLoopback() && r.Header.Get("X-Forwarded-For") == ""
}

func (s *Server) setupAllowed(r *http.Request) error {
	has, err := s.Auth.HasUsers(r.Context())
	if err != nil {
		return err
	}
	if has {
		return errs.E(errs.NotFound, "setup is done: an administrator exists")
	}
	if !s.isLocal(r) {
		return errs.E(errs.Forbidden, "first-run setup only answers on this machine's loopback address; run `vigie user add NAME` instead")
	}
	return nil
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.setupAllowed(r); err != nil {
		return err
	}
	return s.renderSetup(w, r, http.StatusOK, "", "")
}

func (s *Server) renderSetup(w http.ResponseWriter, r *http.Request, status int, name, msg string) error {
	secret, err := s.preSecret(w, r)
	if err != nil {
		return err
	}
	return s.render(w, r, status, "setup", page{Title: "Set up vigie", CSRF: auth.CSRFToken(secret), Error: msg,
		Data: struct {
			Name      string
			MinLength int
		}{name, auth.MinPasswordLength}})
}

func (s *Server) setupSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := s.setupAllowed(r); err != nil {
		return err
	}
	if err := checkPreCSRF(r); err != nil {
		return err
	}
	name, pw := r.PostFormValue("name"), r.PostFormValue("password")
	if pw != r.PostFormValue("confirm") {
		return s.renderSetup(w, r, http.StatusBadRequest, name, "the two passwords differ")
	}
	if _, err := s.Auth.AddUser(r.Context(), name, pw); err != nil {
		if errs.CodeOf(err) == errs.Invalid || errs.CodeOf(err) == errs.Conflict {
			return s.renderSetup(w, r, statusOf(errs.CodeOf(err)), name, errs.MessageOf(err))
		}
		return err
	}
	return s.loginSubmit(w, r)
}

func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) error {
	data := struct {
		Health     healthJSON
		ConfigPath string
		Uptime     string
		GoVersion  string
	}{s.health(r.Context()), s.ConfigPath, human.Duration(s.Clock.Now().Sub(s.StartedAt)), s.Build.GoVersion}
	return s.render(w, r, http.StatusOK, "overview", page{Title: "Overview", Nav: "overview", Data: data})
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderUsers(w, r, http.StatusOK, "", "", "")
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, name, msg, notice string) error {
	users, err := s.Auth.ListUsers(r.Context())
	if err != nil {
		return err
	}
	data := struct {
		Users     []auth.User
		Name      string
		MinLength int
	}{users, name, auth.MinPasswordLength}
	return s.render(w, r, status, "users", page{Title: "Users", Nav: "users", Error: msg, Notice: notice, Data: data})
}

func (s *Server) usersCreate(w http.ResponseWriter, r *http.Request) error {
	name := r.PostFormValue("name")
	u, err := s.Auth.AddUser(r.Context(), name, r.PostFormValue("password"))
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Invalid || c == errs.Conflict {
			return s.renderUsers(w, r, statusOf(c), name, errs.MessageOf(err), "")
		}
		return err
	}
	return s.renderUsers(w, r, http.StatusOK, "", "", "User "+u.Name+" added.")
}

func (s *Server) usersDelete(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if err := s.Auth.DeleteUser(r.Context(), name); err != nil {
		if c := errs.CodeOf(err); c == errs.Conflict || c == errs.NotFound {
			return s.renderUsers(w, r, statusOf(c), "", errs.MessageOf(err), "")
		}
		return err
	}
	if name == principalFrom(r.Context()).user.Name {
		s.clearCookie(w, r, sessionCookie)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	return s.renderUsers(w, r, http.StatusOK, "", "", "User "+name+" removed.")
}

type tokensData struct {
	Tokens  []auth.Token
	Scopes  []auth.Scope
	Name    string
	Scope   auth.Scope
	Created *struct {
		Name, Secret string
	}
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, http.StatusOK, tokensData{Scope: auth.ScopeRead}, "", "")
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, data tokensData, msg, notice string) error {
	tokens, err := s.Auth.ListTokens(r.Context())
	if err != nil {
		return err
	}
	data.Tokens = tokens
	data.Scopes = []auth.Scope{auth.ScopeRead, auth.ScopeWrite, auth.ScopeAdmin}
	return s.render(w, r, status, "tokens", page{Title: "API tokens", Nav: "tokens", Error: msg, Notice: notice, Data: data})
}

func (s *Server) tokensCreate(w http.ResponseWriter, r *http.Request) error {
	name, scopeText := r.PostFormValue("name"), r.PostFormValue("scope")
	data := tokensData{Name: name, Scope: auth.Scope(scopeText)}
	fail := func(err error) error {
		if c := errs.CodeOf(err); c == errs.Invalid || c == errs.Conflict {
			return s.renderTokens(w, r, statusOf(c), data, errs.MessageOf(err), "")
		}
		return err
	}
	scope, err := auth.ParseScope(scopeText)
	if err != nil {
		return fail(err)
	}
	raw, t, err := s.Auth.CreateToken(r.Context(), name, scope, principalFrom(r.Context()).name())
	if err != nil {
		return fail(err)
	}
	// Shown in this answer only; the page is no-store so it does not linger in caches.
	data = tokensData{Scope: auth.ScopeRead, Created: &struct{ Name, Secret string }{t.Name, raw}}
	return s.renderTokens(w, r, http.StatusCreated, data, "", "")
}

func (s *Server) tokensRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := tokenID(r)
	if err != nil {
		return err
	}
	t, err := s.Auth.RevokeToken(r.Context(), id, principalFrom(r.Context()).name())
	if err != nil {
		return err
	}
	return s.renderTokens(w, r, http.StatusOK, tokensData{Scope: auth.ScopeRead}, "", "Token "+t.Name+" revoked.")
}
