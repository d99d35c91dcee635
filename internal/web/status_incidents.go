package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie/internal/errs"
	"vigie/internal/human"
	"vigie/internal/incident"
	"vigie/internal/markdown"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

// What status pages show of incidents comes from incident.PublicIncident only: internal
// notes, roles, alerts and the logbook are not in it, so no template or encoder here can
// leak them.

// publicIncidents lists what the page shows of its incidents, newest first.
func (s *Server) publicIncidents(ctx context.Context, p *status.Page) ([]incident.PublicIncident, error) {
	if s.Incidents == nil {
		return nil, nil
	}
	return s.Incidents.Public(ctx, p.Slug)
}

// incidentPath is an incident's page under its status page.
func incidentPath(slug string, id int64) string {
	return "/status/" + slug + "/incidents/" + strconv.FormatInt(id, 10)
}

// publicIncidentRow is an incident as the page's templates show it.
type publicIncidentRow struct {
	incident.PublicIncident
	Path       string
	Components []componentState
	Lasted     string // how long it lasted (resolved) or has lasted
	Updates    []publicUpdateRow
	Postmortem template.HTML
}

type componentState struct {
	Name  string
	Level sla.Level
}

type publicUpdateRow struct {
	incident.PublicUpdate
	Body template.HTML // paragraphs, escaped
}

func (s *Server) publicIncidentRow(p *status.Page, inc incident.PublicIncident, now time.Time) publicIncidentRow {
	names := map[string]string{}
	for _, g := range p.Groups {
		for _, c := range g.Components {
			names[c.ID] = c.Name
		}
	}
	row := publicIncidentRow{PublicIncident: inc, Path: incidentPath(p.Slug, inc.ID)}
	for _, a := range inc.Components {
		if n, ok := names[a.Component]; ok {
			row.Components = append(row.Components, componentState{n, a.Level})
		}
	}
	end := now
	if !inc.ResolvedAt.IsZero() {
		end = inc.ResolvedAt
	}
	row.Lasted = human.Duration(end.Sub(inc.StartedAt))
	for _, u := range inc.Updates {
		row.Updates = append(row.Updates, publicUpdateRow{PublicUpdate: u, Body: paragraphs(u.Body)})
	}
	if inc.Postmortem != nil {
		row.Postmortem = markdown.Render(inc.Postmortem.Markdown, markdown.Options{HeadingShift: 1})
	}
	return row
}

// paragraphs escapes plain text and keeps its line breaks.
func paragraphs(text string) template.HTML {
	return template.HTML(strings.ReplaceAll(html.EscapeString(strings.TrimSpace(text)), "\n", "<br>\n"))
}

// monthRow is one month of a page's incident history.
type monthRow struct {
	Label     string
	Incidents []publicIncidentRow
}

// incidentHistory groups resolved incidents by the month they started in, in the page's
// zone, newest month first; a month without any says so in the template.
func (s *Server) incidentHistory(p *status.Page, incs []incident.PublicIncident, now time.Time) []monthRow {
	local := now.In(p.Location)
	var out []monthRow
	for i := range incident.HistoryMonths {
		m := time.Date(local.Year(), local.Month()-time.Month(i), 1, 0, 0, 0, 0, p.Location)
		row := monthRow{Label: m.Format("January 2006")}
		for _, inc := range incs {
			start := inc.StartedAt.In(p.Location)
			if inc.Status == incident.Resolved && start.Year() == m.Year() && start.Month() == m.Month() {
				row.Incidents = append(row.Incidents, s.publicIncidentRow(p, inc, now))
			}
		}
		out = append(out, row)
	}
	return out
}

// statusIncidentPage is one incident on the public page, with its updates and post-mortem.
func (s *Server) statusIncidentPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.statusView(w, r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || s.Incidents == nil {
		return errs.E(errs.NotFound, "no such incident")
	}
	w.Header().Set("Content-Security-Policy", statusCSP(v.Page))
	key := "incident:" + v.Page.Slug + ":" + strconv.FormatInt(id, 10)
	return s.serveCached(w, r, v, key, "text/html; charset=utf-8", func(buf *bytes.Buffer) error {
		inc, err := s.Incidents.PublicByID(r.Context(), v.Page.Slug, id)
		if err != nil {
			return err
		}
		data := struct {
			View     *status.View
			Incident publicIncidentRow
			Updated  string
		}{v, s.publicIncidentRow(v.Page, *inc, v.At), v.At.In(v.Page.Location).Format("2 Jan 2006 15:04 MST")}
		return s.tmpl["status"].ExecuteTemplate(buf, "statusincident", data)
	})
}

// Statuspage's incident objects.

type spIncident struct {
	ID              string             `json:"id"`
	Name            string             `json:"name"`
	Status          string             `json:"status"` // investigating, identified, monitoring, resolved, postmortem
	CreatedAt       time.Time          `json:"created_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
	MonitoringAt    *time.Time         `json:"monitoring_at"`
	ResolvedAt      *time.Time         `json:"resolved_at"`
	Impact          string             `json:"impact"`
	Shortlink       string             `json:"shortlink"`
	StartedAt       time.Time          `json:"started_at"`
	PageID          string             `json:"page_id"`
	IncidentUpdates []spIncidentUpdate `json:"incident_updates"`
	Components      []spComponent      `json:"components"`
	// vigie's additions: Statuspage has no ETA or promised update, and serves the
	// post-mortem's body on its page only.
	ETA                   *time.Time `json:"eta,omitempty"`
	NextUpdateAt          *time.Time `json:"next_update_at,omitempty"`
	PostmortemBody        string     `json:"postmortem_body,omitempty"`
	PostmortemPublishedAt *time.Time `json:"postmortem_published_at,omitempty"`
}

type spIncidentUpdate struct {
	ID                 string       `json:"id"`
	Status             string       `json:"status"`
	Body               string       `json:"body"`
	IncidentID         string       `json:"incident_id"`
	CreatedAt          time.Time    `json:"created_at"`
	UpdatedAt          time.Time    `json:"updated_at"`
	DisplayAt          time.Time    `json:"display_at"`
	AffectedComponents []spAffected `json:"affected_components"`
}

type spAffected struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	NewStatus string `json:"new_status"`
}

func (s *Server) spIncidents(v *status.View, incs []incident.PublicIncident) []spIncident {
	comps := map[string]spComponent{}
	for _, c := range spComponents(v) {
		comps[c.ID] = c
	}
	base := strings.TrimRight(s.Settings().BaseURL, "/")
	out := []spIncident{}
	for _, inc := range incs {
		id := v.Page.Slug + ".i" + strconv.FormatInt(inc.ID, 10)
		si := spIncident{ID: id, Name: inc.Title, Status: string(inc.Status), CreatedAt: inc.CreatedAt.UTC(), UpdatedAt: inc.UpdatedAt.UTC(),
			MonitoringAt: timePtr(inc.MonitoringAt), ResolvedAt: timePtr(inc.ResolvedAt), Impact: inc.Impact,
			Shortlink: base + incidentPath(v.Page.Slug, inc.ID), StartedAt: inc.StartedAt.UTC(), PageID: v.Page.Slug,
			IncidentUpdates: []spIncidentUpdate{}, Components: []spComponent{}, ETA: timePtr(inc.ETA), NextUpdateAt: timePtr(inc.NextUpdateAt)}
		if inc.Postmortem != nil {
			si.Status, si.PostmortemBody, si.PostmortemPublishedAt = "postmortem", inc.Postmortem.Markdown, timePtr(inc.Postmortem.PublishedAt)
		}
		var affected []spAffected
		for _, a := range inc.Components {
			if c, ok := comps[v.Page.Slug+"."+a.Component]; ok {
				si.Components = append(si.Components, c)
				affected = append(affected, spAffected{Code: c.ID, Name: c.Name, NewStatus: a.Level.String()})
			}
		}
		for _, u := range inc.Updates {
			si.IncidentUpdates = append(si.IncidentUpdates, spIncidentUpdate{ID: id + "." + strconv.FormatInt(u.ID, 10), Status: string(u.Status),
				Body: u.Body, IncidentID: id, CreatedAt: u.At.UTC(), UpdatedAt: u.At.UTC(), DisplayAt: u.At.UTC(),
				AffectedComponents: append([]spAffected{}, affected...)})
		}
		out = append(out, si)
	}
	return out
}

// recentIncidents is what incidents.json lists: the 50 most recent, newest first.
func recentIncidents(incs []incident.PublicIncident) []incident.PublicIncident {
	return incs[:min(len(incs), 50)]
}

func unresolved(incs []incident.PublicIncident) []incident.PublicIncident {
	var out []incident.PublicIncident
	for _, inc := range incs {
		if inc.Status != incident.Resolved {
			out = append(out, inc)
		}
	}
	return out
}

func (s *Server) statusIncidentsJSON(w http.ResponseWriter, r *http.Request) error {
	return s.serveStatusJSON(w, r, "incidents", func(v *status.View) (any, error) {
		incs, err := s.publicIncidents(r.Context(), v.Page)
		if err != nil {
			return nil, err
		}
		return map[string]any{"page": s.spPage(v), "incidents": s.spIncidents(v, recentIncidents(incs))}, nil
	})
}

func (s *Server) statusUnresolvedJSON(w http.ResponseWriter, r *http.Request) error {
	return s.serveStatusJSON(w, r, "unresolved", func(v *status.View) (any, error) {
		incs, err := s.publicIncidents(r.Context(), v.Page)
		if err != nil {
			return nil, err
		}
		return map[string]any{"page": s.spPage(v), "incidents": s.spIncidents(v, unresolved(incs))}, nil
	})
}

// Feeds: Atom and RSS of the page's incidents and maintenance.

type feedItem struct {
	ID, Title, Link string
	Published       time.Time
	Updated         time.Time
	HTML            string // the entry's content, as HTML
}

// feedItems lists incidents (newest first) then announced maintenance.
func (s *Server) feedItems(v *status.View, incs []incident.PublicIncident) []feedItem {
	base := strings.TrimRight(s.Settings().BaseURL, "/")
	loc := v.Page.Location
	stamp := func(t time.Time) string { return t.In(loc).Format("2 Jan 2006 15:04 MST") }
	var items []feedItem
	for _, inc := range incs {
		row := s.publicIncidentRow(v.Page, inc, v.At)
		var b strings.Builder
		fmt.Fprintf(&b, "<p>%s · impact: %s", html.EscapeString(inc.Status.Label()), html.EscapeString(inc.Impact))
		if len(row.Components) > 0 {
			var cs []string
			for _, c := range row.Components {
				cs = append(cs, c.Name+" ("+incident.LevelText(c.Level)+")")
			}
			fmt.Fprintf(&b, " · affects %s", html.EscapeString(strings.Join(cs, ", ")))
		}
		b.WriteString("</p>")
		if !inc.ETA.IsZero() {
			fmt.Fprintf(&b, "<p>Estimated resolution: %s</p>", stamp(inc.ETA))
		}
		for _, u := range row.Updates {
			fmt.Fprintf(&b, "<p><strong>%s</strong> — %s<br>%s</p>", html.EscapeString(u.Status.Label()), stamp(u.At), u.Body)
		}
		if inc.Postmortem != nil {
			fmt.Fprintf(&b, `<p><a href="%s">Read the post-mortem</a></p>`, html.EscapeString(base+row.Path))
		}
		items = append(items, feedItem{ID: base + row.Path, Title: inc.Title, Link: base + row.Path, Published: inc.CreatedAt,
			Updated: inc.UpdatedAt, HTML: b.String()})
	}
	for _, m := range v.Maintenance {
		what := "Scheduled maintenance"
		if m.State == status.MaintenanceInProgress {
			what = "Maintenance in progress"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "<p>%s – %s", stamp(m.Window.From), stamp(m.Window.To))
		if len(m.ComponentNames) > 0 {
			fmt.Fprintf(&b, " · affects %s", html.EscapeString(strings.Join(m.ComponentNames, ", ")))
		}
		b.WriteString("</p>")
		if m.Body != "" {
			fmt.Fprintf(&b, "<p>%s</p>", paragraphs(m.Body))
		}
		updated := m.CreatedAt
		for _, u := range m.Updates {
			fmt.Fprintf(&b, "<p>%s<br>%s</p>", stamp(u.At), paragraphs(u.Body))
			updated = u.At
		}
		link := base + "/status/" + v.Page.Slug
		items = append(items, feedItem{ID: link + "#maintenance-" + strconv.FormatInt(m.ID, 10) + "-" + strconv.FormatInt(m.Window.From.Unix(), 10),
			Title: what + ": " + m.Title, Link: link, Published: m.CreatedAt, Updated: updated, HTML: b.String()})
	}
	return items
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Link      atomLink    `xml:"link"`
	Content   atomContent `xml:"content"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type rssFeed struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Items         []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Description string  `xml:"description"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// serveFeed renders the page's feed with render, cached like the page.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, kind, ctype string, render func(v *status.View, items []feedItem) any) error {
	v, err := s.statusView(w, r)
	if err != nil {
		return err
	}
	return s.serveCached(w, r, v, kind+":"+v.Page.Slug, ctype, func(buf *bytes.Buffer) error {
		incs, err := s.publicIncidents(r.Context(), v.Page)
		if err != nil {
			return err
		}
		items := s.feedItems(v, incs)
		slices.SortStableFunc(items, func(a, b feedItem) int { return b.Updated.Compare(a.Updated) })
		buf.WriteString(xml.Header)
		enc := xml.NewEncoder(buf)
		enc.Indent("", "  ")
		return enc.Encode(render(v, items))
	})
}

func (s *Server) statusAtom(w http.ResponseWriter, r *http.Request) error {
	return s.serveFeed(w, r, "atom", "application/atom+xml; charset=utf-8", func(v *status.View, items []feedItem) any {
		base := strings.TrimRight(s.Settings().BaseURL, "/")
		page := base + "/status/" + v.Page.Slug
		f := atomFeed{ID: page, Title: v.Page.Title + ": incidents and maintenance", Updated: v.At.UTC().Format(time.RFC3339),
			Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: page + "/feed.atom"}, {Rel: "alternate", Type: "text/html", Href: page}},
			Author: atomAuthor{Name: v.Page.Title}}
		if len(items) > 0 {
			f.Updated = items[0].Updated.UTC().Format(time.RFC3339)
		}
		for _, it := range items {
			f.Entries = append(f.Entries, atomEntry{ID: it.ID, Title: it.Title, Updated: it.Updated.UTC().Format(time.RFC3339),
				Published: it.Published.UTC().Format(time.RFC3339), Link: atomLink{Rel: "alternate", Type: "text/html", Href: it.Link},
				Content: atomContent{Type: "html", Body: it.HTML}})
		}
		return f
	})
}

func (s *Server) statusRSS(w http.ResponseWriter, r *http.Request) error {
	return s.serveFeed(w, r, "rss", "application/rss+xml; charset=utf-8", func(v *status.View, items []feedItem) any {
		base := strings.TrimRight(s.Settings().BaseURL, "/")
		c := rssChannel{Title: v.Page.Title + ": incidents and maintenance", Link: base + "/status/" + v.Page.Slug,
			Description: "Incidents and maintenance of " + v.Page.Title, LastBuildDate: v.At.UTC().Format(time.RFC1123Z)}
		for _, it := range items {
			c.Items = append(c.Items, rssItem{Title: it.Title, Link: it.Link, GUID: rssGUID{Value: it.ID},
				PubDate: it.Updated.UTC().Format(time.RFC1123Z), Description: it.HTML})
		}
		return rssFeed{Version: "2.0", Channel: c}
	})
}
