package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"slices"
	"time"

	"vigie/internal/errs"
	"vigie/internal/report"
	"vigie/internal/status"
)

// Reports makes SLA and weekly reports.
type Reports interface {
	SLA(ctx context.Context, p *status.Page, month report.Month) (*report.SLA, error)
	// Weekly's loc nil means the page's zone.
	Weekly(ctx context.Context, p *status.Page, week report.Week, loc *time.Location) (*report.Weekly, error)
	Now() time.Time
}

// reportPage reads ?page=: a report names one of the configured status pages. A missing or
// unknown page is a bad request (not "not found"): the URL is right, its parameter is not.
func (s *Server) reportPage(r *http.Request) (*status.Page, error) {
	var pages []*status.Page
	if s.StatusPages != nil {
		pages = s.StatusPages()
	}
	return report.FindPage(pages, r.URL.Query().Get("page"))
}

// reportMonth reads ?month=YYYY-MM; without it, the current month in the page's zone.
func (s *Server) reportMonth(r *http.Request, p *status.Page) (report.Month, error) {
	if m := r.URL.Query().Get("month"); m != "" {
		return report.ParseMonth(m)
	}
	return report.MonthOf(s.Reports.Now(), p.Location), nil
}

// reportWeek reads ?week=YYYY-Www; without it, the last whole week in the page's zone.
func (s *Server) reportWeek(r *http.Request, p *status.Page) (report.Week, error) {
	if w := r.URL.Query().Get("week"); w != "" {
		return report.ParseWeek(w)
	}
	return report.WeekOf(s.Reports.Now(), p.Location).Previous(p.Location), nil
}

func (s *Server) reportsOrUnavailable() error {
	if s.Reports == nil {
		return errs.E(errs.Unavailable, "reports are not available on this server")
	}
	return nil
}

// apiSLAReport answers GET /api/v1/reports/sla?page=&month=&format=json|csv|html.
func (s *Server) apiSLAReport(w http.ResponseWriter, r *http.Request) error {
	if err := s.reportsOrUnavailable(); err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if !slices.Contains([]string{"", "json", "csv", "html"}, format) {
		return errs.E(errs.Invalid, "format %q: want json, csv or html", format)
	}
	p, err := s.reportPage(r)
	if err != nil {
		return err
	}
	month, err := s.reportMonth(r, p)
	if err != nil {
		return err
	}
	rep, err := s.Reports.SLA(r.Context(), p, month)
	if err != nil {
		return err
	}
	name := "sla-" + p.Slug + "-" + month.String()
	switch format {
	case "csv":
		var b bytes.Buffer
		if err := rep.CSV(&b); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		_, err = w.Write(b.Bytes())
		return err
	case "html":
		b, err := rep.Printable()
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", report.PrintStyleCSP)
		w.Header().Set("Cache-Control", "no-store")
		_, err = w.Write(b)
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// reportStyles is what report pages add to the layout's style sheet.
var reportStyles = []string{"/static/report.css"}

func (s *Server) reportCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(report.CSS)
}

// reportView is what a report page shows: a form to choose the page and the period, and the
// report once both are good.
type reportView struct {
	Kind   string // "sla" or "weekly": which form and tab
	Pages  []*status.Page
	Page   *status.Page
	Period string // YYYY-MM or YYYY-Www, as the form shows it
	Header *report.Header
	Body   template.HTML
}

// reportUI answers a report page. build makes the report of page p for the period in the
// request and returns the period as text, the report's header and its body.
func (s *Server) reportUI(w http.ResponseWriter, r *http.Request, kind, title, periodKey string,
	build func(ctx context.Context, p *status.Page) (string, *report.Header, template.HTML, error)) error {
	if err := s.reportsOrUnavailable(); err != nil {
		return err
	}
	v := reportView{Kind: kind}
	if s.StatusPages != nil {
		v.Pages = s.StatusPages()
	}
	show := func(status int, msg string) error {
		t := title
		if v.Header != nil {
			t += " — " + v.Header.Page.Title + " — " + v.Header.Title
		}
		return s.render(w, r, status, "reports", page{Title: t, Nav: "reports", Styles: reportStyles, Error: msg, Data: v})
	}
	if len(v.Pages) == 0 {
		return show(http.StatusOK, "")
	}
	q := r.URL.Query()
	if q.Get("page") == "" {
		q.Set("page", v.Pages[0].Slug)
		r.URL.RawQuery = q.Encode()
	}
	v.Period = q.Get(periodKey)
	p, err := s.reportPage(r)
	if err == nil {
		v.Page = p
		v.Period, v.Header, v.Body, err = build(r.Context(), p)
	}
	switch {
	case errs.CodeOf(err) == errs.Invalid:
		v.Header = nil
		return show(http.StatusBadRequest, errs.MessageOf(err))
	case err != nil:
		return err
	}
	return show(http.StatusOK, "")
}

// slaReportPage shows a page's SLA report for a month.
func (s *Server) slaReportPage(w http.ResponseWriter, r *http.Request) error {
	return s.reportUI(w, r, "sla", "SLA report", "month", func(ctx context.Context, p *status.Page) (string, *report.Header, template.HTML, error) {
		month, err := s.reportMonth(r, p)
		if err != nil {
			return r.URL.Query().Get("month"), nil, "", err
		}
		rep, err := s.Reports.SLA(ctx, p, month)
		if err != nil {
			return month.String(), nil, "", err
		}
		body, err := rep.HTML()
		return month.String(), &rep.Header, body, err
	})
}

// weeklyReportPage shows a page's weekly report.
func (s *Server) weeklyReportPage(w http.ResponseWriter, r *http.Request) error {
	return s.reportUI(w, r, "weekly", "Weekly report", "week", func(ctx context.Context, p *status.Page) (string, *report.Header, template.HTML, error) {
		week, err := s.reportWeek(r, p)
		if err != nil {
			return r.URL.Query().Get("week"), nil, "", err
		}
		rep, err := s.Reports.Weekly(ctx, p, week, nil)
		if err != nil {
			return week.String(), nil, "", err
		}
		body, err := rep.HTML()
		return week.String(), &rep.Header, body, err
	})
}

// apiWeeklyReport answers GET /api/v1/reports/weekly?page=&week=.
func (s *Server) apiWeeklyReport(w http.ResponseWriter, r *http.Request) error {
	if err := s.reportsOrUnavailable(); err != nil {
		return err
	}
	p, err := s.reportPage(r)
	if err != nil {
		return err
	}
	week, err := s.reportWeek(r, p)
	if err != nil {
		return err
	}
	rep, err := s.Reports.Weekly(r.Context(), p, week, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
