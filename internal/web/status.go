package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"vigie/internal/errs"
	"vigie/internal/human"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

// Status builds status page views.
type Status interface {
	View(ctx context.Context, p *status.Page) (*status.View, error)
	// Invalidate drops cached views after a change (a maintenance announced).
	Invalidate()
}

// statusCookie holds a private page's token after it was given once in the URL.
const statusCookie = "vigie_status"

func (s *Server) statusPage(slug string) (*status.Page, error) {
	if s.StatusPages != nil && s.Status != nil {
		for _, p := range s.StatusPages() {
			if p.Slug == slug {
				return p, nil
			}
		}
	}
	return nil, errs.E(errs.NotFound, "no status page %q", slug)
}

// statusView finds the page, checks a private page's token and returns its view. A wrong or
// missing token is "not found": a private page does not admit it exists.
func (s *Server) statusView(w http.ResponseWriter, r *http.Request) (*status.View, error) {
	p, err := s.publicPage(w, r)
	if err != nil {
		return nil, err
	}
	return s.Status.View(r.Context(), p)
}

// statusCache keeps rendered answers for as long as the view they were made from: the page
// is the part of vigie most people read, at the worst moments, all at once.
type statusCache struct {
	mu      sync.Mutex
	entries map[string]cachedBody
}

type cachedBody struct {
	view        *status.View
	body, gzip  []byte
	etag, ctype string
}

func (c *statusCache) get(key string, v *status.View) (cachedBody, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e, ok && e.view == v
}

func (c *statusCache) put(key string, e cachedBody) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 1000 {
		c.entries = map[string]cachedBody{}
	}
	c.entries[key] = e
}

// serveCached answers from the cache or renders, compresses and caches.
func (s *Server) serveCached(w http.ResponseWriter, r *http.Request, v *status.View, key, ctype string, render func(*bytes.Buffer) error) error {
	e, ok := s.statusBodies.get(key, v)
	if !ok {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			return err
		}
		sum := sha256.Sum256(buf.Bytes())
		e = cachedBody{view: v, body: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:12]) + `"`, ctype: ctype}
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		zw.Write(e.body)
		zw.Close()
		e.gzip = z.Bytes()
		s.statusBodies.put(key, e)
	}
	h := w.Header()
	h.Set("Content-Type", e.ctype)
	h.Set("ETag", e.etag)
	h.Set("Vary", "Accept-Encoding")
	if v.Page.Token != "" {
		h.Set("Cache-Control", "private, no-store")
	} else {
		h.Set("Cache-Control", "public, max-age=30")
	}
	if r.Header.Get("If-None-Match") == e.etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	body := e.body
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = e.gzip
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write(body)
	return err
}

// statusCSP allows the page's logo from its own origin, and nothing else from elsewhere.
func statusCSP(p *status.Page) string {
	img := "'self' data:"
	if u, err := url.Parse(p.LogoURL); err == nil && u.Host != "" {
		img += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'none'; style-src 'self'; img-src " + img + "; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

type statusPageData struct {
	Range       string // of the response-time charts: 24h or 7d
	HasResponse bool   // some component has a response-time chart
	View        *status.View
	Banner      string
	Updated     string
	Days        int
	Rows        []statusGroupRow
	FirstDay    string
	Active      []publicIncidentRow // open incidents, newest first
	History     []monthRow          // resolved incidents by month, newest first
}

type statusGroupRow struct {
	status.GroupView
	Components []statusComponentRow
}

type statusComponentRow struct {
	status.ComponentView
	Bar     template.HTML
	HasData bool
	Uptime  string
	Month   string
	// Response is the response-time chart over the chosen range and its caption; empty for
	// components without response times.
	Response        template.HTML
	ResponseCaption string
}

// responseRanges are the spans a page's response-time charts show: ?range=24h (default) or 7d.
var responseRanges = map[string]time.Duration{"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour}

func (s *Server) publicStatusPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.statusView(w, r)
	if err != nil {
		return err
	}
	rng := r.URL.Query().Get("range")
	if rng == "" {
		rng = "24h"
	}
	span, ok := responseRanges[rng]
	if !ok {
		return errs.E(errs.Invalid, "range: want 24h or 7d, got %q", rng)
	}
	w.Header().Set("Content-Security-Policy", statusCSP(v.Page))
	return s.serveCached(w, r, v, "html:"+v.Page.Slug+":"+rng, "text/html; charset=utf-8", func(buf *bytes.Buffer) error {
		data := statusPageData{Range: rng, View: v, Banner: status.Describe(v.Overall), Days: status.Days,
			Updated: v.At.In(v.Page.Location).Format("2 Jan 2006 15:04 MST")}
		to := v.At.Truncate(time.Hour)
		for _, g := range v.Groups {
			row := statusGroupRow{GroupView: g}
			for _, c := range g.Components {
				cr := statusComponentRow{ComponentView: c, Bar: dayBars(c.Days),
					HasData: c.Since.Before(v.At), Uptime: uptimeText(c.Uptime, true), Month: uptimeText(c.Month.Uptime, true)}
				cr.Response, cr.ResponseCaption = latencyChart(c.Latency, to.Add(-span), to, rng)
				data.HasResponse = data.HasResponse || cr.Response != ""
				row.Components = append(row.Components, cr)
			}
			data.Rows = append(data.Rows, row)
		}
		if len(v.Groups) > 0 && len(v.Groups[0].Components) > 0 {
			data.FirstDay = v.Groups[0].Components[0].Days[0].Date.From.Format("2 Jan")
		}
		incs, err := s.publicIncidents(r.Context(), v.Page)
		if err != nil {
			return err
		}
		for _, inc := range unresolved(incs) {
			data.Active = append(data.Active, s.publicIncidentRow(v.Page, inc, v.At))
		}
		if s.Incidents != nil {
			data.History = s.incidentHistory(v.Page, incs, v.At)
		}
		return s.tmpl["status"].ExecuteTemplate(buf, "statuspage", data)
	})
}

func uptimeText(ratio float64, ok bool) string {
	if !ok {
		return "no data yet"
	}
	if ratio >= 1 {
		return "100%"
	}
	// Truncated, not rounded: 99.9996% must not read as 100%.
	return strconv.FormatFloat(float64(int64(ratio*1e4))/100, 'f', 2, 64) + "%"
}

// levelClass is a level's CSS class (and its Statuspage name's short form).
func levelClass(l sla.Level) string {
	switch l {
	case sla.Degraded:
		return "deg"
	case sla.PartialOutage:
		return "part"
	case sla.MajorOutage:
		return "major"
	}
	return "op"
}

// dayBars draws a component's daily bars: one path per colour keeps the SVG small, and a
// transparent rectangle with a tooltip sits on each day that had trouble.
func dayBars(days []sla.Day) template.HTML {
	const barW, gap, h = 6, 2, 34
	paths := map[string]*strings.Builder{}
	var tips strings.Builder
	for i, d := range days {
		class := levelClass(d.Worst)
		if d.NoData {
			class = "none"
		}
		b := paths[class]
		if b == nil {
			b = &strings.Builder{}
			paths[class] = b
		}
		x := i * (barW + gap)
		fmt.Fprintf(b, "M%d 0h%dv%dh-%dz", x, barW, h, barW)
		if !d.NoData && d.Downtime > 0 || d.Worst != sla.Operational {
			fmt.Fprintf(&tips, `<rect x="%d" width="%d" height="%d"><title>%s: %s</title></rect>`, x, barW+gap, h,
				d.Date.From.Format("2 Jan 2006"), downtimeText(d))
		}
	}
	var out strings.Builder
	width := len(days)*(barW+gap) - gap
	fmt.Fprintf(&out, `<svg class="days" viewBox="0 0 %d %d" preserveAspectRatio="none" role="img" aria-label="daily uptime over %d days">`, width, h, len(days))
	for _, class := range []string{"none", "op", "deg", "part", "major"} {
		if b := paths[class]; b != nil {
			fmt.Fprintf(&out, `<path class="%s" d="%s"/>`, class, b.String())
		}
	}
	fmt.Fprintf(&out, `<g class="tips">%s</g></svg>`, tips.String())
	return template.HTML(out.String())
}

func downtimeText(d sla.Day) string {
	if d.Downtime == 0 {
		if d.Worst == sla.Degraded {
			return "degraded performance, no downtime"
		}
		return "no downtime"
	}
	return strings.TrimSpace(human.Duration(d.Downtime.Round(time.Second))) + " down (" + strings.ReplaceAll(d.Worst.String(), "_", " ") + ")"
}

// hostRouter serves a status page configured with its own host name at that host's root:
// status.example.com/ is /status/{slug}/ there.
func (s *Server) hostRouter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.StatusPages != nil && !strings.HasPrefix(r.URL.Path, "/static/") && !strings.HasPrefix(r.URL.Path, "/status/") {
			host := r.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			for _, p := range s.StatusPages() {
				if p.Host != "" && strings.EqualFold(p.Host, host) {
					r2 := r.Clone(r.Context())
					r2.URL.Path = "/status/" + p.Slug + r.URL.Path
					r2.URL.RawPath = ""
					next.ServeHTTP(w, r2)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
