package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// contentSecurityPolicy allows only vigie's own scripts, styles and images: no inline code,
// no third-party origins, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigie_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by method and route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.duration} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// statusWriter records what a handler wrote, and turns the mux's plain-text 404 and 405
// answers into vigie's JSON or HTML error pages.
type statusWriter struct {
	http.ResponseWriter
	r        *http.Request
	s        *Server
	status   int
	bytes    int
	hijacked bool // the body is ours; the handler's writes are dropped
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	// http.Error sets exactly this content type; vigie's own handlers never do.
	if (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) &&
		w.Header().Get("Content-Type") == "text/plain; charset=utf-8" {
		w.hijacked = true
		w.Header().Del("X-Content-Type-Options") // set again below
		w.s.writeRoutingError(w.ResponseWriter, w.r, code)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.hijacked {
		return len(b), nil
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) middleware(next http.Handler) http.Handler {
	// Defence in depth beside the form tokens: browsers say where a request comes from.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errCrossOrigin)
	}))
	next = csrf.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.Clock.Now()
		setSecurityHeaders(w.Header(), s.isSecure(r))
		sw := &statusWriter{ResponseWriter: w, r: r, s: s}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Logger.Error("panic serving request", "method", r.Method, "path", logPath(r),
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, errInternal)
				}
			}
			s.logRequest(r, sw, s.Clock.Now().Sub(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

func setSecurityHeaders(h http.Header, secure bool) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if secure {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// logRequest writes one line per request. The query string is never logged: later features
// put signed tokens there.
func (s *Server) logRequest(r *http.Request, sw *statusWriter, d time.Duration) {
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.metrics.requests.WithLabelValues(r.Method, route, strconv.Itoa(status)).Inc()
	s.metrics.duration.WithLabelValues(r.Method, route).Observe(d.Seconds())
	s.Logger.Info("http request", "method", r.Method, "path", logPath(r), "route", route,
		"status", status, "bytes", sw.bytes, "duration", d, "ip", s.clientIP(r))
}

// logPath is the path to write in logs: on routes whose path holds a credential (heartbeat
// tokens, acknowledgement links) the route pattern stands in for it.
func logPath(r *http.Request) string {
	if strings.Contains(r.Pattern, "{token}") {
		return r.Pattern[strings.IndexByte(r.Pattern, ' ')+1:]
	}
	return r.URL.Path
}

// clientIP is the address of whoever sent the request: the peer, or, when the peer is a
// trusted proxy, the nearest untrusted address in X-Forwarded-For.
func (s *Server) clientIP(r *http.Request) string {
	peer := peerAddr(r)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	trusted := s.Settings().TrustedProxies
	if !inPrefixes(peer, trusted) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !inPrefixes(a, trusted) {
			return a.String()
		}
	}
	return peer.String()
}

func peerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// isSecure reports whether the browser reached vigie over HTTPS, directly or through a
// trusted proxy that says so.
func (s *Server) isSecure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	peer := peerAddr(r)
	return peer.IsValid() && inPrefixes(peer, s.Settings().TrustedProxies) &&
		strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
