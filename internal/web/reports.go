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

// slaReportPage shows a page's SLA report for a month, with a form to choose both.
func (s *Server) slaReportPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.reportsOrUnavailable(); err != nil {
		return err
	}
	data := struct {
		Pages  []*status.Page
		Page   *status.Page
		Month  string
		Query  string
		Body   template.HTML
		Report *report.SLA
	}{}
	if s.StatusPages != nil {
		data.Pages = s.StatusPages()
	}
	if len(data.Pages) == 0 {
		return s.render(w, r, http.StatusOK, "reports", page{Title: "SLA report", Nav: "reports", Styles: reportStyles, Data: data})
	}
	q := r.URL.Query()
	if q.Get("page") == "" {
		q.Set("page", data.Pages[0].Slug)
		r.URL.RawQuery = q.Encode()
	}
	fail := func(err error) error {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		return s.render(w, r, http.StatusBadRequest, "reports", page{Title: "SLA report", Nav: "reports", Styles: reportStyles,
			Error: errs.MessageOf(err), Data: data})
	}
	p, err := s.reportPage(r)
	if err != nil {
		return fail(err)
	}
	data.Page, data.Month = p, q.Get("month")
	month, err := s.reportMonth(r, p)
	if err != nil {
		return fail(err)
	}
	data.Month = month.String()
	rep, err := s.Reports.SLA(r.Context(), p, month)
	if err != nil {
		return fail(err)
	}
	if data.Body, err = rep.HTML(); err != nil {
		return err
	}
	data.Report = rep
	data.Query = "page=" + p.Slug + "&month=" + month.String()
	return s.render(w, r, http.StatusOK, "reports", page{Title: "SLA report — " + p.Title + " — " + month.Title(), Nav: "reports",
		Styles: reportStyles, Data: data})
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

// weeklyReportPage shows a page's weekly report, with a form to choose the page and the week.
func (s *Server) weeklyReportPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.reportsOrUnavailable(); err != nil {
		return err
	}
	data := struct {
		Pages  []*status.Page
		Page   *status.Page
		Week   string
		Body   template.HTML
		Report *report.Weekly
	}{}
	if s.StatusPages != nil {
		data.Pages = s.StatusPages()
	}
	render := func(status int, title, msg string) error {
		return s.render(w, r, status, "weekly", page{Title: title, Nav: "reports", Styles: reportStyles, Error: msg, Data: data})
	}
	if len(data.Pages) == 0 {
		return render(http.StatusOK, "Weekly report", "")
	}
	q := r.URL.Query()
	if q.Get("page") == "" {
		q.Set("page", data.Pages[0].Slug)
		r.URL.RawQuery = q.Encode()
	}
	fail := func(err error) error {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		return render(http.StatusBadRequest, "Weekly report", errs.MessageOf(err))
	}
	p, err := s.reportPage(r)
	if err != nil {
		return fail(err)
	}
	data.Page, data.Week = p, q.Get("week")
	week, err := s.reportWeek(r, p)
	if err != nil {
		return fail(err)
	}
	data.Week = week.String()
	rep, err := s.Reports.Weekly(r.Context(), p, week, nil)
	if err != nil {
		return fail(err)
	}
	if data.Body, err = rep.HTML(); err != nil {
		return err
	}
	data.Report = rep
	return render(http.StatusOK, "Weekly report — "+p.Title+" — "+rep.Title, "")
}
