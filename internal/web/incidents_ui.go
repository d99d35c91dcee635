package web

import (
	"html/template"
	"net/http"
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

// The admin pages of the logbook. Forms post back to the page they came from, which is
// rendered again with what happened (or what was wrong, the typed text kept).

// delays are the choices for "next update in" and "ETA in".
var delays = []string{"15m", "30m", "1h", "2h", "4h", "8h", "24h"}

// affectingLevels are the states an incident may state for a component.
var affectingLevels = []sla.Level{sla.Degraded, sla.PartialOutage, sla.MajorOutage}

type incidentRow struct {
	*incident.Incident
	Lasted, Acked, PageTitle string
	Overdue                  bool
}

type incidentsData struct {
	State, Severity, PageFilter string
	Open, Closed                []incidentRow
	Pages                       []*status.Page
	Severities                  []incident.Severity
	Levels                      []sla.Level
	Delays                      []string
	Form                        openForm
}

// openForm is the "open an incident" form, kept filled in when it comes back with an error.
type openForm struct {
	Title, Severity, Page, Lead, Message, NextIn string
	Levels                                       map[string]string // "page.component" -> level
}

func (s *Server) pageTitle(slug string) string {
	if p, err := s.statusPageAny(slug); err == nil {
		return p.Title
	}
	return slug
}

func (s *Server) incidentRow(inc *incident.Incident, now time.Time) incidentRow {
	row := incidentRow{Incident: inc, Overdue: inc.Overdue(now)}
	end := now
	if !inc.ResolvedAt.IsZero() {
		end = inc.ResolvedAt
	}
	row.Lasted = human.Duration(end.Sub(inc.StartedAt))
	if d, ok := inc.TimeToAcknowledge(); ok {
		row.Acked = "after " + human.Duration(d)
	}
	if inc.Page != "" {
		row.PageTitle = s.pageTitle(inc.Page)
	}
	return row
}

func (s *Server) incidentsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderIncidents(w, r, http.StatusOK, openForm{Severity: "SEV3", NextIn: "30m"}, "", "")
}

func (s *Server) renderIncidents(w http.ResponseWriter, r *http.Request, code int, form openForm, msg, notice string) error {
	svc, err := s.incidentsOrNotFound()
	if err != nil {
		return err
	}
	f, err := incidentFilter(r)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	data := incidentsData{State: f.State, Severity: string(f.Severity), PageFilter: f.Page, Severities: incident.Severities,
		Levels: affectingLevels, Delays: delays, Form: form}
	if s.StatusPages != nil {
		data.Pages = s.StatusPages()
	}
	list, err := svc.List(r.Context(), f)
	if err != nil {
		return err
	}
	for i := range list {
		row := s.incidentRow(&list[i], now)
		if list[i].Open() {
			data.Open = append(data.Open, row)
		} else {
			data.Closed = append(data.Closed, row)
		}
	}
	return s.render(w, r, code, "incidents", page{Title: "Incidents", Nav: "incidents", Error: msg, Notice: notice, Data: data})
}

// incidentsOpen opens an incident from the form.
func (s *Server) incidentsOpen(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidentsOrNotFound()
	if err != nil {
		return err
	}
	form := openForm{Title: r.PostFormValue("title"), Severity: r.PostFormValue("severity"), Page: r.PostFormValue("page"),
		Lead: r.PostFormValue("lead"), Message: r.PostFormValue("message"), NextIn: r.PostFormValue("next_update"), Levels: map[string]string{}}
	for k, v := range r.PostForm {
		if name, ok := strings.CutPrefix(k, "level."); ok && len(v) > 0 && v[0] != "" {
			form.Levels[name] = v[0]
		}
	}
	fail := func(err error) error {
		if c := errs.CodeOf(err); c == errs.Invalid || c == errs.Conflict {
			return s.renderIncidents(w, r, statusOf(c), form, errs.MessageOf(err), "")
		}
		return err
	}
	sev, err := incident.ParseSeverity(form.Severity)
	if err != nil {
		return fail(err)
	}
	comps, err := s.formComponents(form.Page, form.Levels)
	if err != nil {
		return fail(err)
	}
	d := incident.Draft{Title: form.Title, Severity: sev, Page: form.Page, Components: comps, Lead: form.Lead, Message: form.Message,
		By: principalFrom(r.Context()).name()}
	// A promise of a public update means something only on a status page.
	if form.NextIn != "" && form.Page != "" {
		next, err := promise("next_update_at", optTime{}, form.NextIn, s.Clock.Now())
		if err != nil {
			return fail(err)
		}
		d.NextUpdateAt = *next
	}
	inc, err := svc.Open(r.Context(), d)
	if err != nil {
		return fail(err)
	}
	return s.renderIncident(w, r, http.StatusCreated, inc.ID, incidentForms{}, "", "Incident "+strconv.FormatInt(inc.ID, 10)+" opened.")
}

// formComponents reads the chosen page's component states from "level.{page}.{component}"
// fields (the form has one select per component of every page, and works without script).
func (s *Server) formComponents(page string, levels map[string]string) ([]incident.Affected, error) {
	chosen := map[string]sla.Level{}
	for key, v := range levels {
		p, comp, _ := strings.Cut(key, ".")
		if p != page {
			continue
		}
		l, err := sla.ParseLevel(v)
		if err != nil {
			return nil, errs.E(errs.Invalid, "components: %s", errs.MessageOf(err))
		}
		chosen[comp] = l
	}
	return s.components(page, chosen), nil
}

// incidentForms keeps typed text when a form comes back with an error.
type incidentForms struct {
	Update, Note, Resolve string
}

type incidentData struct {
	Inc        *incident.Incident
	Row        incidentRow
	PageTitle  string
	Names      map[string]string
	Measures   []measure
	Picture    template.HTML
	Timeline   []entryRow
	NextIn     string // "in 12 min", "3 min late"
	ETAIn      string
	Statuses   []incident.Status
	Severities []incident.Severity
	Levels     []sla.Level
	Delays     []string
	Choices    []componentChoice
	Form       incidentForms
	PMState    string
}

type measure struct {
	Name, Value, Hint string
}

type entryRow struct {
	incident.Entry
	Label  string
	Public bool
}

type componentChoice struct {
	ID, Name string
	Level    string // its stated level, or "" when not affected
}

var entryLabels = map[incident.EntryKind]string{
	incident.EntryOpened: "opened", incident.EntryAcknowledged: "acknowledged", incident.EntryStatus: "status",
	incident.EntryUpdate: "public update", incident.EntryNote: "internal note", incident.EntryChange: "edited",
	incident.EntryMitigated: "mitigated", incident.EntryResolved: "resolved", incident.EntryAlertFired: "alert",
	incident.EntryAlertAcked: "alert acknowledged", incident.EntryAlertUp: "alert resolved", incident.EntryReminder: "reminder",
	incident.EntryAction: "action item", incident.EntryPostmortem: "post-mortem",
}

func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) error {
	_, id, err := s.incidentID(r)
	if err != nil {
		return err
	}
	return s.renderIncident(w, r, http.StatusOK, id, incidentForms{}, "", "")
}

func (s *Server) renderIncident(w http.ResponseWriter, r *http.Request, code int, id int64, forms incidentForms, msg, notice string) error {
	svc, err := s.incidentsOrNotFound()
	if err != nil {
		return err
	}
	inc, err := svc.Get(r.Context(), id)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	data := incidentData{Inc: inc, Row: s.incidentRow(inc, now), Names: map[string]string{}, Picture: incidentTimelineSVG(inc, now),
		Statuses: incident.Statuses, Severities: incident.Severities, Levels: affectingLevels, Delays: delays, Form: forms, PMState: "none"}
	if p, err := s.statusPageAny(inc.Page); err == nil {
		data.PageTitle = p.Title
		for _, g := range p.Groups {
			for _, c := range g.Components {
				data.Names[c.ID] = c.Name
				choice := componentChoice{ID: c.ID, Name: c.Name}
				if l, ok := inc.Level(c.ID); ok {
					choice.Level = l.String()
				}
				data.Choices = append(data.Choices, choice)
			}
		}
	}
	for _, m := range []struct {
		name, hint string
		fn         func() (time.Duration, bool)
	}{
		{"Time to detect", "start of impact → detection", inc.TimeToDetect},
		{"Time to acknowledge", "detection → someone on it", inc.TimeToAcknowledge},
		{"Time to mitigate", "start of impact → impact over", inc.TimeToMitigate},
		{"Time to resolve", "start of impact → resolved", inc.TimeToResolve},
	} {
		v := "not yet"
		if d, ok := m.fn(); ok {
			v = human.Duration(d)
		}
		data.Measures = append(data.Measures, measure{m.name, v, m.hint})
	}
	if !inc.NextUpdateAt.IsZero() {
		if d := inc.NextUpdateAt.Sub(now); d > 0 {
			data.NextIn = "in " + human.Duration(d)
		} else {
			data.NextIn = human.Duration(-d) + " late"
		}
	}
	if !inc.ETA.IsZero() {
		if d := inc.ETA.Sub(now); d > 0 {
			data.ETAIn = "in " + human.Duration(d)
		} else {
			data.ETAIn = human.Duration(-d) + " ago"
		}
	}
	for i := len(inc.Entries) - 1; i >= 0; i-- {
		e := inc.Entries[i]
		data.Timeline = append(data.Timeline, entryRow{Entry: e, Label: entryLabels[e.Kind], Public: e.Public()})
	}
	if pm := inc.Postmortem; pm != nil {
		data.PMState = "draft"
		if pm.Published() {
			data.PMState = "published"
		}
	}
	return s.render(w, r, code, "incident", page{Title: inc.Title, Nav: "incidents", Error: msg, Notice: notice, Data: data})
}

// incidentAction runs a form's change and shows the incident again, with the outcome.
func (s *Server) incidentAction(w http.ResponseWriter, r *http.Request, forms incidentForms, done string,
	fn func(svc *incident.Service, id int64, by string) error) error {
	svc, id, err := s.incidentID(r)
	if err != nil {
		return err
	}
	if err := fn(svc, id, principalFrom(r.Context()).name()); err != nil {
		if c := errs.CodeOf(err); c == errs.Invalid || c == errs.Conflict {
			return s.renderIncident(w, r, statusOf(c), id, forms, errs.MessageOf(err), "")
		}
		return err
	}
	return s.renderIncident(w, r, http.StatusOK, id, incidentForms{}, "", done)
}

// delay reads a "next update in" or "ETA in" choice: "" is none.
func (s *Server) delay(field, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	return promise(field, optTime{}, v, s.Clock.Now())
}

func (s *Server) incidentPostUpdate(w http.ResponseWriter, r *http.Request) error {
	forms := incidentForms{Update: r.PostFormValue("body")}
	return s.incidentAction(w, r, forms, "Public update posted.", func(svc *incident.Service, id int64, by string) error {
		st, err := incident.ParseStatus(r.PostFormValue("status"))
		if err != nil {
			return err
		}
		u := incident.Update{Body: r.PostFormValue("body"), Status: st, By: by}
		if u.NextUpdateAt, err = s.delay("next_update_at", r.PostFormValue("next_update")); err != nil {
			return err
		}
		switch eta := r.PostFormValue("eta"); eta {
		case "keep":
		case "clear":
			u.ETA = &time.Time{}
		default:
			if u.ETA, err = s.delay("eta", eta); err != nil {
				return err
			}
		}
		levels := map[string]string{}
		cur, err := svc.Get(r.Context(), id)
		if err != nil {
			return err
		}
		for k, v := range r.PostForm {
			if name, ok := strings.CutPrefix(k, "level."); ok && len(v) > 0 && v[0] != "" {
				levels[name] = v[0]
			}
		}
		if cur.Page != "" {
			comps, err := s.formComponents(cur.Page, levels)
			if err != nil {
				return err
			}
			u.Components = &comps
		}
		_, err = svc.PostUpdate(r.Context(), id, u)
		return err
	})
}

func (s *Server) incidentAddNote(w http.ResponseWriter, r *http.Request) error {
	return s.incidentAction(w, r, incidentForms{Note: r.PostFormValue("body")}, "Note added.", func(svc *incident.Service, id int64, by string) error {
		_, err := svc.AddNote(r.Context(), id, r.PostFormValue("body"), by)
		return err
	})
}

func (s *Server) incidentSaveLogbook(w http.ResponseWriter, r *http.Request) error {
	return s.incidentAction(w, r, incidentForms{}, "Logbook saved.", func(svc *incident.Service, id int64, by string) error {
		field := func(name string) *string {
			v := r.PostFormValue(name)
			return &v
		}
		sev, err := incident.ParseSeverity(r.PostFormValue("severity"))
		if err != nil {
			return err
		}
		_, err = svc.Edit(r.Context(), id, incident.Changes{Title: field("title"), Severity: &sev, Lead: field("lead"), Comms: field("comms"),
			Logbook: incident.LogbookChanges{WhatIsGoingOn: field("what_is_going_on"), HowUnderstood: field("how_it_was_understood"),
				WhatWasDone: field("what_was_done"), Impacts: field("impacts"), HowToAvoid: field("how_to_avoid")}, By: by})
		return err
	})
}

func (s *Server) incidentAck(w http.ResponseWriter, r *http.Request) error {
	return s.incidentAction(w, r, incidentForms{}, "Acknowledged.", func(svc *incident.Service, id int64, by string) error {
		_, err := svc.Acknowledge(r.Context(), id, by)
		return err
	})
}

func (s *Server) incidentResolve(w http.ResponseWriter, r *http.Request) error {
	forms := incidentForms{Resolve: r.PostFormValue("body")}
	return s.incidentAction(w, r, forms, "Resolved. Time for the post-mortem.", func(svc *incident.Service, id int64, by string) error {
		_, err := svc.Resolve(r.Context(), id, r.PostFormValue("body"), by)
		return err
	})
}

func (s *Server) incidentAddAction(w http.ResponseWriter, r *http.Request) error {
	return s.incidentAction(w, r, incidentForms{}, "Action item added.", func(svc *incident.Service, id int64, by string) error {
		title, owner := r.PostFormValue("title"), r.PostFormValue("owner")
		in := incident.ActionInput{Title: &title, Owner: &owner, By: by}
		if due := r.PostFormValue("due"); due != "" {
			t, err := time.Parse(time.DateOnly, due)
			if err != nil {
				return errs.E(errs.Invalid, "due: want a day like 2026-12-01, got %q", due)
			}
			in.Due = &t
		}
		_, err := svc.AddAction(r.Context(), id, in)
		return err
	})
}

func (s *Server) incidentActionDone(w http.ResponseWriter, r *http.Request) error {
	return s.incidentAction(w, r, incidentForms{}, "Action item updated.", func(svc *incident.Service, id int64, by string) error {
		aid, err := strconv.ParseInt(r.PathValue("action"), 10, 64)
		if err != nil {
			return errs.E(errs.Invalid, "action id %q is not a number", r.PathValue("action"))
		}
		done := r.PostFormValue("done") != "false"
		_, err = svc.EditAction(r.Context(), id, aid, incident.ActionInput{Done: &done, By: by})
		return err
	})
}

type postmortemData struct {
	Inc       *incident.Incident
	Markdown  string
	Preview   template.HTML
	State     string // none (generated, not saved), draft, published
	Unsaved   bool   // the text shown is not the saved draft
	Changed   bool   // the saved draft differs from what is published
	PublicURL string
}

func (s *Server) postmortemPage(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.incidentID(r)
	if err != nil {
		return err
	}
	inc, pm, generated, err := svc.Postmortem(r.Context(), id)
	if err != nil {
		return err
	}
	text, notice := pm.Markdown, ""
	if r.URL.Query().Get("fresh") != "" {
		if text, err = svc.Generate(r.Context(), inc); err != nil {
			return err
		}
		notice = "Written again from the record. Nothing is saved until you save."
	}
	return s.renderPostmortem(w, r, http.StatusOK, inc, text, generated || text != pm.Markdown, "", notice)
}

func (s *Server) renderPostmortem(w http.ResponseWriter, r *http.Request, code int, inc *incident.Incident, text string, unsaved bool, msg, notice string) error {
	data := postmortemData{Inc: inc, Markdown: text, Preview: markdown.Render(text, markdown.Options{HeadingShift: 1}), State: "none",
		Unsaved: unsaved, PublicURL: s.Incidents.PublicURL(inc)}
	if pm := inc.Postmortem; pm != nil {
		data.State = "draft"
		if pm.Published() {
			data.State = "published"
			data.Changed = pm.Markdown != pm.PublishedMarkdown
		}
	}
	return s.render(w, r, code, "postmortem", page{Title: "Post-mortem: " + inc.Title, Nav: "incidents", Error: msg, Notice: notice, Data: data})
}

// postmortemSave previews, saves, or saves and publishes the edited text (do=preview|save|publish).
func (s *Server) postmortemSave(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := s.incidentID(r)
	if err != nil {
		return err
	}
	text, by := strings.ReplaceAll(r.PostFormValue("markdown"), "\r\n", "\n"), principalFrom(r.Context()).name()
	inc, err := svc.Get(r.Context(), id)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		if c := errs.CodeOf(err); c == errs.Invalid || c == errs.Conflict {
			unsaved := inc.Postmortem == nil || inc.Postmortem.Markdown != text
			return s.renderPostmortem(w, r, statusOf(c), inc, text, unsaved, errs.MessageOf(err), "")
		}
		return err
	}
	do := r.PostFormValue("do")
	switch do {
	case "preview":
		return s.renderPostmortem(w, r, http.StatusOK, inc, text, inc.Postmortem == nil || inc.Postmortem.Markdown != text, "",
			"Preview on the right. Nothing is saved until you save.")
	case "save", "publish":
	default:
		return fail(errs.E(errs.Invalid, "do: want preview, save or publish, got %q", do))
	}
	saved, err := svc.SavePostmortem(r.Context(), id, text, by)
	if err != nil {
		return fail(err)
	}
	notice := "Draft saved."
	if do == "publish" {
		published, err := svc.PublishPostmortem(r.Context(), id, by)
		if err != nil {
			inc = saved // the draft is saved: show it, with why it is not published
			return fail(err)
		}
		saved, notice = published, "Published on the status page."
	}
	return s.renderPostmortem(w, r, http.StatusOK, saved, text, false, "", notice)
}
