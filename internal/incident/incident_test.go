package incident

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"vigie/internal/errs"
	"vigie/internal/markdown"
	"vigie/internal/status/sla"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestStatusTransitions(t *testing.T) {
	for _, c := range []struct {
		from, to Status
		want     errs.Code // "" when allowed
	}{
		{Investigating, Identified, ""},
		{Identified, Monitoring, ""},
		{Monitoring, Resolved, ""},
		{Investigating, Resolved, ""},   // skipping ahead: fixed at once
		{Investigating, Monitoring, ""}, // a fix went in before the cause was clear
		{Monitoring, Investigating, ""}, // the fix did not hold
		{Identified, Identified, ""},    // an update without a change of status
		{Resolved, Resolved, ""},
		{Resolved, Investigating, errs.Conflict},
		{Resolved, Monitoring, errs.Conflict},
		{Investigating, "fixed", errs.Invalid},
		{Identified, "", errs.Invalid},
	} {
		err := c.from.CanMoveTo(c.to)
		if c.want == "" && err != nil || c.want != "" && !errs.Is(err, c.want) {
			t.Errorf("%s → %q: %v, want %q", c.from, c.to, err, c.want)
		}
	}
}

func TestMoveToStampsMilestones(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	inc := &Incident{Status: Investigating, ETA: at.Add(time.Hour), NextUpdateAt: at.Add(30 * time.Minute)}
	if err := inc.moveTo(Identified, at); err != nil || !inc.MitigatedAt.IsZero() {
		t.Fatalf("identified: %v, mitigated %v", err, inc.MitigatedAt)
	}
	if err := inc.moveTo(Monitoring, at.Add(10*time.Minute)); err != nil || !inc.MitigatedAt.Equal(at.Add(10*time.Minute)) {
		t.Fatalf("monitoring: %v, mitigated %v", err, inc.MitigatedAt)
	}
	// Back to investigating and on again: the first mitigation stays the time it stopped.
	inc.moveTo(Investigating, at.Add(20*time.Minute))
	inc.moveTo(Monitoring, at.Add(30*time.Minute))
	if !inc.MitigatedAt.Equal(at.Add(10 * time.Minute)) {
		t.Fatalf("mitigation moved to %v", inc.MitigatedAt)
	}
	if err := inc.moveTo(Resolved, at.Add(time.Hour)); err != nil || !inc.ResolvedAt.Equal(at.Add(time.Hour)) || !inc.ETA.IsZero() || !inc.NextUpdateAt.IsZero() {
		t.Fatalf("resolved: %v %+v", err, inc)
	}
	if err := inc.moveTo(Investigating, at.Add(2*time.Hour)); !errs.Is(err, errs.Conflict) || inc.Status != Resolved {
		t.Fatalf("reopening: %v, status %s", err, inc.Status)
	}
}

func TestMeasures(t *testing.T) {
	at := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC) // a DST night in Europe: measures are real elapsed time
	m := func(d time.Duration) time.Time { return at.Add(d) }
	type want struct {
		detect, ack, mitigate, resolve time.Duration
		known                          [4]bool
	}
	for name, c := range map[string]struct {
		inc  Incident
		want want
	}{
		"from an alert, all milestones": {
			Incident{StartedAt: at, DetectedAt: m(3 * time.Minute), AcknowledgedAt: m(8 * time.Minute), MitigatedAt: m(40 * time.Minute), ResolvedAt: m(3 * time.Hour)},
			want{3 * time.Minute, 5 * time.Minute, 40 * time.Minute, 3 * time.Hour, [4]bool{true, true, true, true}},
		},
		"open, not acknowledged": {
			Incident{StartedAt: at, DetectedAt: m(time.Minute)},
			want{time.Minute, 0, 0, 0, [4]bool{true, false, false, false}},
		},
		"opened by hand: detected when opened, acknowledged at once": {
			Incident{StartedAt: m(-20 * time.Minute), DetectedAt: at, AcknowledgedAt: at, ResolvedAt: m(10 * time.Minute)},
			want{20 * time.Minute, 0, 0, 30 * time.Minute, [4]bool{true, true, false, true}},
		},
		"an acknowledgement before detection reads as zero, not negative": {
			Incident{StartedAt: at, DetectedAt: m(time.Minute), AcknowledgedAt: at},
			want{time.Minute, 0, 0, 0, [4]bool{true, true, false, false}},
		},
	} {
		inc := c.inc
		got := [4]time.Duration{}
		var known [4]bool
		got[0], known[0] = inc.TimeToDetect()
		got[1], known[1] = inc.TimeToAcknowledge()
		got[2], known[2] = inc.TimeToMitigate()
		got[3], known[3] = inc.TimeToResolve()
		if w := [4]time.Duration{c.want.detect, c.want.ack, c.want.mitigate, c.want.resolve}; got != w || known != c.want.known {
			t.Errorf("%s: got %v %v, want %v %v", name, got, known, w, c.want.known)
		}
	}
}

func TestImpactWindow(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	now := at.Add(5 * time.Hour)
	for name, c := range map[string]struct {
		inc Incident
		to  time.Time
	}{
		"ongoing":                   {Incident{StartedAt: at}, now},
		"mitigated":                 {Incident{StartedAt: at, MitigatedAt: at.Add(time.Hour), ResolvedAt: at.Add(2 * time.Hour)}, at.Add(time.Hour)},
		"resolved without a record": {Incident{StartedAt: at, ResolvedAt: at.Add(2 * time.Hour)}, at.Add(2 * time.Hour)},
	} {
		if w := c.inc.ImpactWindow(now); !w.From.Equal(at) || !w.To.Equal(c.to) {
			t.Errorf("%s: %v", name, w)
		}
	}
}

// testIncident is a resolved incident with everything a record holds, internal parts
// included: what must not be published is marked SECRET.
func testIncident() *Incident {
	at := time.Date(2026, 11, 23, 13, 2, 0, 0, time.UTC)
	m := func(d time.Duration) time.Time { return at.Add(d) }
	inc := &Incident{ID: 7, Title: "Public API errors", Severity: SEV2, Status: Resolved, Page: "acme",
		Components: []Affected{{Component: "api", Level: sla.MajorOutage}, {Component: "web", Level: sla.Degraded}},
		Lead:       "SECRET-lead", Comms: "SECRET-comms", Remind: []string{"SECRET-receiver"},
		Logbook: Logbook{
			WhatIsGoingOn: "Calls to the public API failed with 502 for 42 minutes.",
			HowUnderstood: "The connection pool of `db-primary` was exhausted after a deploy doubled the workers.",
			WhatWasDone:   "Rolled the deploy back, then raised the pool size.\nWatched for an hour.",
			Impacts:       "About half the API calls failed; the web app was slow.",
			HowToAvoid:    "- Size the pool from the worker count.\n- Canary deploys for the API.",
		},
		StartedAt: at, DetectedAt: m(2 * time.Minute), AcknowledgedAt: m(6 * time.Minute), MitigatedAt: m(44 * time.Minute),
		ResolvedAt: m(97 * time.Minute), CreatedBy: "alert", CreatedAt: m(2 * time.Minute),
		Alerts: []AlertLink{{AlertID: 12, Monitor: "SECRET-monitor"}},
		Actions: []ActionItem{
			{ID: 1, Title: "Alert on pool saturation", Owner: "SECRET-owner", Due: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)},
			{ID: 2, Title: "Raise the pool size", Owner: "SECRET-owner", DoneAt: m(50 * time.Minute)},
		},
	}
	add := func(d time.Duration, kind EntryKind, st Status, body string) {
		inc.Entries = append(inc.Entries, Entry{ID: int64(len(inc.Entries) + 1), At: m(d), Kind: kind, Status: st, Body: body, Author: "SECRET-author"})
	}
	add(0, EntryAlertFired, Investigating, "Alert 12: SECRET-monitor is down.")
	add(2*time.Minute, EntryOpened, Investigating, "Opened from alert 12.")
	add(2*time.Minute, EntryUpdate, Investigating, "We are investigating errors on the public API.")
	add(6*time.Minute, EntryAcknowledged, Investigating, "Acknowledged by SECRET-ack.")
	add(10*time.Minute, EntryNote, Investigating, "SECRET-note: db-primary pool at 100/100")
	add(20*time.Minute, EntryUpdate, Identified, "We found the cause: a database connection limit.")
	add(30*time.Minute, EntryStatus, Identified, "Changed lead SECRET-change")
	add(44*time.Minute, EntryUpdate, Monitoring, "A fix is in place; we are watching.")
	add(97*time.Minute, EntryResolved, Resolved, "Resolved by SECRET-resolver.")
	add(97*time.Minute, EntryUpdate, Resolved, "All calls succeed again. Sorry for the trouble.")
	return inc
}

func TestPostmortemGolden(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	inc := testIncident()
	f := facts{Loc: paris, PageTitle: "Acme status", Names: map[string]string{"api": "Public API", "web": "Web app"},
		Now: inc.ResolvedAt.Add(time.Hour),
		SLA: []componentSLA{
			{Name: "Public API", Used: 38*time.Minute + 12*time.Second, Budget: 43*time.Minute + 12*time.Second, Month: "November 2026"},
			{Name: "Web app", Used: 0, Budget: 43*time.Minute + 12*time.Second, Month: "November 2026"},
		}}
	md := renderPostmortem(inc, f)
	golden(t, "testdata/postmortem.md", md)
	html := string(markdown.Render(md, markdown.Options{HeadingShift: 1}))
	golden(t, "testdata/postmortem.html", html)
	for _, text := range []string{md, html} {
		if strings.Contains(text, "SECRET") {
			t.Fatalf("the post-mortem draft carries internal data:\n%s", text)
		}
	}
	for _, want := range []string{"Public API lost 38.2 min, 88% of its 43.2 min budget for November 2026", "Web app lost nothing", "Time to detect 2 min · to acknowledge 4 min · to mitigate 44 min · to resolve 1 h 37 min",
		"**23 Nov 2026 14:22 CET** Identified: We found the cause", "- [ ] Alert on pool saturation (due 4 Dec 2026)", "- [x] Raise the pool size"} {
		if !strings.Contains(md, want) {
			t.Errorf("the draft lacks %q", want)
		}
	}
}

func TestPublicViewHoldsNothingInternal(t *testing.T) {
	inc := testIncident()
	inc.Postmortem = &Postmortem{Markdown: "SECRET draft", PublishedMarkdown: "# Published", PublishedAt: inc.ResolvedAt.Add(time.Hour)}
	p := inc.Public()
	if len(p.Updates) != 4 || p.Updates[0].Body != "All calls succeed again. Sorry for the trouble." || p.Updates[3].Status != Investigating {
		t.Fatalf("public updates (newest first): %+v", p.Updates)
	}
	if p.Postmortem == nil || p.Postmortem.Markdown != "# Published" || !p.UpdatedAt.Equal(p.Postmortem.PublishedAt) {
		t.Fatalf("public post-mortem: %+v, updated %v", p.Postmortem, p.UpdatedAt)
	}
	if !p.MonitoringAt.Equal(inc.StartedAt.Add(44*time.Minute)) || p.Impact != "major" {
		t.Fatalf("monitoring at %v, impact %s", p.MonitoringAt, p.Impact)
	}
	if s := strings.Join(strings.Fields(fmt.Sprintf("%+v", p)), " "); strings.Contains(s, "SECRET") {
		t.Fatalf("the public view carries internal data: %s", s)
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs\n got:\n%s\nwant:\n%s", path, got, want)
	}
}
