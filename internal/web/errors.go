package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"vigie/internal/errs"
)

var (
	errInternal    = errs.E(errs.Internal, "internal error")
	errCrossOrigin = errs.E(errs.Forbidden, "cross-origin request refused")
	errBadCSRF     = errs.E(errs.Forbidden, "the form expired or did not come from this site; reload the page and try again")
)

// statusOf decides the HTTP status of a domain error.
func statusOf(code errs.Code) int {
	switch code {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.TooManyRequests:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// isAPI reports whether the client is a program that wants JSON rather than a page: it
// calls the API, or sends JSON.
func isAPI(r *http.Request) bool {
	switch r.URL.Path {
	case "/metrics", "/healthz", "/readyz":
		return true
	}
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/ping/") || wantsJSON(r)
}

// writeError answers with err: JSON for the API, an HTML page for the UI. Internal details
// are logged, never sent.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := errs.CodeOf(err)
	status := statusOf(code)
	if status >= 500 {
		s.Logger.Error("request failed", "method", r.Method, "path", logPath(r), "err", err)
	}
	if e, ok := err.(*errs.Error); ok && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds()+0.999)))
	}
	if code == errs.Unauthenticated && isAPI(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vigie"`)
	}
	if isAPI(r) {
		writeJSON(w, status, errorBody{errorDetail{Code: string(code), Message: errs.MessageOf(err)}})
		return
	}
	s.renderError(w, r, status, errs.MessageOf(err))
}

// writeRoutingError answers for the mux when no route matched the path or the method.
func (s *Server) writeRoutingError(w http.ResponseWriter, r *http.Request, status int) {
	setSecurityHeaders(w.Header(), s.isSecure(r))
	msg := "no such page: " + r.URL.Path
	code := "not_found"
	if status == http.StatusMethodNotAllowed {
		msg = r.Method + " is not allowed on " + r.URL.Path
		if allow := w.Header().Get("Allow"); allow != "" {
			msg += " (allowed: " + allow + ")"
		}
		code = "method_not_allowed"
	}
	if isAPI(r) {
		writeJSON(w, status, errorBody{errorDetail{Code: code, Message: msg}})
		return
	}
	s.renderError(w, r, status, msg)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
