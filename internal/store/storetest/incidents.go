package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"vigie/internal/errs"
	"vigie/internal/incident"
	"vigie/internal/status/sla"
)

func testIncidents(t *testing.T, db DB) {
	s := db.Store
	at := t0
	inc := &incident.Incident{Title: "API errors", Severity: incident.SEV2, Status: incident.Investigating, Page: "acme",
		Components: []incident.Affected{{Component: "api", Level: sla.MajorOutage}, {Component: "web", Level: sla.Degraded}},
		Lead:       "alice", Comms: "bob", ETA: at.Add(2 * time.Hour), NextUpdateAt: at.Add(30 * time.Minute), Remind: []string{"ops"},
		Logbook:   incident.Logbook{WhatIsGoingOn: "5xx on /v1", Impacts: "Half the calls fail"},
		StartedAt: at.Add(-3 * time.Minute), DetectedAt: at, AcknowledgedAt: at.Add(time.Minute),
		CreatedBy: "alert", CreatedAt: at, UpdatedAt: at,
		Alerts: []incident.AlertLink{{AlertID: 41, Monitor: "api-http"}},
		Entries: []incident.Entry{
			{At: at.Add(-3 * time.Minute), Kind: incident.EntryAlertFired, Status: incident.Investigating, Body: "Alert 41", Author: "alert", AlertID: 41},
			{At: at, Kind: incident.EntryUpdate, Status: incident.Investigating, Body: "We are looking.", Author: "alice"},
			{At: at, Kind: incident.EntryNote, Status: incident.Investigating, Body: "db-primary at 100% CPU", Author: "alice"},
		},
		Actions: []incident.ActionItem{{Title: "Alert on pool saturation", Owner: "carol", Due: time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC), CreatedAt: at}},
	}
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	if inc.ID == 0 || inc.Version != 1 || inc.Entries[2].ID == 0 || inc.Actions[0].ID == 0 {
		t.Fatalf("ids not set: %+v", inc)
	}
	got, err := s.IncidentByID(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, inc) {
		t.Fatalf("read back differs:\n got %+v\nwant %+v", got, inc)
	}

	// A save from a stale read is refused; a fresh one lands with everything new.
	stale := *got
	got.Status, got.MitigatedAt = incident.Monitoring, at.Add(20*time.Minute)
	got.Entries = append(got.Entries, incident.Entry{At: at.Add(20 * time.Minute), Kind: incident.EntryUpdate, Status: incident.Monitoring, Body: "Fixed.", Author: "bob"})
	got.Actions[0].DoneAt = at.Add(time.Hour)
	got.Actions = append(got.Actions, incident.ActionItem{Title: "Runbook", CreatedAt: at})
	got.Alerts = append(got.Alerts, incident.AlertLink{AlertID: 42, Monitor: "web-http"})
	got.Postmortem = &incident.Postmortem{Markdown: "# PM", CreatedAt: at, UpdatedAt: at, UpdatedBy: "alice"}
	if err := s.SaveIncident(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Entries[3].ID == 0 || got.Actions[1].ID == 0 {
		t.Fatalf("after save: version %d, entry id %d, action id %d", got.Version, got.Entries[3].ID, got.Actions[1].ID)
	}
	stale.Title = "overwritten"
	if err := s.SaveIncident(ctx, &stale); !errors.Is(err, incident.ErrChanged) {
		t.Fatalf("stale save: %v, want ErrChanged", err)
	}
	again, err := s.IncidentByID(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, got) {
		t.Fatalf("after save, read back differs:\n got %+v\nwant %+v", again, got)
	}
	again.Postmortem.PublishedMarkdown, again.Postmortem.PublishedAt, again.Postmortem.PublishedBy = "# PM", at.Add(2*time.Hour), "alice"
	again.Postmortem.Markdown = "# PM v2"
	if err := s.SaveIncident(ctx, again); err != nil {
		t.Fatal(err)
	}
	if pm := mustIncident(t, db, inc.ID).Postmortem; pm.Markdown != "# PM v2" || pm.PublishedMarkdown != "# PM" || !pm.PublishedAt.Equal(at.Add(2*time.Hour)) {
		t.Fatalf("post-mortem after publish: %+v", pm)
	}

	missing := &incident.Incident{ID: 999999, Title: "x", Severity: incident.SEV4, Status: incident.Investigating, StartedAt: at, DetectedAt: at, CreatedAt: at, UpdatedAt: at}
	if err := s.SaveIncident(ctx, missing); !errs.Is(err, errs.NotFound) {
		t.Fatalf("saving a missing incident: %v", err)
	}

	// Alerts belong to one incident.
	if byAlert, err := s.IncidentForAlert(ctx, 42); err != nil || byAlert.ID != inc.ID {
		t.Fatalf("IncidentForAlert(42) = %v, %v", byAlert, err)
	}
	if _, err := s.IncidentForAlert(ctx, 7); !errs.Is(err, errs.NotFound) {
		t.Fatalf("IncidentForAlert of an unlinked alert: %v", err)
	}
	other := &incident.Incident{Title: "Mail delays", Severity: incident.SEV4, Status: incident.Investigating, StartedAt: at, DetectedAt: at,
		CreatedBy: "bob", CreatedAt: at.Add(time.Hour), UpdatedAt: at, Alerts: []incident.AlertLink{{AlertID: 41, Monitor: "api-http"}}}
	if err := s.CreateIncident(ctx, other); !errs.Is(err, errs.Conflict) {
		t.Fatalf("an alert linked twice: %v", err)
	}
	if list, _ := s.Incidents(ctx, incident.Filter{}); len(list) != 1 {
		t.Fatalf("a refused create left %d incidents", len(list))
	}

	// Filters.
	other.Alerts = nil
	resolved := &incident.Incident{Title: "Old outage", Severity: incident.SEV1, Status: incident.Resolved, Page: "acme", StartedAt: at.Add(-72 * time.Hour),
		DetectedAt: at.Add(-72 * time.Hour), ResolvedAt: at.Add(-70 * time.Hour), CreatedBy: "bob", CreatedAt: at.Add(-72 * time.Hour), UpdatedAt: at}
	for _, i := range []*incident.Incident{other, resolved} {
		if err := s.CreateIncident(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(f incident.Filter) []int64 {
		t.Helper()
		list, err := s.Incidents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, i := range list {
			out = append(out, i.ID)
		}
		return out
	}
	for name, c := range map[string]struct {
		f    incident.Filter
		want []int64
	}{
		"all, newest first": {incident.Filter{}, []int64{other.ID, inc.ID, resolved.ID}},
		"page":              {incident.Filter{Page: "acme"}, []int64{inc.ID, resolved.ID}},
		"open":              {incident.Filter{State: "open"}, []int64{other.ID, inc.ID}},
		"resolved":          {incident.Filter{State: "resolved"}, []int64{resolved.ID}},
		"severity":          {incident.Filter{Severity: incident.SEV1}, []int64{resolved.ID}},
		"since keeps open":  {incident.Filter{Since: at.Add(30 * time.Minute)}, []int64{other.ID, inc.ID}},
		"since resolved":    {incident.Filter{Since: at.Add(-71 * time.Hour), State: "resolved"}, []int64{resolved.ID}},
		"limit":             {incident.Filter{Limit: 1}, []int64{other.ID}},
	} {
		if got := ids(c.f); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	if list, _ := s.Incidents(ctx, incident.Filter{Page: "acme", State: "open"}); len(list) != 1 || len(list[0].Entries) != 4 || list[0].Postmortem == nil {
		t.Fatalf("a listed incident comes without what it holds: %+v", list)
	}
}

func mustIncident(t *testing.T, db DB, id int64) *incident.Incident {
	t.Helper()
	inc, err := db.Store.IncidentByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}
